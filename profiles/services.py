"""Writes of the profiles app: predictions (every one recorded) and saved customer profiles."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import ValidationError

from accounts.models import User
from clustering.models import ClusteringRun
from config.api.exceptions import Conflict, Unprocessable

from .models import CustomerProfile, Prediction
from .predictor import ArtifactError, PredictionInputError, published_model_get, run_model_get

NOTHING_PUBLISHED = (
    "No segmentation is published yet: a segmentation must be published first (an analyst "
    "trains one with POST /train or publishes a run), then predict again."
)
PROFILE_FIELDS = ("name", "sex", "age", "annual_income", "spending_score", "purchase_frequency")
PROFILE_EDITABLE = (*PROFILE_FIELDS, "notes", "extra_features")


@dataclass(frozen=True)
class PredictionResult:
    """One recorded prediction as callers answer it."""

    id: int | None
    run_id: int | None
    profile_id: int | None
    cluster: int
    cluster_name: str
    confidence: float  # 0-100
    customer_data: dict[str, Any]
    created_at: datetime


def predict(
    *,
    user: User,
    records: Sequence[Mapping[str, Any]],
    run: ClusteringRun | None = None,
    profile: CustomerProfile | None = None,
) -> list[PredictionResult]:
    """Segment customers with the published run (or `run`) and record every prediction in one
    insert (one statement for a single customer, one bulk_create for a batch). All records are
    checked first: one bad record records nothing.

    Raises Conflict when nothing is published, ValidationError above PREDICT_BATCH_MAX_ROWS,
    Unprocessable naming each bad field."""
    limit = settings.PREDICT_BATCH_MAX_ROWS
    if not records:
        raise ValidationError({"records": ["Send at least one customer."]})
    if len(records) > limit:
        raise ValidationError(
            {
                "records": [
                    f"A batch holds at most {limit} customers; got {len(records)}. "
                    "Split it into smaller batches."
                ]
            }
        )
    try:
        model = run_model_get(run=run) if run is not None else published_model_get(user=user)
    except ArtifactError as exc:
        raise Conflict(str(exc)) from exc
    if model is None:
        raise Conflict(NOTHING_PUBLISHED)

    cleaned: list[dict[str, Any]] = []
    echoes: list[dict[str, Any]] = []
    errors: dict[str, Any] = {}
    for index, record in enumerate(records):
        try:
            values, echo = model.clean(record)
        except PredictionInputError as exc:
            errors[str(index)] = {key: [message] for key, message in exc.errors.items()}
            continue
        cleaned.append(values)
        echoes.append(echo)
    if errors:
        raise Unprocessable(errors["0"] if len(records) == 1 else {"records": errors})

    predicted = model.predict_rows(cleaned)
    rows = [
        Prediction(  # ids, not instances: the FK descriptors cost ~10 us a row on a batch
            user_id=user.pk,
            run_id=model.run_id,
            profile_id=profile.pk if profile is not None else None,
            input=echo,
            cluster=row.label,
            cluster_name=row.name,
            confidence=round(row.confidence, 2),
        )
        for row, echo in zip(predicted, echoes, strict=True)
    ]
    if len(rows) == 1:  # one INSERT in autocommit: bulk_create would add BEGIN and COMMIT
        rows[0].save(force_insert=True)
    else:
        Prediction.objects.bulk_create(rows)
    return [
        PredictionResult(
            id=row.pk,
            run_id=row.run_id,
            profile_id=row.profile_id,
            cluster=row.cluster,
            cluster_name=row.cluster_name,
            confidence=row.confidence,
            customer_data=row.input,
            created_at=row.created_at,
        )
        for row in rows
    ]


def profile_record(*, profile: CustomerProfile) -> dict[str, Any]:
    """The prediction input a saved profile stands for (its extra features included)."""
    record = {name: getattr(profile, name) for name in PROFILE_FIELDS[1:]}
    record.update(profile.extra_features or {})
    return record


def profile_predict(*, user: User, profile: CustomerProfile) -> PredictionResult:
    """Segment a saved profile with the published run; recorded and linked to the profile."""
    return predict(user=user, records=[profile_record(profile=profile)], profile=profile)[0]


def profile_create(*, owner: User, **fields: Any) -> CustomerProfile:
    """Save a new profile of `owner`, checked by the model's rules (18-100, 1-100, >= 0)."""
    profile = CustomerProfile(owner=owner, **_editable(fields))
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def profile_update(*, profile: CustomerProfile, **fields: Any) -> CustomerProfile:
    """Change the given fields of a profile; the rest stay as they were."""
    for name, value in _editable(fields).items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


def profile_delete(*, profile: CustomerProfile) -> None:
    """Delete a profile; its predictions stay in the history, unlinked."""
    profile.delete()


def _editable(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name in PROFILE_EDITABLE}
