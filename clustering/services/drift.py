"""Drift of a dataset against a run (the published one unless another is named): per feature the
PSI against the run's training data, the new rows' predicted segment shares against the run's
published shares, a verdict and advice (`clustering.engine.drift` does the arithmetic).

Datasets of at most DRIFT_INLINE_MAX_ROWS rows are measured in the request; larger ones by a
Celery job (`DriftCheck`), started after the upload against the published run, or on the first
request for another run; until it is done the API answers 202 with its progress. Answers are
cached per (dataset, run, published version) in the shared cache (a miss when Redis is down);
a job's result also stays on its `DriftCheck` row. The training data's bins are cached per run."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from config.errors import Conflict, DomainError, ServiceUnavailable, SingleMachineOnly
from datasets.models import Dataset
from datasets.selectors import (
    dataset_fits_one_process,
    dataset_frame_load,
    dataset_population_frame,
)

from .. import engine
from ..engine import drift as drift_engine
from ..models import ClusteringRun, DriftCheck
from ..selectors import cluster_list, published_run_get, published_run_required, run_get
from .publish import PUBLISHED_VERSION_KEY

logger = logging.getLogger(__name__)

DRIFT_INLINE_MAX_ROWS = 200_000  # default; the setting of the same name overrides it
DRIFT_CACHE_S = 24 * 3600  # a dataset and a run never change; the key carries both
Progress = Callable[[int, str], None]


def _inline_limit() -> int:
    return int(getattr(settings, "DRIFT_INLINE_MAX_ROWS", DRIFT_INLINE_MAX_ROWS))


def drift_run_resolve(*, user: User, run_id: int | str | None = None) -> ClusteringRun:
    """The run to measure against: the caller's run `run_id` (Http404 when it is not theirs),
    else the published run (Conflict 409 when nothing is published). Conflict when the run
    has not succeeded."""
    if run_id is None:
        return published_run_required(user=user)
    run = run_get(user=user, pk=run_id)
    if run.status != ClusteringRun.Status.SUCCEEDED:
        raise Conflict(
            f"Run {run.pk} is {run.status}; drift is measured against a succeeded run. Wait for "
            "it to finish, or name another run with ?run=."
        )
    return run


def drift_features(*, run: ClusteringRun) -> tuple[list[str], list[str]]:
    """(numeric, categorical) features of the run's model, as the model reads them."""
    try:
        model = engine.load_model(run.model_artifact)
    except engine.EngineInputError as exc:
        raise Conflict(str(exc)) from None
    encoder = model.encoder
    return list(encoder.numeric_columns), list(encoder.categorical_columns)


def drift_columns_check(*, dataset: Dataset, run: ClusteringRun) -> list[str]:
    """The run's features, each of which the dataset must have; ValidationError (400) naming
    the missing ones otherwise."""
    numeric, categorical = drift_features(run=run)
    features = numeric + categorical
    names = {column["name"] for column in dataset.schema or []}
    missing = [name for name in features if name not in names]
    if missing:
        raise MissingDriftColumns(dataset=dataset, run=run, missing=missing, features=features)
    return features


class MissingDriftColumns(ValidationError):
    """The dataset lacks some of the run's features (400 from the API, which names `?run=`);
    the dataset page says it in its own words (`page_text`)."""

    def __init__(
        self, *, dataset: Dataset, run: ClusteringRun, missing: list[str], features: list[str]
    ) -> None:
        listed = ", ".join(repr(name) for name in missing)
        super().__init__(
            f"Dataset {dataset.pk} has no column {listed}: run {run.pk} was trained on "
            f"{', '.join(repr(name) for name in features)}. Upload a table with these columns, "
            "or measure against another run with ?run=."
        )
        self.run_id, self.missing, self.features = run.pk, missing, features

    @property
    def page_text(self) -> str:
        columns = ", ".join(self.missing)
        if len(self.missing) == len(self.features):
            return (
                f"Not measured: this table has none of the columns the published segmentation "
                f"(run {self.run_id}) was built from ({columns})."
            )
        return (
            f"Not measured: this table lacks {columns}, which the published segmentation "
            f"(run {self.run_id}) was built from. Upload a table that has them to see its drift."
        )


def _published_version() -> int:
    try:
        return int(cache.get(PUBLISHED_VERSION_KEY) or 0)
    except (TypeError, ValueError):
        return 0


def drift_cache_key(*, dataset: Dataset, run: ClusteringRun) -> str:
    return f"drift:dataset{dataset.pk}:run{run.pk}:v{_published_version()}"


