"""The clustering job: fit a run with the engine and write all its results in one transaction,
recording progress, stage and a heartbeat on the row while it works."""

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from clustering import engine
from config.errors import Gone
from config.storage import data_storage
from datasets.models import Dataset
from datasets.selectors import dataset_frame_load

from ..models import ClusteringRun
from .publish import run_publish
from .results import (
    assignments_insert,
    assignments_insert_blocks,
    clusters_create,
    run_result_fields,
)
from .runs import run_create, run_fail, status_change, this_process

logger = logging.getLogger(__name__)

Status = ClusteringRun.Status
PROGRESS_WRITE_EVERY_S = 0.5  # progress rows are cheap, but not once per engine inner step
# Progress share of each phase: the engine's own 0-100 is mapped into FIT_PROGRESS.
LOAD_PROGRESS, FIT_PROGRESS, SAVE_PROGRESS = (0, 5), (5, 85), (85, 100)


class RunCancelled(Exception):
    """Raised inside a running job when its cancel flag is seen between stages."""


class RunAbandoned(Exception):
    """Raised inside a running job whose row is no longer `running` (failed by the sweep)."""


class _Heartbeat:
    """Touch `heartbeat_at` every RUN_HEARTBEAT_INTERVAL_S from a thread, so a long single engine
    step (one big fit) is not mistaken for a dead worker. Only outside an open transaction:
    inside one (inline runs in tests) another connection could not write anyway."""

    def __init__(self, *, run_id: int) -> None:
        self.run_id = run_id
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "_Heartbeat":
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._beat, daemon=True, name="run-heartbeat")
            self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(settings.RUN_HEARTBEAT_INTERVAL_S):
                try:
                    ClusteringRun.objects.filter(pk=self.run_id, status=Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # busy SQLite file while results are written: next beat
                    logger.debug("Heartbeat of run %s skipped", self.run_id, exc_info=True)
        finally:
            connections.close_all()


class _Progress:
    """The engine's progress callback: records progress + stage on the row (throttled), raises
    RunCancelled when the cancel flag is set, RunAbandoned when the row is no longer running."""

    def __init__(self, *, run_id: int) -> None:
        self.run_id = run_id
        self.last_write = 0.0
        self.last_stage = ""

    def __call__(
        self, percent: float, stage: str = "", span: tuple[int, int] = FIT_PROGRESS
    ) -> None:
        low, high = span
        overall = int(low + (high - low) * max(0.0, min(100.0, float(percent))) / 100)
        if stage == self.last_stage and time.monotonic() - self.last_write < PROGRESS_WRITE_EVERY_S:
            return
        self.last_write, self.last_stage = time.monotonic(), stage
        row = ClusteringRun.objects.filter(pk=self.run_id)
        if not row.filter(status=Status.RUNNING).update(
            progress=overall, stage=stage[:64], heartbeat_at=timezone.now()
        ):
            raise RunAbandoned
        if row.filter(cancel_requested=True).exists():
            raise RunCancelled

    def cancel_requested(self) -> bool:
        return ClusteringRun.objects.filter(pk=self.run_id, cancel_requested=True).exists()


def run_execute(*, run_id: int) -> None:
    """Fit a queued run and write all its results (clusters, assignments, metrics, model) in one
    transaction, or none. Idempotent by id: only the delivery that moves the row from queued to
    running does the work. Ends the run `succeeded`, `failed` with a reason, or `cancelled`."""
    now = timezone.now()
    started = ClusteringRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        stage="loading data",
        **this_process(),
    )
    if not started:
        logger.info("Run %s is not queued any more; this delivery does nothing", run_id)
        return
    run = ClusteringRun.objects.select_related("dataset").get(pk=run_id)
    progress = _Progress(run_id=run_id)
    with _Heartbeat(run_id=run_id):
        try:
            _run_fit_and_save(run=run, progress=progress)
        except (RunCancelled, engine.EngineCancelled):
            status_change(
                run_id=run_id,
                from_statuses=[Status.RUNNING],
                to_status=Status.CANCELLED,
                error="Cancelled while running; nothing was saved.",
            )
            return
        except RunAbandoned:
            logger.warning(
                "Run %s was ended elsewhere while it ran; its results were dropped", run_id
            )
            return
        except engine.EngineInputError as exc:  # the data or parameters: a reason, not a crash
            run_fail(run_id=run_id, reason=str(exc))
            return
        except SoftTimeLimitExceeded:
            run_fail(
                run_id=run_id,
                reason=f"The run passed its time limit of {settings.RUN_TIME_LIMIT_S} seconds "
                "and was stopped; nothing was saved. Try fewer rows or features, or K-Means.",
            )
            return
        except MemoryError:
            run_fail(
                run_id=run_id,
                reason="The run needed more memory than the server has; nothing was saved. Try "
                "fewer rows or features, or K-Means instead of hierarchical clustering.",
            )
            return
        except Exception:
            # Recorded on the row for the user, then re-raised so the worker logs the trace.
            run_fail(
                run_id=run_id,
                reason="The run stopped on an unexpected error and nothing was saved; the error "
                "was logged. Try again, and tell an administrator if it happens again.",
            )
            raise


