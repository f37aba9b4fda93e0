"""Celery entry points of datasets: derive a customer table from a large purchase log, register a
large Parquet dataset, and the sweep that fails such jobs when their worker is gone."""

from celery import shared_task
from django.conf import settings

CUSTOMER_TABLE_TIME_LIMIT_S = 1800  # 2M lines derive in seconds; storing 2M customers, a minute


def customer_table_time_limit_s() -> int:
    """Soft time limit of one build (the hard limit is 60 s more)."""
    return getattr(settings, "CUSTOMER_TABLE_TIME_LIMIT_S", CUSTOMER_TABLE_TIME_LIMIT_S)


@shared_task(
    acks_late=True,
    soft_time_limit=customer_table_time_limit_s(),
    time_limit=customer_table_time_limit_s() + 60,
)
def customer_table_build_task(job_id: int) -> None:
    """Build one customer-table job; idempotent by id (a second delivery does nothing)."""
    from .services import customer_table_job_execute

    customer_table_job_execute(job_id=job_id)


REGISTER_TIME_LIMIT_S = 3600  # COPY loads ~1M ids a second; Dask counts 50M rows in minutes


def registration_time_limit_s() -> int:
    """Soft time limit of one registration (the hard limit is 60 s more)."""
    return getattr(settings, "REGISTER_TIME_LIMIT_S", REGISTER_TIME_LIMIT_S)


@shared_task(
    acks_late=True,
    soft_time_limit=registration_time_limit_s(),
    time_limit=registration_time_limit_s() + 60,
)
def dataset_register_task(job_id: int) -> None:
    """Register one large Parquet dataset; idempotent by id (a second delivery does nothing)."""
    from .services import registration_job_execute

    registration_job_execute(job_id=job_id)


@shared_task(ignore_result=True)
def dataset_jobs_fail_stale_task() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): fail customer-table and registration jobs whose worker
    is gone."""
    from .services import dataset_jobs_fail_stale

    return dataset_jobs_fail_stale()
