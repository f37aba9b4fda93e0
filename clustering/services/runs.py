"""Run lifecycle writes: create (checked against the dataset and the caller's cap on active
runs), enqueue, fail, cancel and the sweep of stale runs.

The row is the truth about a job. Every status change is a conditional UPDATE
(`filter(pk=..., status__in=...).update(...)`): a late or duplicated worker can never overwrite
a status set elsewhere (cancelled, failed by the sweep)."""

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from config.errors import Conflict, ServiceUnavailable
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
    out or forced.

    Raises ServiceUnavailable (503, Retry-After) when the broker cannot be reached (the run is
    then recorded as failed with that reason); only when called outside a transaction, since
    inside one the job is sent at the caller's commit."""
    requested = features
    features, parameters = run_parameters_clean(
        dataset=dataset,
        algorithm=algorithm,
        parameters=parameters or {},
        features=features,
        force_features=force_features,
    )
    # Outside any transaction (a request) the job is sent right after the commit, and a broker
    # that cannot be reached answers 503; inside the caller's transaction it is sent on commit.
    outer_transaction = transaction.get_connection().in_atomic_block
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
        if enqueue and outer_transaction:
            run_id, task_id = run.pk, run.task_id
            transaction.on_commit(lambda: _run_enqueue(run_id=run_id, task_id=task_id))
    if enqueue and not outer_transaction and not _run_enqueue(run_id=run.pk, task_id=run.task_id):
        raise ServiceUnavailable(QUEUE_UNREACHABLE)
    return run


QUEUE_UNREACHABLE = (
    "The job queue cannot be reached right now, so the run was not started (it is recorded as "
    "failed). Try again in a minute; if it keeps failing, tell an administrator."
)


def _run_enqueue(*, run_id: int, task_id: str) -> bool:
    """Send the job; a broker that cannot be reached fails the run with a reason at once and
    answers False."""
    from ..tasks import run_execute_task

    try:
        run_execute_task.apply_async(args=[run_id], task_id=task_id)
    except BrokerError as exc:
        logger.warning("Could not queue clustering run %s: %s", run_id, exc)
        status_change(
            run_id=run_id,
            from_statuses=[Status.QUEUED],
            to_status=Status.FAILED,
            error="The job queue could not be reached, so the run never started. Try again in "
            "a minute; if it keeps failing, tell an administrator.",
        )
        return False
    return True


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


# --- runs whose process is gone (checked when a worker starts) ---------------------------------


def this_process() -> dict[str, Any]:
    """The `worker_host` and `worker_pid` a run records when this process starts executing it."""
    return {"worker_host": socket.gethostname()[:255], "worker_pid": os.getpid()}


def _process_gone(pid: int | None) -> bool:
    """True when no process `pid` runs on this host any more (or the id now belongs to this
    process or one it started, so the run's process is surely gone)."""
    if pid is None:
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: it exists
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return parent == os.getpid()


def runs_fail_orphaned(*, host: str | None = None) -> int:
    """Fail (or, when its cancel was requested, cancel) every `running` run recorded on `host`
    (this one by default) whose process is gone: a worker that starts calls it, so a crash and
    restart clears its runs in seconds instead of waiting for the stale sweep. Runs of live
    processes and of other hosts are left to themselves and to the sweep. Returns how many
    ended."""
    host = host or this_process()["worker_host"]
    running = ClusteringRun.objects.filter(status=Status.RUNNING, worker_host=host)
    ended = 0
    for run_id, pid, cancel_requested in running.values_list(
        "pk", "worker_pid", "cancel_requested"
    ):
        if not _process_gone(pid):
            continue
        if cancel_requested:
            done = status_change(
                run_id=run_id,
                from_statuses=[Status.RUNNING],
                to_status=Status.CANCELLED,
                error="Cancelled.",
            )
        else:
            done = status_change(
                run_id=run_id,
                from_statuses=[Status.RUNNING],
                to_status=Status.FAILED,
                error=f"The worker process running this job (process {pid} on {host}) stopped "
                "before it finished (it crashed or was restarted), so nothing was saved. Start "
                "the run again.",
            )
        ended += done
    if ended:
        logger.warning("Ended %s run(s) whose worker process on %s is gone", ended, host)
    return ended
