"""Run lifecycle writes: create (checked against the dataset and the caller's cap on active
runs), enqueue, fail, cancel and the sweep of stale runs.

The row is the truth about a job. Every status change is a conditional UPDATE
(`filter(pk=..., status__in=...).update(...)`): a late or duplicated worker can never overwrite
a status set elsewhere (cancelled, failed by the sweep)."""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from config.errors import Conflict
from datasets.models import Dataset

from ..models import ClusteringRun
from ..run_warnings import feature_warnings
from ..selectors import run_active_count
from .params import run_parameters_clean

logger = logging.getLogger(__name__)

Status = ClusteringRun.Status

# --- create ------------------------------------------------------------------------------------


def run_create(
    *,
    dataset: Dataset,
    user: User,
    algorithm: str = ClusteringRun.Algorithm.KMEANS,
    parameters: dict[str, Any] | None = None,
    features: list[str] | None = None,
    publish_on_success: bool = False,
    enqueue: bool = True,
    force_features: bool = False,
) -> ClusteringRun:
    """Record a queued run after checking its parameters against the dataset and the caller's cap
    on active runs. With `enqueue`, the job is sent only once the row is committed; without it,
    the caller runs `run_execute` inline (synchronous contracts, the demo, benchmarks).
    Id columns are features only with `force_features`; the run's `warnings` say what was left
    out or forced."""
    requested = features
    features, parameters = run_parameters_clean(
        dataset=dataset,
        algorithm=algorithm,
        parameters=parameters or {},
        features=features,
        force_features=force_features,
    )
    with transaction.atomic():
        # Lock the caller's row: two concurrent requests cannot both pass the cap check.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        active = run_active_count(user=user)
        limit = settings.MAX_ACTIVE_RUNS_PER_USER
        if active >= limit:
            raise Conflict(
                f"You already have {active} clustering runs queued or running (the limit is "
                f"{limit}). Wait for one to finish, or cancel one, then try again."
            )
        run = ClusteringRun(
            dataset=dataset,
            created_by=user,
            algorithm=algorithm,
            parameters=parameters,
            features=features,
            warnings=feature_warnings(schema=dataset.schema, requested=requested, chosen=features),
            publish_on_success=publish_on_success,
            task_id=uuid.uuid4().hex,
        )
        run.full_clean()
        run.save()
        if enqueue:
            run_id, task_id = run.pk, run.task_id
            transaction.on_commit(lambda: _run_enqueue(run_id=run_id, task_id=task_id))
    return run


def _run_enqueue(*, run_id: int, task_id: str) -> None:
    """Send the job; a broker that cannot be reached fails the run with a reason at once."""
    from ..tasks import run_execute_task

    try:
        run_execute_task.apply_async(args=[run_id], task_id=task_id)
    except BrokerError:
        logger.exception("Could not queue clustering run %s", run_id)
        status_change(
            run_id=run_id,
            from_statuses=[Status.QUEUED],
            to_status=Status.FAILED,
            error="The job queue could not be reached, so the run never started. Try again in "
            "a minute; if it keeps failing, tell an administrator.",
        )


# --- status changes (all conditional) ----------------------------------------------------------


def status_change(
    *, run_id: int, from_statuses: list[str], to_status: str, error: str = "", **fields: Any
) -> bool:
    """Move the run to `to_status` only if it is still in one of `from_statuses`."""
    now = timezone.now()
    finished = {"finished_at": now} if to_status not in ClusteringRun.ACTIVE_STATUSES else {}
    updated = ClusteringRun.objects.filter(pk=run_id, status__in=from_statuses).update(
        status=to_status, error=error, stage=to_status, heartbeat_at=now, **finished, **fields
    )
    return bool(updated)


def run_fail(*, run_id: int, reason: str) -> bool:
    """Fail a queued or running run with a reason a user can act on. False when the run had
    already ended (its status is kept)."""
    return status_change(
        run_id=run_id,
        from_statuses=list(ClusteringRun.ACTIVE_STATUSES),
        to_status=Status.FAILED,
        error=reason,
    )


def run_cancel(*, run: ClusteringRun) -> ClusteringRun:
    """Cancel a run: a queued run is cancelled at once; a running one gets its cancel flag, which
    the job checks between stages (it then ends `cancelled`, with nothing saved). Conflict when
    the run has already ended."""
    if status_change(
        run_id=run.pk,
        from_statuses=[Status.QUEUED],
        to_status=Status.CANCELLED,
        error="Cancelled before it started.",
        cancel_requested=True,
    ):
        run.refresh_from_db()
        return run
    flagged = ClusteringRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        cancel_requested=True
    )
    run.refresh_from_db()
    if not flagged:
        raise Conflict(
            f"Run {run.pk} has already ended ({run.status}); there is nothing to cancel."
        )
    return run


def runs_fail_stale(*, now: Any = None) -> int:
    """Fail every `running` run whose worker is gone: past its time limit, or silent (no heartbeat)
    for RUN_HEARTBEAT_STALE_S. A run whose cancel was requested ends `cancelled` instead.
    Conditional, so a run that finishes meanwhile keeps its status. Returns how many ended."""
    now = now or timezone.now()
    running = ClusteringRun.objects.filter(status=Status.RUNNING)
    limit_s = settings.RUN_TIME_LIMIT_S
    ended = running.filter(started_at__lt=now - timedelta(seconds=limit_s + 60)).update(
        status=Status.FAILED,
        stage=Status.FAILED,
        finished_at=now,
        error=f"The run passed its time limit of {limit_s} seconds and was stopped. Try fewer "
        "rows or features, or K-Means, which is the fastest algorithm.",
    )
    silent_since = now - timedelta(seconds=settings.RUN_HEARTBEAT_STALE_S)
    silent = running.filter(heartbeat_at__lt=silent_since)
    ended += silent.filter(cancel_requested=True).update(
        status=Status.CANCELLED, stage=Status.CANCELLED, finished_at=now, error="Cancelled."
    )
    ended += silent.update(
        status=Status.FAILED,
        stage=Status.FAILED,
        finished_at=now,
        error="The worker running this job stopped responding (it crashed or was restarted), "
        "so the run was stopped and nothing was saved. Start the run again.",
    )
    if ended:
        logger.warning("Stale-run sweep ended %s run(s)", ended)
    return ended
