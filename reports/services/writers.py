"""Export files as a table of writers: `WRITERS[(kind, format)]` writes one export's file to a local
path. The kinds are `assignments` (the customers with their clusters), `report` (the whole run)
and `segments:` (one segment type's table, filtered); the formats a kind allows are the keys
the table has for it (`FORMATS_BY_WHAT`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from clustering.models import ClusteringRun
from clustering.selectors import cluster_list
from config.errors import SingleMachineOnly
from datasets.selectors import dataset_fits_one_process

from .. import charts, exports
from ..models import Export
from ..selectors import (
    assignments_frame_for_export,
    chart_get,
    insight_view,
    run_report,
    segment_frame,
)
from .dask_exports import assignments_csv_write
from .options import SEGMENT_PREFIX, WHAT_ASSIGNMENTS, WHAT_REPORT, segment_type_of

logger = logging.getLogger(__name__)

Writer = Callable[[Export, str], None]

REPORT_CHARTS = {  # chart name -> its title in an HTML report
    "distribution": "Customers per segment",
    "scatter": "Segments on two principal components",
    "profiles": "Segment profiles",
    "feature_importance": "Feature importance",
}


def count_column(frame: pd.DataFrame) -> str:
    """The customers-per-segment column of a segment table (the cluster view names it apart)."""
    return "customer_count" if "customer_count" in frame else "total_customers"


def name_column(frame: pd.DataFrame) -> str:
    """The segment-name column of a segment table (the cluster view names it apart)."""
    return "cluster_name" if "cluster_name" in frame else "segment_name"


def apply_segment_filters(frame: pd.DataFrame, filters: dict[str, Any]) -> pd.DataFrame:
    """The segments within `min_customers`/`max_customers` and among `segments` (by name)."""
    count = count_column(frame)
    if "min_customers" in filters:
        frame = frame[frame[count] >= filters["min_customers"]]
    if "max_customers" in filters:
        frame = frame[frame[count] <= filters["max_customers"]]
    if "segments" in filters:
        name = name_column(frame)
        wanted = {str(s) for s in filters["segments"]}
        frame = frame[frame[name].astype(str).isin(wanted)]
    return frame


# --- Shared pieces -----------------------------------------------------------------------------


def _options(export: Export) -> dict[str, Any]:
    return export.options or {}


def _chosen(frame: pd.DataFrame, export: Export) -> pd.DataFrame:
    """The frame narrowed to the export's chosen columns (all when none were chosen)."""
    columns = _options(export).get("columns") or None
    return frame[columns] if columns else frame


def _write_csv(frame: pd.DataFrame, path: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        exports.write_csv(frame, handle)


def _write_xlsx(frame: pd.DataFrame, path: str, *, sheet: str) -> None:
    with open(path, "wb") as handle:
        exports.write_xlsx({sheet: frame}, handle)


def _write_json(document: Any, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        exports.write_json(document, handle)


def _write_text(text: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


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
    figures = {}
    for name, title in REPORT_CHARTS.items():
        try:
            figures[title] = chart_get(run=run, name=name)
        except (charts.ChartInputError, SingleMachineOnly):
            logger.info("Report of run %s has no %s chart", run.pk, name)
    return figures


# --- Assignments: the dataset's rows with their clusters ---------------------------------------


def _assignments(export: Export) -> pd.DataFrame:
    return _chosen(assignments_frame_for_export(run=export.run), export)


def write_assignments_csv(export: Export, path: str) -> None:
    if not dataset_fits_one_process(dataset=export.run.dataset):
        with open(path, "wb") as target:
            assignments_csv_write(export, target)  # partition by partition, with Dask
        return
    _write_csv(_assignments(export), path)


def write_assignments_xlsx(export: Export, path: str) -> None:
    _write_xlsx(_assignments(export), path, sheet="Customers")


def write_assignments_json(export: Export, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        exports.write_json_records(_assignments(export), handle)


# --- Report: the whole run ---------------------------------------------------------------------


def write_report_json(export: Export, path: str) -> None:
    _write_json(run_report(run=export.run), path)


def write_report_html(export: Export, path: str) -> None:
    run = export.run
    report = run_report(run=run)
    figures = _report_figures(run) if _options(export).get("include_charts", True) else {}
    document = exports.html_report(
        title=f"Customer segmentation: {run.dataset.name}",
        subtitle=_subtitle(run),
        metrics=_headline_metrics(run),
        clusters=report["clusters"],
        figures=figures,
    )
    _write_text(document, path)


# --- Segments: one segment type's table --------------------------------------------------------


def _segments(export: Export) -> tuple[str, pd.DataFrame]:
    """(segment type, its filtered table with the chosen columns)."""
    segment_type = segment_type_of(export.what)
    frame = apply_segment_filters(
        segment_frame(run=export.run, segment_type=segment_type),
        _options(export).get("filters") or {},
    )
    return segment_type, _chosen(frame, export)


def write_segments_csv(export: Export, path: str) -> None:
    _write_csv(_segments(export)[1], path)


def write_segments_xlsx(export: Export, path: str) -> None:
    segment_type, frame = _segments(export)
    _write_xlsx(frame, path, sheet=f"{segment_type} segments")


def write_segments_json(export: Export, path: str) -> None:
    segment_type, frame = _segments(export)
    insights = insight_view(run=export.run, segment_type=segment_type)
    document = {
        "segmentation_type": segment_type,
        "run_id": export.run.pk,
        "segments": frame.to_dict("records"),
        **insights,
    }
    _write_json(document, path)


def _segment_figures(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    name, count = name_column(frame), count_column(frame)
    if not len(frame) or name not in frame or count not in frame:
        return {}
    sizes = zip(frame[name], frame[count], strict=True)
    return {
        "Customers per segment": charts.distribution_chart(
            [{"label": i, "name": str(n), "size": int(c)} for i, (n, c) in enumerate(sizes)]
        )
    }


def write_segments_html(export: Export, path: str) -> None:
    run = export.run
    segment_type, frame = _segments(export)
    insights = insight_view(run=run, segment_type=segment_type)
    figures = _segment_figures(frame) if _options(export).get("include_charts", True) else {}
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
    _write_text(document, path)


WRITERS: dict[tuple[str, str], Writer] = {
    (WHAT_ASSIGNMENTS, "csv"): write_assignments_csv,
    (WHAT_ASSIGNMENTS, "xlsx"): write_assignments_xlsx,
    (WHAT_ASSIGNMENTS, "json"): write_assignments_json,
    (WHAT_REPORT, "json"): write_report_json,
    (WHAT_REPORT, "html"): write_report_html,
    (SEGMENT_PREFIX, "csv"): write_segments_csv,
    (SEGMENT_PREFIX, "xlsx"): write_segments_xlsx,
    (SEGMENT_PREFIX, "json"): write_segments_json,
    (SEGMENT_PREFIX, "html"): write_segments_html,
}

FORMATS_BY_WHAT: dict[str, tuple[str, ...]] = {
    kind: tuple(f for k, f in WRITERS if k == kind) for kind, _ in WRITERS
}
