"""Writes of reports: create an export (built inline when small, by a Celery job when large),
build its file, and purge expired exports with their files."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import timedelta
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from clustering.models import ClusteringRun
from clustering.selectors import cluster_list
from config.errors import ServiceUnavailable

from . import charts, exports, segments
from .models import Export
from .selectors import (
    assignments_frame_for_export,
    chart_get,
    insight_view,
    segment_view,
)

logger = logging.getLogger(__name__)

EXPORT_INLINE_MAX_ROWS = 50_000  # default: above it the file is built by a worker, not the request
WHAT_ASSIGNMENTS = "assignments"
WHAT_REPORT = "report"
SEGMENT_PREFIX = "segments:"
FORMATS_BY_WHAT = {
    WHAT_ASSIGNMENTS: ("csv", "xlsx", "json"),
    WHAT_REPORT: ("json", "html"),
    SEGMENT_PREFIX: ("csv", "xlsx", "json", "html"),
}
SEGMENT_FILTERS = ("min_customers", "max_customers", "segments")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rough bytes per exported cell, for document 003's `estimated_size_mb` (measured on demo data).
BYTES_PER_CELL = {"csv": 9, "json": 22, "xlsx": 6, "html": 30}


def _inline_limit() -> int:
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", EXPORT_INLINE_MAX_ROWS))


def _what_kind(what: str) -> str:
    if what in (WHAT_ASSIGNMENTS, WHAT_REPORT):
        return what
    if what.startswith(SEGMENT_PREFIX) and what[len(SEGMENT_PREFIX) :] in segments.SEGMENT_TYPES:
        return SEGMENT_PREFIX
    types = ", ".join(f"segments:{t}" for t in segments.SEGMENT_TYPES)
    raise ValidationError(
        {"what": f"Unknown export '{what}'; choose assignments, report or {types}."}
    )


def _segment_frame(*, run: ClusteringRun, segment_type: str) -> pd.DataFrame:
    """The segment records of a type as a flat table (nested cluster groups joined with '.')."""
    records = segment_view(run=run, segment_type=segment_type)
    if segment_type == "cluster":
        return pd.json_normalize(records, sep=".")
    return pd.DataFrame.from_records(records)


def _count_column(frame: pd.DataFrame) -> str:
    """The customers-per-segment column of a segment table (the cluster view names it apart)."""
    return "customer_count" if "customer_count" in frame else "total_customers"


def _name_column(frame: pd.DataFrame) -> str:
    """The segment-name column of a segment table (the cluster view names it apart)."""
    return "cluster_name" if "cluster_name" in frame else "segment_name"


def _apply_segment_filters(frame: pd.DataFrame, filters: dict[str, Any]) -> pd.DataFrame:
    count = _count_column(frame)
    if "min_customers" in filters:
        frame = frame[frame[count] >= filters["min_customers"]]
    if "max_customers" in filters:
        frame = frame[frame[count] <= filters["max_customers"]]
    if "segments" in filters:
        name = _name_column(frame)
        wanted = {str(s) for s in filters["segments"]}
        frame = frame[frame[name].astype(str).isin(wanted)]
    return frame


def _validate_filters(filters: dict[str, Any]) -> None:
    unknown = sorted(set(filters) - set(SEGMENT_FILTERS))
    if unknown:
        raise ValidationError(
            {
                "filters": f"Unknown filter(s) {', '.join(unknown)}; "
                f"use {', '.join(SEGMENT_FILTERS)}."
            }
        )
    for bound in ("min_customers", "max_customers"):
        value = filters.get(bound)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValidationError({"filters": f"{bound} must be a whole number of 0 or more."})
    if "segments" in filters and not (
        isinstance(filters["segments"], list)
        and all(isinstance(s, str) for s in filters["segments"])
    ):
        raise ValidationError({"filters": "segments must be a list of segment names."})


def _check_columns(columns: list[str] | None, available: list[str]) -> None:
    if not columns:
        return
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise ValidationError(
            {
                "columns": f"Unknown column(s) {', '.join(unknown)}; "
                f"available: {', '.join(available)}."
            }
        )


def _assignment_columns(run: ClusteringRun) -> list[str]:
    names = [c["name"] for c in run.dataset.schema or []]
    extra = [
        n if n not in names else f"{n}_assigned" for n in ("cluster", "cluster_name", "confidence")
    ]
    return names + extra


def _segment_error(exc: segments.SegmentInputError) -> ValidationError:
    return ValidationError({"type": str(exc)})


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
    kind = _what_kind(what)
    allowed = FORMATS_BY_WHAT[kind]
    if file_format not in allowed:
        label = "segment" if kind == SEGMENT_PREFIX else kind
        raise ValidationError(
            {"format": f"A {label} export is {', '.join(allowed)}; not '{file_format}'."}
        )
    filters = dict(filters or {})
    if kind == SEGMENT_PREFIX:
        _validate_filters(filters)
        try:
            frame = _segment_frame(run=run, segment_type=what[len(SEGMENT_PREFIX) :])
        except segments.SegmentInputError as exc:
            raise _segment_error(exc) from exc
        _check_columns(columns, list(frame.columns))
    elif filters:
        raise ValidationError({"filters": "Filters apply to segment exports only."})
    elif kind == WHAT_ASSIGNMENTS:
        _check_columns(columns, _assignment_columns(run))
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
        from .tasks import export_build_task  # tasks import this module

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


def export_estimated_size_mb(*, export: Export) -> float:
    """Document 003's `estimated_size_mb`: the real size once built, else an estimate."""
    if export.size_bytes:
        return round(export.size_bytes / 1e6, 6)
    rows = export.run.dataset.n_rows or 0
    cells = rows * (export.run.dataset.n_columns + 3)
    return round(cells * BYTES_PER_CELL.get(export.format, 10) / 1e6, 3)


