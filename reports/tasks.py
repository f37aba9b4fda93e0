"""Celery entry points of reports: build an export, purge expired exports."""

from celery import shared_task
from django.conf import settings

EXPORT_TIME_LIMIT_S = 1800  # 1M rows to XLSX takes minutes with openpyxl; CSV takes seconds


@shared_task(
    acks_late=True,
    soft_time_limit=getattr(settings, "EXPORT_TIME_LIMIT_S", EXPORT_TIME_LIMIT_S),
    time_limit=getattr(settings, "EXPORT_TIME_LIMIT_S", EXPORT_TIME_LIMIT_S) + 60,
)
def export_build_task(export_id: str) -> None:
    """Build one export's file; idempotent by id (a second delivery does nothing)."""
    from .services import export_build

    export_build(export_id=export_id)


@shared_task(acks_late=True)
def exports_purge_expired_task() -> int:
    """Delete expired exports and their files (run hourly by celery beat)."""
    from .services import exports_purge_expired

    return exports_purge_expired()