def drift_references(*, run: ClusteringRun) -> list[drift_engine.FeatureReference]:
    """The bins of the run's training data per feature (decile cut points or categories and
    their shares), read once from the run's dataset (an even sample of one too large for a
    process) and cached per run."""
    key = f"drift-reference:run{run.pk}"
    cached = cache.get(key)
    if cached is not None:
        return [drift_engine.FeatureReference.of(item) for item in cached]
    numeric, categorical = drift_features(run=run)
    training, _ = dataset_population_frame(dataset=run.dataset, columns=numeric + categorical)
    references = drift_engine.references_of(training, numeric=numeric, categorical=categorical)
    cache.set(key, [reference.to_dict() for reference in references], DRIFT_CACHE_S)
    return references


def drift_compute(
    *, dataset: Dataset, run: ClusteringRun, progress: Progress | None = None
) -> dict[str, Any]:
    """The drift of the dataset against the run, as the API answers it."""
    progress = progress or (lambda percent, stage: None)
    features = drift_columns_check(dataset=dataset, run=run)
    progress(10, "reading the training data")
    references = drift_references(run=run)
    progress(40, "reading the new rows")
    frame = dataset_frame_load(dataset=dataset, columns=features)
    progress(60, "placing the new rows in segments")
    labels, _ = engine.load_model(run.model_artifact).predict_frame(frame)
    progress(85, "comparing")
    published = {c.label: (c.name, float(c.percentage)) for c in cluster_list(run=run)}
    result = drift_engine.drift_report(references, frame, labels=labels, published=published)
    return {
        "dataset": dataset.pk,
        "run": run.pk,
        "run_is_published": bool(run.is_published),
        "computed_at": timezone.now().isoformat(),
        **result.to_dict(),
    }


def dataset_drift(
    *, user: User, dataset: Dataset, run_id: int | str | None = None
) -> dict[str, Any] | DriftCheck:
    """The drift of a visible dataset against the caller's run `run_id` or the published run:
    the answer (a dict), or for a dataset above DRIFT_INLINE_MAX_ROWS rows whose answer is not
    ready, its DriftCheck (queued or running; one is started when none is, or the last failed).
    Raises Http404, Conflict (nothing published, run not succeeded) or ValidationError
    (missing columns). ServiceUnavailable (503) when a job cannot be queued."""
    run = drift_run_resolve(user=user, run_id=run_id)
    drift_columns_check(dataset=dataset, run=run)
    if not dataset_fits_one_process(dataset=dataset):
        raise SingleMachineOnly(
            f"Drift places every row of dataset {dataset.pk} in a segment in one process, and "
            f"its {dataset.n_rows:,} rows are more than MAX_DATASET_ROWS "
            f"({settings.MAX_DATASET_ROWS:,}); measure drift on an upload of new customers, or "
            "run a new segmentation of this dataset and compare it with the published one."
        )
    key = drift_cache_key(dataset=dataset, run=run)
    cached = cache.get(key)
    if cached is not None:
        return cached
    if dataset.n_rows <= _inline_limit():
        result = drift_compute(dataset=dataset, run=run)
        cache.set(key, result, DRIFT_CACHE_S)
        return result
    check = drift_check_start(dataset=dataset, run=run)
    if check.status == DriftCheck.Status.SUCCEEDED and check.result is not None:
        cache.set(key, check.result, DRIFT_CACHE_S)
        return check.result
    return check


def drift_check_start(*, dataset: Dataset, run: ClusteringRun) -> DriftCheck:
    """The DriftCheck of (dataset, run); a new one is queued when there is none, and a failed one
    or one abandoned by its worker is queued again. Its task is sent once the transaction
    commits."""
    check = DriftCheck.objects.filter(dataset=dataset, run=run).first()
    if check is None:
        try:
            with transaction.atomic():
                check = DriftCheck.objects.create(dataset=dataset, run=run)
        except IntegrityError:  # another request created it meanwhile
            return DriftCheck.objects.get(dataset=dataset, run=run)
    else:
        # Asked again: a failed check, or one whose worker died while running it (past its hard
        # time limit nothing is still at work on it), is queued again; anything else is left.
        cutoff = timezone.now() - timedelta(seconds=settings.DRIFT_TIME_LIMIT_S + 60)
        again = DriftCheck.objects.filter(pk=check.pk).filter(
            Q(status=DriftCheck.Status.FAILED)
            | Q(status=DriftCheck.Status.RUNNING, started_at__lt=cutoff)
        )
        requeued = again.update(
            status=DriftCheck.Status.QUEUED,
            progress=0,
            stage="",
            error="",
            started_at=None,
            finished_at=None,
        )
        check.refresh_from_db()
        if not requeued:
            return check
    check_id = check.pk
    transaction.on_commit(lambda: _drift_enqueue(check_id=check_id))
    return check


