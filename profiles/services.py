"""Writes of the profiles app: predictions (every one recorded) and saved customer profiles."""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from clustering.features import records_out_of_range
from clustering.models import ClusteringRun
from config.errors import Conflict, Unprocessable

from .models import CustomerProfile, Prediction
from .predictor.cache import published_model_get, run_model_get
from .predictor.checks import CleanBatch, PredictionBatchError, PredictionInputError
from .predictor.fields import CONTRACT_FIELDS
from .predictor.model import ArtifactError, RunModel
from .selectors import profile_record

NOTHING_PUBLISHED = (
    "No segmentation is published yet: a segmentation must be published first (an analyst "
    "trains one with POST /train or publishes a run), then predict again."
)
PROFILE_FIELDS = ("name", *CONTRACT_FIELDS)
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
    # Why this segment (`clustering.engine.why`), when asked for: runner-up, margin, top features.
    explanation: dict[str, Any] | None = None
    # What the numbers mean (`predictor.advice`): inputs outside the training data's range,
    # and the confidence in words. Answered, never recorded.
    warnings: tuple[str, ...] = ()
    confidence_note: str = ""


def predict(
    *,
    user: User,
    records: Sequence[Mapping[str, Any]],
    run: ClusteringRun | None = None,
    profile: CustomerProfile | None = None,
    explain: bool = False,
) -> list[PredictionResult]:
    """Segment customers with the published run (or `run`) and record every prediction in one
    INSERT statement, atomic on its own. All records are checked first: one bad record records
    nothing (422 naming every bad record's fields). `explain`: each result also says why its
    segment (`PredictionResult.explanation`; not recorded).

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

    # Numbers the math cannot use (1e160 squares past any float) are refused before the model
    # sees them, whatever field carries them.
    out_of_range = records_out_of_range(records)
    if out_of_range:
        raise _unprocessable(out_of_range, n=len(records))
    try:
        batch = model.clean_batch(records)
    except PredictionBatchError as exc:
        raise _unprocessable(exc.errors, n=len(records)) from exc

    labels, names, confidences, advice = model.predict_batch_advised(batch)
    unusable = [index for index, value in enumerate(confidences) if not math.isfinite(value)]
    if unusable:  # never reached with bounded inputs; a NaN must still never leave the service
        raise _unprocessable(
            {index: _numeric_fields(records[index]) for index in unusable}, n=len(records)
        )
    explanations = _explanations(model=model, batch=batch, explain=explain)
    echoes = batch.echoes
    profile_id = profile.pk if profile is not None else None
    if len(echoes) == 1:  # one INSERT in autocommit: a batch statement costs more for one row
        saved = Prediction(  # ids, not instances: no FK descriptor work
            user_id=user.pk,
            run_id=model.run_id,
            profile_id=profile_id,
            input=echoes[0],
            cluster=labels[0],
            cluster_name=names[0],
            confidence=confidences[0],
        )
        saved.save(force_insert=True)
        ids, created_at = [saved.pk], saved.created_at
    else:
        created_at = timezone.now()
        ids = _predictions_insert(
            user_id=user.pk,
            run_id=model.run_id,
            profile_id=profile_id,
            created_at=created_at,
            rows=list(zip(echoes, labels, names, confidences, strict=True)),
        )
    run_id = model.run_id
    return [
        PredictionResult(
            id=pk,
            run_id=run_id,
            profile_id=profile_id,
            cluster=label,
            cluster_name=name,
            confidence=confidence,
            customer_data=echo,
            created_at=created_at,
            explanation=explanation,
            warnings=words.warnings,
            confidence_note=words.confidence_note,
        )
        for pk, label, name, confidence, echo, explanation, words in zip(
            ids, labels, names, confidences, echoes, explanations, advice, strict=True
        )
    ]


def _explanations(*, model: RunModel, batch: CleanBatch, explain: bool) -> list[Any]:
    """Why each checked customer is in its segment, or None each when not asked for."""
    if not explain:
        return [None] * len(batch.echoes)
    return model.explain_batch(batch)


def _unprocessable(errors: Mapping[int, Mapping[str, str]], *, n: int) -> Unprocessable:
    """The 422 naming each bad record's fields: {field: [message]} for one record, else
    {"records": {index: {field: [message]}}}."""
    detail = {
        str(index): {key: [message] for key, message in fields.items()}
        for index, fields in errors.items()
    }
    return Unprocessable(
        "Some fields cannot be used for a prediction.",
        detail=detail["0"] if n == 1 else {"records": detail},
    )


def _numeric_fields(record: Mapping[str, Any]) -> dict[str, str]:
    message = "This value makes the segment distances incomputable; send a smaller number."
    numbers = [
        key
        for key, value in record.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return dict.fromkeys(numbers or ["non_field_errors"], message)


# One statement for a whole batch: the rows travel as one JSON parameter that the database
# unpacks (PostgreSQL jsonb_array_elements, SQLite json_each), in order, and the new ids come
# back. Measured in-process on PostgreSQL, a 1,000-customer batch took 123 ms with bulk_create
# (most of it adapting 8,000 values one by one into the SQL) and 53 ms with this statement; on
# SQLite bulk_create is also split into 9 statements by its 999-parameter cap.
_INSERT_COLUMNS = '"user_id", "run_id", "profile_id", "created_at", "input", "cluster", ' + (
    '"cluster_name", "confidence"'
)
_INSERT_FROM_JSON = {
    "postgresql": (
        "INSERT INTO {table} (" + _INSERT_COLUMNS + ") "
        "SELECT %s, %s, %s, %s, r.value -> 0, (r.value ->> 1)::integer, r.value ->> 2, "
        "(r.value ->> 3)::double precision "
        "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(value, position) "
        "ORDER BY r.position RETURNING id"
    ),
    "sqlite": (
        "INSERT INTO {table} (" + _INSERT_COLUMNS + ") "
        "SELECT %s, %s, %s, %s, json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), "
        "json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]') "
        "FROM json_each(%s) AS r ORDER BY r.key RETURNING id"
    ),
}


def _predictions_insert(
    *,
    user_id: int,
    run_id: int | None,
    profile_id: int | None,
    created_at: datetime,
    rows: Sequence[tuple[dict[str, Any], int, str, float]],
) -> list[int]:
    """Insert (input, cluster, cluster_name, confidence) rows as Prediction rows in one INSERT
    statement, atomic on its own; returns their ids in the order of `rows`. Other databases
    fall back to bulk_create."""
    template = _INSERT_FROM_JSON.get(connection.vendor)
    if template is None:
        saved = Prediction.objects.bulk_create(
            [
                Prediction(
                    user_id=user_id,
                    run_id=run_id,
                    profile_id=profile_id,
                    created_at=created_at,
                    input=echo,
                    cluster=cluster,
                    cluster_name=name,
                    confidence=confidence,
                )
                for echo, cluster, name, confidence in rows
            ]
        )
        return [row.pk for row in saved]
    sql = template.format(table=connection.ops.quote_name(Prediction._meta.db_table))
    stamp = connection.ops.adapt_datetimefield_value(created_at)
    payload = json.dumps(rows, allow_nan=False, separators=(",", ":"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, run_id, profile_id, stamp, payload])
        # One statement numbers its rows in the order it inserts them (PostgreSQL's sequence,
        # SQLite's rowid under the write lock), but SQLite returns them in no promised order.
        return sorted(pk for (pk,) in cursor.fetchall())


def profile_predict(
    *, user: User, profile: CustomerProfile, explain: bool = False
) -> PredictionResult:
    """Segment a saved profile with the published run; recorded and linked to the profile.
    Unprocessable naming the features the profile has no value for when it was saved for a
    segmentation with other features."""
    record = profile_record(profile=profile)
    try:
        model = published_model_get(user=user)
    except ArtifactError:
        model = None  # `predict` answers why
    if model is not None:
        missing = [
            feature.alias or feature.name
            for feature in model.inputs
            if record.get(feature.name) is None
            and (feature.alias is None or record.get(feature.alias) is None)
        ]
        if missing:
            raise Unprocessable(
                f"The published segmentation uses {_listed(missing)}, which this profile has "
                f"no value for (it was saved for a segmentation with other features). Edit "
                f"the profile to add {'it' if len(missing) == 1 else 'them'}."
            )
    return predict(user=user, records=[record], profile=profile, explain=explain)[0]


def profile_create(*, owner: User, **fields: Any) -> CustomerProfile:
    """Save a new profile of `owner`, checked by the model's rules (18-100, 1-100, >= 0) and
    against the published segmentation's features (see `_profile_check`)."""
    fields = _editable(fields)
    profile = CustomerProfile(owner=owner, **fields)
    profile.full_clean()
    _profile_check(profile=profile, user=owner, extra_keys=profile.extra_features or {})
    profile.save()
    return profile