def _write_table(frame: pd.DataFrame, path: str, *, file_format: str, sheet: str) -> None:
    """A CSV file, or (any other format) an XLSX workbook with the frame as its one sheet."""
    if file_format == "csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            exports.write_csv(frame, handle)
    else:
        with open(path, "wb") as handle:
            exports.write_xlsx({sheet: frame}, handle)


def _write(export: Export, path: str) -> None:
    options = export.options or {}
    columns = options.get("columns") or None
    run = export.run
    kind = _what_kind(export.what)
    if kind == WHAT_ASSIGNMENTS:
        frame = assignments_frame_for_export(run=run)
        if columns:
            frame = frame[columns]
        if export.format == "json":
            with open(path, "w", encoding="utf-8") as handle:
                exports.write_json_records(frame, handle)
        else:
            _write_table(frame, path, file_format=export.format, sheet="Customers")
        return
    if kind == WHAT_REPORT:
        report = run_report(run=run)
        if export.format == "json":
            with open(path, "w", encoding="utf-8") as handle:
                exports.write_json(report, handle)
        else:
            figures = _report_figures(run) if options.get("include_charts", True) else {}
            document = exports.html_report(
                title=f"Customer segmentation: {run.dataset.name}",
                subtitle=_subtitle(run),
                metrics=_headline_metrics(run),
                clusters=report["clusters"],
                figures=figures,
            )
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(document)
        return
    segment_type = export.what[len(SEGMENT_PREFIX) :]
    frame = _apply_segment_filters(
        _segment_frame(run=run, segment_type=segment_type), options.get("filters") or {}
    )
    if columns:
        frame = frame[columns]
    if export.format in ("csv", "xlsx"):
        _write_table(frame, path, file_format=export.format, sheet=f"{segment_type} segments")
    elif export.format == "json":
        insights = insight_view(run=run, segment_type=segment_type)
        with open(path, "w", encoding="utf-8") as handle:
            exports.write_json(
                {
                    "segmentation_type": segment_type,
                    "run_id": run.pk,
                    "segments": frame.to_dict("records"),
                    **insights,
                },
                handle,
            )
    else:
        insights = insight_view(run=run, segment_type=segment_type)
        figures = {}
        if options.get("include_charts", True) and len(frame):
            name = _name_column(frame)
            count = _count_column(frame)
            if name in frame and count in frame:
                figures["Customers per segment"] = charts.distribution_chart(
                    [
                        {"label": i, "name": str(n), "size": int(c)}
                        for i, (n, c) in enumerate(zip(frame[name], frame[count], strict=True))
                    ]
                )
        document = exports.html_report(
            title=f"{segment_type.replace('_', ' ').title()} segments: {run.dataset.name}",
            subtitle=_subtitle(run),
            metrics=insights["key_metrics"],
            clusters=[],
            figures=figures,
            tables={
                "Segments": frame.to_dict("records"),
                "Insights": [
                    {k: i[k] for k in ("severity", "title", "description", "recommendation")}
                    for i in insights["insights"]
                ],
            },
        )
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(document)


def _subtitle(run: ClusteringRun) -> str:
    when = (run.finished_at or run.created_at).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Run {run.pk} ({run.algorithm}), {run.n_samples or run.dataset.n_rows:,} customers, {when}"
    )


