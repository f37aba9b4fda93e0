"""The lifecycle shared by every job that makes a dataset on a Celery worker (`DatasetJob`:
customer tables, registrations): the claim that makes a second delivery a no-op, progress that
pollers see at once, the end (succeeded with the dataset, or failed with a sentence), and the
broker check when the job is sent."""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.errors import DomainError, ServiceUnavailable

from ..models import CustomerTableJob, Dataset, DatasetJob, RegistrationJob

logger = logging.getLogger(__name__)
Status = DatasetJob.Status

QUEUE_UNREACHABLE = (
    "The job queue cannot be reached right now, so the {what} was not started (it is recorded as "
    "failed). Try again in a minute; if it keeps failing, tell an administrator."
)


def job_enqueue(*, job: DatasetJob, send: Callable[[int], Any], what: str) -> None:
    """Send the job's task once its row is committed. Inside the caller's transaction it is sent
    at the commit; outside one (a request) at once, and a broker that cannot be reached fails the
    job with that reason and raises ServiceUnavailable (503, Retry-After)."""
    job_id = job.pk
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: send(job_id))
        return
    try:
        send(job_id)
    except BrokerError as exc:
        logger.warning("Could not queue %s job %s: %s", what, job_id, exc)
        message = QUEUE_UNREACHABLE.format(what=what)
        type(job).objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        raise ServiceUnavailable(message) from exc


def job_claim(model: type[DatasetJob], job_id: int) -> bool:
    """Move a queued job to running; False when it is not queued (a second delivery, or a job
    already ended): the caller then leaves it alone."""
    claimed = model.objects.filter(pk=job_id, status=Status.QUEUED)
    return bool(claimed.update(status=Status.RUNNING, started_at=timezone.now()))


def job_succeed(model: type[DatasetJob], job_id: int, *, dataset: Dataset) -> None:
    model.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.SUCCEEDED,
        progress=100,
        stage="done",
        result=dataset,
        finished_at=timezone.now(),
    )


def job_fail(model: type[DatasetJob], job_id: int, *, error: str) -> None:
    model.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, error=error, finished_at=timezone.now()
    )


def error_sentence(exc: BaseException) -> str:
    """The user's sentence of a ValidationError (every message, field names left out) or of a
    DomainError."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, DomainError):
        return getattr(exc, "message", "") or str(exc)
    return str(exc)


class JobProgress:
    """`progress(percent, stage)` for a running job, seen by pollers at once even when it is
    called inside the transaction that stores the result: on PostgreSQL it is written through a
    connection of its own (a helper thread's, in autocommit); on SQLite, where one connection
    writes at a time and that transaction holds the lock, on the caller's connection (progress
    made inside that transaction then shows at its commit). Use it as a context manager: the
    helper's connection is closed at the end."""

    def __init__(self, model: type[DatasetJob], job_id: int) -> None:
        self.model = model
        self.job_id = job_id
        own_connection = connection.vendor == "postgresql"
        self._helper = ThreadPoolExecutor(max_workers=1) if own_connection else None

    def __call__(self, percent: int, stage: str) -> None:
        if self._helper is None:
            self._write(percent, stage)
        else:
            self._helper.submit(self._write, percent, stage).result()

    def _write(self, percent: int, stage: str) -> None:
        self.model.objects.filter(pk=self.job_id, status=Status.RUNNING).update(
            progress=max(0, min(100, int(percent))), stage=stage[:64]
        )

    def __enter__(self) -> "JobProgress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._helper is not None:
            self._helper.submit(connections.close_all).result()
            self._helper.shutdown()


def job_execute(
    model: type[DatasetJob],
    job_id: int,
    *,
    build: Callable[[Any, JobProgress], Dataset],
    crashed: str,
) -> None:
    """Claim the queued job `job_id`, build its dataset with `build(job, progress)`, and end it:
    succeeded with the dataset, or failed with the reason of a ValidationError or DomainError
    (bad data: the job is over), or with `crashed` for anything else (re-raised, so the worker
    logs it). Idempotent: a job that is not queued is left alone."""
    if not job_claim(model, job_id):
        return
    job = model.objects.select_related("owner").get(pk=job_id)
    try:
        with JobProgress(model, job_id) as progress:
            dataset = build(job, progress)
    except (ValidationError, DomainError) as exc:
        job_fail(model, job_id, error=error_sentence(exc))
        return
    except BaseException:
        job_fail(model, job_id, error=crashed)
        raise
    job_succeed(model, job_id, dataset=dataset)


STALE_JOB_GRACE_S = 120  # past the task's hard limit (soft + 60 s), the worker is surely gone


def dataset_jobs_fail_stale(*, now: Any = None) -> int:
    """Fail every `running` job that makes a dataset on a worker (customer tables and
    registrations) past its hard time limit: its worker died (the claim makes a redelivered task
    a no-op, so nobody else would end it). Returns how many."""
    from ..tasks import customer_table_time_limit_s, registration_time_limit_s

    now = now or timezone.now()
    failed = 0
    for model, limit_s, error in (
        (
            CustomerTableJob,
            customer_table_time_limit_s(),
            "The worker building this customer table stopped responding; start it again.",
        ),
        (
            RegistrationJob,
            registration_time_limit_s(),
            "The worker registering this data stopped responding; register it again (nothing "
            "of it was kept).",
        ),
    ):
        cutoff = now - timedelta(seconds=limit_s + STALE_JOB_GRACE_S)
        failed += model.objects.filter(status=model.Status.RUNNING, started_at__lt=cutoff).update(
            status=model.Status.FAILED, error=error, finished_at=now
        )
    return failed