def _drift_enqueue(*, check_id: int) -> None:
    from ..tasks import drift_check_task

    try:
        drift_check_task.delay(check_id)
    except BrokerError as exc:
        logger.warning("Could not queue drift check %s: %s", check_id, exc)
        message = (
            "The job queue cannot be reached right now, so the drift was not measured. Ask "
            "again in a minute; if it keeps failing, tell an administrator."
        )
        DriftCheck.objects.filter(pk=check_id, status=DriftCheck.Status.QUEUED).update(
            status=DriftCheck.Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise ServiceUnavailable(message) from exc


def drift_check_execute(*, check_id: int) -> None:
    """Measure a queued DriftCheck. Idempotent: a check no longer queued (a second delivery)
    is left alone. A refusal (missing columns, a damaged model) fails it with the reason."""
    claimed = DriftCheck.objects.filter(pk=check_id, status=DriftCheck.Status.QUEUED)
    if not claimed.update(status=DriftCheck.Status.RUNNING, started_at=timezone.now()):
        return
    check = DriftCheck.objects.select_related("dataset", "run__dataset").get(pk=check_id)

    def progress(percent: int, stage: str) -> None:
        DriftCheck.objects.filter(pk=check_id).update(progress=percent, stage=stage)

    try:
        result = drift_compute(dataset=check.dataset, run=check.run, progress=progress)
    except (ValidationError, DomainError) as exc:
        message = " ".join(getattr(exc, "messages", None) or [str(exc)])
        DriftCheck.objects.filter(pk=check_id).update(
            status=DriftCheck.Status.FAILED, error=message, finished_at=timezone.now()
        )
        return
    except BaseException:
        DriftCheck.objects.filter(pk=check_id).update(
            status=DriftCheck.Status.FAILED,
            error="The drift could not be measured; ask again to retry.",
            finished_at=timezone.now(),
        )
        raise
    DriftCheck.objects.filter(pk=check_id).update(
        status=DriftCheck.Status.SUCCEEDED,
        progress=100,
        stage="done",
        result=result,
        finished_at=timezone.now(),
    )


def drift_after_upload(*, dataset: Dataset, **_: Any) -> None:
    """After an upload is committed (datasets' `dataset_uploaded`): a dataset above
    DRIFT_INLINE_MAX_ROWS rows whose columns cover the published run's features gets a drift
    job against that run, so the answer is ready when asked for. Never fails the upload: a
    broker that cannot be reached leaves the check failed (asking again retries)."""
    if dataset.n_rows <= _inline_limit():
        return
    run = published_run_get()
    if run is None:
        return
    try:
        drift_columns_check(dataset=dataset, run=run)
        drift_check_start(dataset=dataset, run=run)
    except (ValidationError, DomainError) as exc:
        logger.info("No drift job for dataset %s: %s", dataset.pk, exc)
    except Exception:  # the upload is committed and answered whatever happens here
        logger.exception("Could not start the drift job of dataset %s", dataset.pk)


def dataset_drift_for_page(*, user: User, dataset: Dataset) -> dict[str, Any]:
    """What the dataset page shows about drift against the published run, never raising a
    refusal: {"drift": the answer or None, "check": a DriftCheck still working or None,
    "reason": why there is no answer (nothing published, missing columns...) or ""}."""
    try:
        drift = dataset_drift(user=user, dataset=dataset)
    except MissingDriftColumns as exc:
        return {"drift": None, "check": None, "reason": exc.page_text}
    except (ValidationError, DomainError) as exc:
        reason = " ".join(getattr(exc, "messages", None) or [str(exc)])
        return {"drift": None, "check": None, "reason": reason}
    except Exception:  # the rest of the page still serves
        logger.exception("Could not measure the drift of dataset %s", dataset.pk)
        return {"drift": None, "check": None, "reason": "The drift could not be measured."}
    if isinstance(drift, DriftCheck):
        return {"drift": None, "check": drift, "reason": drift.error}
    return {"drift": drift, "check": None, "reason": ""}
