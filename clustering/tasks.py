"""Celery entry points of the clustering app: a few lines each, ids in, services do the work."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# The hard limit is RUN_TIME_LIMIT_S; the soft one comes earlier so the run can record why it
# stopped. Both sit below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT_S), so a
# message is never handed to a second worker while the first may still be working on it.
RUN_SOFT_TIME_LIMIT_S = max(1, settings.RUN_TIME_LIMIT_S - min(60, settings.RUN_TIME_LIMIT_S // 10))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=RUN_SOFT_TIME_LIMIT_S,
    time_limit=settings.RUN_TIME_LIMIT_S,
    ignore_result=True,
)
def run_execute_task(run_id: int) -> None:
    """Execute one clustering run; idempotent by id (a redelivered message does nothing)."""
    from .services import run_execute

    run_execute(run_id=run_id)


LINEAGE_TIME_LIMIT_S = 1800  # default; the setting of the same name overrides it


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=getattr(settings, "LINEAGE_TIME_LIMIT_S", LINEAGE_TIME_LIMIT_S),
    time_limit=getattr(settings, "LINEAGE_TIME_LIMIT_S", LINEAGE_TIME_LIMIT_S) + 60,
)
def run_comparison_task(comparison_id: int) -> None:
    """Compute one comparison of two runs; idempotent by id (a second delivery does nothing)."""
    from .services import run_comparison_execute

    run_comparison_execute(comparison_id=comparison_id)


@shared_task(ignore_result=True)
def runs_fail_stale_task() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): fail runs whose worker died or passed its time limit."""
    from .services import runs_fail_stale

    return runs_fail_stale()


@worker_ready.connect
def runs_orphaned_fail_on_start(**_) -> None:
    """A worker that starts fails the runs left `running` by a process of this host that is gone
    (a crash and restart clears them in seconds; the stale sweep still covers other hosts)."""
    from .services import runs_fail_orphaned

    try:
        runs_fail_orphaned()
    except DatabaseError:  # the worker still serves; the stale sweep catches these runs later
        logger.exception("Could not check for runs left by a stopped worker")
    finally:
        connection.close()  # the pool's processes open their own