@transaction.atomic
def profile_update(*, profile: CustomerProfile, **fields: Any) -> CustomerProfile:
    """Change the given fields of a profile; the rest stay as they were. A change of any
    feature value is checked against the published segmentation's features, as at creation;
    a change of the name or notes alone is not (a profile of an older segmentation keeps them
    editable)."""
    fields = _editable(fields)
    before = dict(profile.extra_features or {})
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    if set(fields) & {*CONTRACT_FIELDS, "extra_features"}:
        sent = fields.get("extra_features") or {}
        changed = [key for key in sent if key not in before or before[key] != sent[key]]
        _profile_check(profile=profile, user=profile.owner, extra_keys=changed)
    profile.save()
    return profile


def _profile_check(*, profile: CustomerProfile, user: User, extra_keys: Any) -> None:
    """A profile can be segmented by the published run: each of its features has a value the
    prediction takes (the prediction's own checks, so a saved profile always segments), and
    `extra_keys` (the extra features sent or changed) are all features of that run. With nothing
    published, document 004's five fields are required, as its contract has them.
    ValidationError naming each missing, unknown or unusable field."""
    try:
        model = published_model_get(user=user)
    except ArtifactError:
        model = None
    if model is None:
        missing = [name for name in CONTRACT_FIELDS if getattr(profile, name) in (None, "")]
        if missing:
            raise ValidationError(
                {
                    name: ["This field is required while no segmentation is published."]
                    for name in missing
                }
            )
        return
    record = profile_record(profile=profile)
    errors: dict[str, list[str]] = {}
    for key, message in (records_out_of_range([record]).get(0) or {}).items():
        errors[key] = [message]
    known = {name for feature in model.inputs for name in (feature.name, feature.alias) if name}
    used = ", ".join(feature.alias or feature.name for feature in model.inputs)
    for key in extra_keys:
        if key not in known and key not in CONTRACT_FIELDS:
            errors.setdefault(key, []).append(
                f"Unknown feature: the published segmentation uses {used}."
            )
    if not errors:
        try:
            model.clean(record)
        except PredictionInputError as exc:
            errors = {key: [message] for key, message in exc.errors.items()}
    if errors:
        raise ValidationError(errors)


def _listed(names: Sequence[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def profile_delete(*, profile: CustomerProfile) -> None:
    """Delete a profile; its predictions stay in the history, unlinked."""
    profile.delete()


def _editable(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name in PROFILE_EDITABLE}
