"""Celery entry points of datasets: derive a customer table from a large purchase log."""

from celery import shared_task
from django.conf import settings

CUSTOMER_TABLE_TIME_LIMIT_S = 1800  # 2M lines derive in seconds; storing 2M customers, a minute


@shared_task(
    acks_late=True,
    soft_time_limit=getattr(settings, "CUSTOMER_TABLE_TIME_LIMIT_S", CUSTOMER_TABLE_TIME_LIMIT_S),
    time_limit=getattr(settings, "CUSTOMER_TABLE_TIME_LIMIT_S", CUSTOMER_TABLE_TIME_LIMIT_S) + 60,
)
def customer_table_build_task(job_id: int) -> None:
    """Build one customer-table job; idempotent by id (a second delivery does nothing)."""
    from .services import customer_table_job_execute

    customer_table_job_execute(job_id=job_id)