def _run_fit_and_save(*, run: ClusteringRun, progress: _Progress) -> None:
    if not run_is_distributed(dataset=run.dataset):
        _save(run=run, progress=progress, fitted=_fit_here(run=run, progress=progress))
        return
    storage = data_storage()
    storage.delete(run.assignments_key)  # an earlier delivery's parts, if any
    try:
        _save(run=run, progress=progress, fitted=_fit_on_cluster(run=run, progress=progress))
    except BaseException:
        storage.delete(run.assignments_key)  # nothing saved: no parts left either
        raise


def _save(*, run: ClusteringRun, progress: _Progress, fitted: tuple[Any, dict]) -> None:
    result, timings = fitted
    progress(0, "saving results", span=SAVE_PROGRESS)

    clock = time.perf_counter()
    with transaction.atomic():  # all clusters and assignments, or none
        clusters_create(run=run, result=result)
        if result.assignment_parts:
            assignments_insert_blocks(
                run=run, blocks=_assignment_blocks(run), n_rows=int(result.n_samples)
            )
        else:
            assignments_insert(run=run, labels=result.labels, confidences=result.confidences)
        timings["save_s"] = round(time.perf_counter() - clock, 3)
        succeeded = ClusteringRun.objects.filter(
            pk=run.pk, status=Status.RUNNING, cancel_requested=False
        ).update(
            status=Status.SUCCEEDED,
            progress=100,
            stage="done",
            error="",
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            **run_result_fields(result=result, timings=timings, warnings=run.warnings),
        )
        if not succeeded:  # cancelled or failed meanwhile: roll every result back
            if progress.cancel_requested():
                raise RunCancelled
            raise RunAbandoned
        if run.publish_on_success:  # in the same transaction: never seen succeeded-unpublished
            run_publish(run=run)


def _assignment_blocks(run: ClusteringRun) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(labels, confidences) of each of the run's Parquet parts in row order, one part read at a
    time; EngineInputError when a part does not start where the one before it ended."""
    storage = data_storage()
    expected = 0
    for key in storage.parquet_parts(run.assignments_key):
        with storage.open(key, "rb") as handle:
            table = pq.read_table(handle)
        rows = table.column("row").to_numpy()
        if len(rows) and (rows[0] != expected or rows[-1] != expected + len(rows) - 1):
            raise engine.EngineInputError(
                "The run's assignment parts do not follow the dataset's rows; run it again."
            )
        expected += len(rows)
        yield (
            table.column("cluster_label").to_numpy(),
            table.column("confidence").to_numpy(),
        )


def _fit_here(*, run: ClusteringRun, progress: _Progress) -> tuple[Any, dict[str, float]]:
    """The single-machine engine on the whole table, loaded in this process."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    dataset = run.dataset
    try:
        frame = dataset_frame_load(dataset=dataset, columns=run.features)  # only what is clustered
    except Gone as exc:  # the dataset's Parquet data is not under the data root any more
        raise engine.EngineInputError(str(exc)) from None
    except FileNotFoundError:
        raise engine.EngineInputError(
            f"The data file of dataset {dataset.pk} is missing; upload the file again."
        ) from None
    timings["load_s"] = round(time.perf_counter() - clock, 3)
    progress(100, "preparing features", span=LOAD_PROGRESS)

    clock = time.perf_counter()
    result = engine.fit(
        frame,
        schema=dataset.schema,
        features=run.features,
        algorithm=run.algorithm,
        params=run.parameters,
        progress=progress,
        should_cancel=progress.cancel_requested,
    )
    timings["fit_s"] = round(time.perf_counter() - clock, 3)
    return result, timings


