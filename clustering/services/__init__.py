"""Writes of the clustering app: runs (create, execute, cancel, fail, sweep), publishing and
segment names.
Callers import from `clustering.services`; the modules split one concern each."""

from .analysis import analysis_recommendations, records_analyze
from .execute import RunAbandoned, RunCancelled, run_execute, run_execute_inline
from .lineage import (
    carry_over_names,
    comparison_movers,
    comparison_pair,
    lineage_compute,
    names_carried_over,
    owner_published_run_get,
    run_comparison_execute,
    run_comparison_get_or_start,
)
from .names import cluster_rename
from .publish import PUBLISHED_VERSION_KEY, run_publish
from .runs import run_cancel, run_create, run_fail, runs_fail_orphaned, runs_fail_stale

__all__ = [
    "PUBLISHED_VERSION_KEY",
    "RunAbandoned",
    "RunCancelled",
    "analysis_recommendations",
    "carry_over_names",
    "cluster_rename",
    "comparison_movers",
    "comparison_pair",
    "lineage_compute",
    "names_carried_over",
    "owner_published_run_get",
    "records_analyze",
    "run_cancel",
    "run_comparison_execute",
    "run_comparison_get_or_start",
    "run_create",
    "run_execute",
    "run_execute_inline",
    "run_fail",
    "run_publish",
    "runs_fail_orphaned",
    "runs_fail_stale",
]