def _headline_metrics(run: ClusteringRun) -> dict[str, Any]:
    metrics = {
        "customers": run.n_samples or run.dataset.n_rows,
        "segments": cluster_list(run=run).count(),
    }
    for key, value in (run.metrics or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            metrics[key] = round(float(value), 4)
    return metrics


def _report_figures(run: ClusteringRun) -> dict[str, dict[str, Any]]:
    """The charts a report shows; a chart the run has no data for is left out, not an error."""
    titles = {
        "distribution": "Customers per segment",
        "scatter": "Segments on two principal components",
        "profiles": "Segment profiles",
        "feature_importance": "Feature importance",
    }
    figures = {}
    for name, title in titles.items():
        try:
            figures[title] = chart_get(run=run, name=name)
        except charts.ChartInputError:
            logger.info("Report of run %s has no %s chart", run.pk, name)
    return figures


def run_report(*, run: ClusteringRun) -> dict[str, Any]:
    """Everything of a run in one JSON-ready dict: run, dataset, metrics, feature importance,
    clusters (names, sizes, centroids, profiles, characteristics, summaries, recommendations),
    and document 000's keyed views of the same (cluster_analysis, recommendations, ...)."""
    clusters = [
        {
            "label": c.label,
            "name": c.name,
            "size": c.size,
            "percentage": c.percentage,
            "centroid": c.centroid,
            "profile": c.profile,
            "characteristics": c.characteristics,
            "top_features": c.top_features,
            "summary": c.summary,
            "recommendation": c.recommendation,
        }
        for c in cluster_list(run=run)
    ]
    return {
        "run": {
            "id": run.pk,
            "algorithm": run.algorithm,
            "parameters": run.parameters,
            "features": run.features,
            "n_samples": run.n_samples,
            "is_published": run.is_published,
            "created_at": run.created_at,
            "finished_at": run.finished_at,
        },
        "dataset": {
            "id": run.dataset_id,
            "name": run.dataset.name,
            "rows": run.dataset.n_rows,
            "columns": run.dataset.n_columns,
        },
        "metrics": run.metrics,
        "feature_importance": run.feature_importance,
        "n_clusters": len(clusters),
        "clusters": clusters,
        "cluster_analysis": {
            str(c["label"]): {"size": c["size"], "percentage": c["percentage"]} for c in clusters
        },
        "recommendations": {str(c["label"]): c["recommendation"] for c in clusters},
        "cluster_summaries": {str(c["label"]): c["summary"] for c in clusters},
        "cluster_profiles": {str(c["label"]): c["profile"] for c in clusters},
        "centroids": {str(c["label"]): c["centroid"] for c in clusters},
        "top_features": {str(c["label"]): c["top_features"] for c in clusters},
        "generated_at": timezone.now(),
    }


def export_build(*, export_id: Any) -> None:
    """Build a processing export's file and mark it ready (or failed with a reason).
    Idempotent: an export that is no longer processing is left as it is."""
    export = Export.objects.select_related("run__dataset").filter(pk=export_id).first()
    if export is None or export.status != Export.Status.PROCESSING:
        return
    suffix = f".{export.format}"
    # A fresh name per build: two deliveries of one export never write the same file.
    name = f"exports/{export.owner_id}/{export.pk}-{uuid.uuid4().hex[:8]}{suffix}"
    saved, path, temporary = _file_target(name, suffix)
    try:
        _write(export, path)
        if temporary:  # a storage without local paths: upload the finished file
            with open(path, "rb") as handle:
                saved = default_storage.save(name, File(handle, name=os.path.basename(name)))
        size = default_storage.size(saved)
    except (exports.ExportInputError, segments.SegmentInputError, charts.ChartInputError) as exc:
        _discard(saved, temporary=temporary, path=path)
        Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
            status=Export.Status.FAILED, error=str(exc)
        )
        return
    except BaseException:
        _discard(saved, temporary=temporary, path=path)
        Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
            status=Export.Status.FAILED,
            error="The export stopped on an unexpected error, which was logged. Try again.",
        )
        raise
    finally:
        if temporary and os.path.exists(path):
            os.unlink(path)
    updated = Export.objects.filter(pk=export.pk, status=Export.Status.PROCESSING).update(
        status=Export.Status.READY, file=saved, size_bytes=size
    )
    if not updated:  # another delivery finished first: keep its file, drop ours
        default_storage.delete(saved)


def _file_target(name: str, suffix: str) -> tuple[str, str, bool]:
    """(stored name, local path to write, whether the path is a temporary file). On a storage
    with local paths the file is written in place: copying 100 MB after writing it would add
    about a second to a 1,000,000-row CSV."""
    try:
        saved = default_storage.get_available_name(name)
        path = default_storage.path(saved)
    except NotImplementedError:
        descriptor, temporary = tempfile.mkstemp(suffix=suffix, prefix="export-")
        os.close(descriptor)
        return "", temporary, True
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return saved, path, False


def _discard(saved: str, *, temporary: bool, path: str) -> None:
    if not temporary and saved and os.path.exists(path):
        os.unlink(path)


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete every export past `expires_at`, its file first, then its row; returns how many.
    Safe to run in several processes at once: a file already gone is not an error."""
    now = now or timezone.now()
    purged = 0
    expired = Export.objects.filter(expires_at__lte=now).only("pk", "file")
    for export in expired.iterator(chunk_size=500):
        if export.file:
            default_storage.delete(export.file.name)
        purged += Export.objects.filter(pk=export.pk).delete()[0]
    return purged
