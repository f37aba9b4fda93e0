"""Export services: record an export (built inline when small, by a Celery job when large), build
its file with the writer its kind and format map to (`writers.WRITERS`), and purge expired
exports with their files."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from clustering.models import ClusteringRun
from config.errors import ServiceUnavailable
from config.storage import data_storage
from datasets.selectors import dataset_fits_one_process

from .. import charts, exports, segments
from ..models import Export
from ..selectors import segment_frame
from .options import (
    SEGMENT_PREFIX,
    WHAT_ASSIGNMENTS,
    WHAT_REPORT,
    assignment_columns,
    check_columns,
    segment_type_of,
    validate_filters,
    what_kind,
)
from .writers import FORMATS_BY_WHAT, WRITERS

logger = logging.getLogger(__name__)

EXPORT_INLINE_MAX_ROWS = 50_000  # default: above it the file is built by a worker, not the request


def _inline_limit() -> int:
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", EXPORT_INLINE_MAX_ROWS))


def export_create(
    *,
    user: User,
    run: ClusteringRun,
    file_format: str,
    what: str | None = None,
    columns: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    include_charts: bool = True,
) -> Export:
    """Record an export of a succeeded run and build it: inline when the run has at most
    `EXPORT_INLINE_MAX_ROWS` rows (the answer is then `ready` or `failed`), else by
    `export_build_task` once the row is committed. Bad input raises ValidationError first, so
    nothing is recorded for it. Without `what`, CSV/XLSX export the customers with their
    clusters ("assignments") and JSON/HTML the run's report ("report")."""
    if what is None:
        what = WHAT_ASSIGNMENTS if file_format in ("csv", "xlsx") else WHAT_REPORT
    if run.status != ClusteringRun.Status.SUCCEEDED:
        raise ValidationError(
            {"run": f"Run {run.pk} is {run.status}; only a succeeded run exports."}
        )
    kind = what_kind(what)
    allowed = FORMATS_BY_WHAT[kind]
    if file_format not in allowed:
        label = "segment" if kind == SEGMENT_PREFIX else kind
        raise ValidationError(
            {"format": f"A {label} export is {', '.join(allowed)}; not '{file_format}'."}
        )
    filters = dict(filters or {})
    if kind == SEGMENT_PREFIX:
        validate_filters(filters)
        try:
            frame = segment_frame(run=run, segment_type=segment_type_of(what))
        except segments.SegmentInputError as exc:
            raise ValidationError({"type": str(exc)}) from exc
        check_columns(columns, list(frame.columns))
    elif filters:
        raise ValidationError({"filters": "Filters apply to segment exports only."})
    elif kind == WHAT_ASSIGNMENTS:
        check_columns(columns, assignment_columns(run))
        if file_format != "csv" and not dataset_fits_one_process(dataset=run.dataset):
            raise ValidationError(
                {
                    "format": f"The dataset has {run.dataset.n_rows:,} rows, more than one "
                    f"process holds; its customers export as CSV only, not {file_format}."
                }
            )
        if file_format == "xlsx" and (run.dataset.n_rows or 0) > exports.XLSX_MAX_ROWS:
            raise ValidationError(
                {
                    "format": f"The dataset has {run.dataset.n_rows:,} rows; XLSX holds at most "
                    f"{exports.XLSX_MAX_ROWS:,}. Export CSV instead."
                }
            )
    elif columns:
        raise ValidationError({"columns": "A report export has no columns to choose."})

    export = Export.objects.create(
        owner=user,
        run=run,
        what=what,
        format=file_format,
        options={"columns": columns or [], "filters": filters, "include_charts": include_charts},
        expires_at=timezone.now() + timedelta(seconds=settings.EXPORT_TTL_S),
    )
    if (run.dataset.n_rows or 0) > _inline_limit() and kind != SEGMENT_PREFIX:
        from ..tasks import export_build_task  # tasks import this module

        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: export_build_task.delay(str(export.pk)))
        else:
            _export_enqueue(export=export, task=export_build_task)
    else:
        export_build(export_id=export.pk)
        export.refresh_from_db()
    return export


def _export_enqueue(*, export: Export, task: Any) -> None:
    """Send the build job; a broker that cannot be reached fails the export with a reason and
    answers 503 (ServiceUnavailable, with Retry-After)."""
    try:
        task.delay(str(export.pk))
    except BrokerError as exc:
        logger.warning("Could not queue export %s: %s", export.pk, exc)
        message = (
            "The job queue cannot be reached right now, so the export was not started. Try "
            "again in a minute; if it keeps failing, tell an administrator."
        )
        Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
            status=Export.Status.FAILED, error=message
        )
        raise ServiceUnavailable(message) from exc


def export_build(*, export_id: Any) -> None:
    """Build a processing export's file and mark it ready (or failed with a reason).
    Idempotent: an export that is no longer processing is left as it is."""
    export = Export.objects.select_related("run__dataset").filter(pk=export_id).first()
    if export is None or export.status != Export.Status.PROCESSING:
        return
    # A fresh name per build: two deliveries of one export never write the same file.
    storage = data_storage()
    key = storage.available_key(
        f"exports/{export.owner_id}/{export.pk}-{uuid.uuid4().hex[:8]}.{export.format}"
    )
    try:
        # On a local root the writer fills the file in place (copying 100 MB after writing it
        # would add about a second to a 1,000,000-row CSV); elsewhere it is put there after.
        with storage.writing(key, suffix=f".{export.format}") as path:
            WRITERS[(what_kind(export.what), export.format)](export, path)
        size = storage.size(key)
    except (exports.ExportInputError, segments.SegmentInputError, charts.ChartInputError) as exc:
        Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
            status=Export.Status.FAILED, error=str(exc)
        )
        return
    except BaseException:
        storage.delete(key)
        Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
            status=Export.Status.FAILED,
            error="The export stopped on an unexpected error, which was logged. Try again.",
        )
        raise
    updated = Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
        status=Export.Status.READY, file=key, size_bytes=size
    )
    if not updated:  # another delivery finished first: keep its file, drop ours
        storage.delete(key)


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete every export past `expires_at`, its file first, then its row; returns how many.
    Safe to run in several processes at once: a file already gone is not an error."""
    now = now or timezone.now()
    storage = data_storage()
    purged = 0
    expired = Export.objects.filter(expires_at__lte=now).only("pk", "file")
    for export in expired.iterator(chunk_size=500):
        if export.file:
            storage.delete(export.file.name)
        purged += Export.objects.filter(pk=export.pk).delete()[0]
    return purged