def run_is_distributed(*, dataset: Dataset) -> bool:
    """A Dask cluster is configured and the dataset is above DISTRIBUTED_MIN_ROWS (or above what
    one machine clusters, MAX_DATASET_ROWS, whichever is lower)."""
    threshold = min(settings.DISTRIBUTED_MIN_ROWS, settings.MAX_DATASET_ROWS)
    return bool(settings.DASK_SCHEDULER_ADDRESS) and dataset.n_rows > threshold


def _fit_on_cluster(*, run: ClusteringRun, progress: _Progress) -> tuple[Any, dict[str, float]]:
    """The run's K-Means on the Dask cluster (clustering.engine.distributed). Imports dask only
    here, so a service without a cluster never loads it."""
    from distributed import Client

    from clustering.engine.distributed import fit_distributed
    from datasets.selectors import dataset_dask_frame

    address = settings.DASK_SCHEDULER_ADDRESS
    storage = data_storage()
    try:
        client = Client(address, timeout=f"{settings.DASK_CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise engine.EngineInputError(
            f"The Dask cluster at {address} cannot be reached ({exc}), so the run did not start "
            "and nothing was saved. Try again in a minute; if it keeps failing, tell an "
            "administrator."
        ) from None
    clock = time.perf_counter()
    with client:
        result = fit_distributed(
            dataset_dask_frame(dataset=run.dataset, columns=run.features),
            n_rows=run.dataset.n_rows,
            client=client,
            assignments_url=storage.url(run.assignments_key),
            storage_options=storage.storage_options,
            schema=run.dataset.schema,
            features=run.features,
            algorithm=run.algorithm,
            params=run.parameters,
            progress=progress,
            should_cancel=progress.cancel_requested,
        )
    return result, {"load_s": 0.0, "fit_s": round(time.perf_counter() - clock, 3)}


def run_execute_inline(
    *,
    dataset: Dataset,
    user: User,
    algorithm: str,
    parameters: dict[str, Any],
    features: list[str] | None = None,
    publish_on_success: bool = False,
    force_features: bool = False,
) -> ClusteringRun:
    """Create and run a clustering in this process for the synchronous contracts, refusing
    datasets above SYNC_CLUSTER_MAX_ROWS with a pointer to the asynchronous route. The run is
    recorded like any other; a failed fit raises ValidationError with its reason."""
    limit = settings.SYNC_CLUSTER_MAX_ROWS
    if dataset.n_rows > limit:
        raise ValidationError(
            f"Dataset {dataset.pk} has {dataset.n_rows:,} rows; clustering answers inline only up "
            f"to {limit:,} rows. Start a background run instead: POST /api/v1/runs/ (or POST "
            "/api/clusters/run) and poll it until it has succeeded."
        )
    run = run_create(
        dataset=dataset,
        user=user,
        algorithm=algorithm,
        parameters=parameters,
        features=features,
        publish_on_success=publish_on_success,
        enqueue=False,
        force_features=force_features,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != Status.SUCCEEDED:
        raise ValidationError(run.error or f"The clustering run ended {run.status}.")
    return run
