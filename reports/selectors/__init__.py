"""Reads of reports: which run a report reads, segment views, insights and charts of a run
(cached), its assignments, and the caller's exports. One concern per module:

- `runs`: `report_run_get`, `cluster_names`, `run_report`;
- `cache`: the shared report cache, keyed per (run, kind, name, published version);
- `assignments`: `assignment_arrays`, `run_labels`, `assignments_frame_for_export`;
- `segment_views`: `segment_rules`, `customers_derive`, `segment_view`, `insight_view`,
  `segment_frame`;
- `chart_views`: `chart_get` and its builders;
- `exports`: `export_list`, `export_get`, `export_estimated_size_mb`.
"""

from clustering.services import PUBLISHED_VERSION_KEY

from .assignments import UNASSIGNED, assignment_arrays, assignments_frame_for_export, run_labels
from .cache import REPORT_CACHE_TTL_S, cache_key, cached, published_version
from .chart_views import CHART_BUILDERS, ELBOW_SAMPLE_ROWS, chart_get
from .exports import BYTES_PER_CELL, export_estimated_size_mb, export_get, export_list
from .runs import cluster_names, report_run_get, run_report
from .segment_views import (
    customers_derive,
    insight_view,
    segment_frame,
    segment_rules,
    segment_view,
)

__all__ = [
    "BYTES_PER_CELL",
    "CHART_BUILDERS",
    "ELBOW_SAMPLE_ROWS",
    "PUBLISHED_VERSION_KEY",
    "REPORT_CACHE_TTL_S",
    "UNASSIGNED",
    "assignment_arrays",
    "assignments_frame_for_export",
    "cache_key",
    "cached",
    "chart_get",
    "cluster_names",
    "customers_derive",
    "export_estimated_size_mb",
    "export_get",
    "export_list",
    "insight_view",
    "published_version",
    "report_run_get",
    "run_labels",
    "run_report",
    "segment_frame",
    "segment_rules",
    "segment_view",
]
