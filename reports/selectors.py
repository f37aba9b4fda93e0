"""Reads of reports: segment views, insights and charts of a run (cached), and the caller's exports.

Segment views, insights and charts are computed from the dataset's Parquet copy with pandas and
cached in the cache every process shares, per (run, type or chart, published version). The
clustering services bump `published-run-version` on every publication, so a new publication
never reads an older answer; entries also expire after `REPORT_CACHE_TTL_S`.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from clustering.models import Assignment, ClusteringRun
from clustering.selectors import (
    cluster_list,
    latest_succeeded_run_get,
    published_run_get,
)
from clustering.services import PUBLISHED_VERSION_KEY
from config.errors import Conflict
from datasets.models import customer_pk
from datasets.selectors import current_dataset_get, dataset_frame_load

from . import charts, segments
from .insights import insights_for
from .models import Export

REPORT_CACHE_TTL_S = 24 * 3600  # default; results of a run never change, the key carries the run


def segment_rules() -> segments.SegmentRules:
    """Brackets and tiers from `settings.REPORT_SEGMENT_RULES` over the built-in defaults."""
    return segments.SegmentRules.from_overrides(getattr(settings, "REPORT_SEGMENT_RULES", None))


def published_version() -> int:
    """The publication counter the clustering services bump (0 before any publication)."""
    return int(cache.get(PUBLISHED_VERSION_KEY) or 0)


def _cache_key(*, run: ClusteringRun, kind: str, name: str) -> str:
    return f"reports:{kind}:run{run.pk}:{name}:v{published_version()}"


def _cached(key: str, compute: Any) -> Any:
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, getattr(settings, "REPORT_CACHE_TTL_S", REPORT_CACHE_TTL_S))
    return value


def report_run_get(*, user: User) -> ClusteringRun:
    """The published run the caller's reports read; Conflict (409) while nothing is published."""
    run = published_run_get(user=user)
    if run is None:
        raise Conflict(
            "No segmentation is published yet. An analyst must run and publish a clustering "
            "before segment reports exist."
        )
    return run


def workspace_run_get(*, user: User) -> ClusteringRun | None:
    """Document 000's "clustering performed": the caller's newest succeeded run of their current
    dataset, else the published run; None when there is neither."""
    dataset = current_dataset_get(user=user)
    if dataset is not None:
        run = latest_succeeded_run_get(user=user, dataset_id=dataset.pk)
        if run is not None:
            return run
    return published_run_get(user=user)


def assignment_arrays(*, run: ClusteringRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row_number, cluster_label, confidence) of every assignment of the run, unordered.

    One SQL statement read straight into arrays: `assignment_frame` builds a row object per
    assignment (about 7 s for 1,000,000 rows on SQLite, measured), which would double the time of
    a CSV export; this read takes a fraction of that (PostgreSQL: COPY ... TO STDOUT)."""
    assignment = Assignment._meta.db_table
    first_id = customer_pk(run.dataset_id, 0)  # a customer's id minus this is its row number
    query = (
        f"SELECT a.customer_id - {first_id:d}, a.cluster_label, a.confidence "  # noqa: S608 - our own table name and a number
        f"FROM {assignment} a WHERE a.run_id = %s"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            copy_sql = query.replace("%s", str(int(run.pk)))
            with cursor.cursor.copy(f"COPY ({copy_sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            if not buffer.getbuffer().nbytes:
                return _empty_arrays()
            frame = pd.read_csv(buffer, header=None, names=["row", "label", "confidence"])
            return (
                frame["row"].to_numpy(dtype=np.int64),
                frame["label"].to_numpy(dtype=np.int64),
                frame["confidence"].to_numpy(dtype=np.float64),
            )
        cursor.execute(query, [run.pk])
        rows = cursor.fetchall()
    if not rows:
        return _empty_arrays()
    table = np.array(rows, dtype=np.float64)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]


def _empty_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)


def run_labels(*, run: ClusteringRun, n_rows: int) -> np.ndarray:
    """Cluster label per dataset row (row_number order); rows without an assignment get
    `UNASSIGNED`."""
    rows, cluster_labels, _ = assignment_arrays(run=run)
    labels = np.full(n_rows, UNASSIGNED, dtype=np.int64)
    inside = rows < n_rows
    labels[rows[inside]] = cluster_labels[inside]
    return labels


UNASSIGNED = -(2**31)  # no real label is this small (DBSCAN's noise is -1)


def customers_derive(*, run: ClusteringRun, segment_type: str) -> segments.DerivedCustomers:
    """Per-customer columns of a segment type, reading only the columns it needs. Raises
    `segments.SegmentInputError` for an unknown type or a missing role."""
    schema = run.dataset.schema or []
    columns = segments.columns_needed(segment_type=segment_type, schema=schema)
    frame = dataset_frame_load(dataset=run.dataset, columns=columns)
    if segment_type == "cluster":
        labels = run_labels(run=run, n_rows=len(frame))
        frame = frame.assign(cluster_label=labels)[labels != UNASSIGNED]
    return segments.derive_customers(
        frame, segment_type=segment_type, schema=schema, rules=segment_rules()
    )


def _cluster_meta(run: ClusteringRun) -> dict[int, dict[str, Any]]:
    return {
        c.label: {"name": c.name, "summary": c.summary, "created_at": run.finished_at}
        for c in cluster_list(run=run)
    }


def _cluster_names(run: ClusteringRun) -> dict[int, str]:
    return {c.label: c.name for c in cluster_list(run=run)}


def _segment_records(run: ClusteringRun, segment_type: str) -> list[dict[str, Any]]:
    derived = customers_derive(run=run, segment_type=segment_type)
    table = segments.segment_table_from(derived)
    if segment_type != "cluster":
        return segments.table_records(table, segment_type=segment_type)
    records = segments.cluster_records(
        table, details=segments.cluster_details(derived), clusters=_cluster_meta(run)
    )
    for record in records:
        created = record["metadata"]["created_at"]
        record["metadata"]["created_at"] = created.isoformat() if created else None
    return records


def segment_view(*, run: ClusteringRun, segment_type: str) -> list[dict[str, Any]]:
    """Every segment of one type for the run, as records (cached per run, type and published
    version). Raises `segments.SegmentInputError` for an unknown type or a missing role."""
    segments.check_known_type(segment_type)
    key = _cache_key(run=run, kind="segments", name=segment_type)
    return _cached(key, lambda: _segment_records(run, segment_type))


def _insights(run: ClusteringRun, segment_type: str) -> dict[str, Any]:
    derived = customers_derive(run=run, segment_type=segment_type)
    table = segments.segment_table_from(derived)
    names = None
    if segment_type == "cluster":
        names = _cluster_names(run)
    report = insights_for(table, derived=derived, segment_names=names).as_dict()
    report["generated_at"] = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return report


def insight_view(*, run: ClusteringRun, segment_type: str) -> dict[str, Any]:
    """Generated findings and key metrics of one segment type (cached like `segment_view`)."""
    segments.check_known_type(segment_type)
    key = _cache_key(run=run, kind="insights", name=segment_type)
    return _cached(key, lambda: _insights(run, segment_type))


# --- Charts ------------------------------------------------------------------------------------


def _clusters_for_chart(run: ClusteringRun) -> list[dict[str, Any]]:
    return [{"label": c.label, "name": c.name, "size": c.size} for c in cluster_list(run=run)]


def _scatter(run: ClusteringRun) -> dict[str, Any]:
    features = list(run.features or [])
    if not features:
        raise charts.ChartInputError("The run records no features to place customers by.")
    frame = dataset_frame_load(dataset=run.dataset, columns=features)
    labels = run_labels(run=run, n_rows=len(frame))
    keep = labels != UNASSIGNED
    names = _cluster_names(run)
    return charts.scatter_chart(frame[keep], labels=labels[keep], names=names)


def _sweep_from_metrics(metrics: dict[str, Any]) -> dict[str, list] | None:
    """The k sweep a run recorded, under any of the names the engine uses for it."""
    for key in ("k_sweep", "elbow", "sweep"):
        sweep = metrics.get(key)
        if isinstance(sweep, dict):
            ks = sweep.get("ks") or sweep.get("k") or sweep.get("k_values")
            inertias = sweep.get("inertias") or sweep.get("inertia")
            silhouettes = sweep.get("silhouettes") or sweep.get("silhouette_scores")
            if isinstance(silhouettes, dict):
                silhouettes = [silhouettes.get(str(k)) for k in ks or []]
            if ks and inertias and silhouettes:
                return {
                    "ks": list(ks),
                    "inertias": list(inertias),
                    "silhouettes": list(silhouettes),
                }
    return None


ELBOW_SAMPLE_ROWS = 20_000  # the curve's shape is settled well before this; 1M rows take minutes


def _elbow(run: ClusteringRun) -> dict[str, Any]:
    sweep = _sweep_from_metrics(run.metrics or {})
    if sweep is None:
        from clustering import engine  # the engine's own sweep, on a sample, when the run has none

        features = list(run.features or [])
        frame = dataset_frame_load(dataset=run.dataset, columns=features or None)
        if len(frame) > ELBOW_SAMPLE_ROWS:
            frame = frame.iloc[charts.sample_positions(len(frame), max_points=ELBOW_SAMPLE_ROWS)]
        try:
            result = engine.sweep_k(
                frame.reset_index(drop=True),
                schema=run.dataset.schema,
                features=features or None,
                k_max=min(10, max(2, len(frame) - 1)),
                random_state=0,
            )
        except engine.EngineInputError as exc:
            raise charts.ChartInputError(str(exc)) from exc
        sweep = {
            "ks": list(result.k_values),
            "inertias": list(result.inertias),
            "silhouettes": list(result.silhouettes),
        }
    chosen = (run.parameters or {}).get("n_clusters")
    return charts.elbow_chart(**sweep, chosen_k=chosen)


def _correlation(run: ClusteringRun) -> dict[str, Any]:
    schema = run.dataset.schema or []
    numeric = [c["name"] for c in schema if c.get("kind") == "numeric"]
    frame = dataset_frame_load(dataset=run.dataset, columns=numeric or None)
    return charts.correlation_heatmap(charts.correlation_matrix(frame))


def _profiles(run: ClusteringRun) -> dict[str, Any]:
    profiles = {}
    for cluster in cluster_list(run=run):
        means = cluster.centroid or (cluster.profile or {}).get("mean_values") or {}
        numeric = {k: v for k, v in means.items() if isinstance(v, int | float)}
        if numeric:
            profiles[cluster.name] = numeric
    return charts.profile_chart(profiles)


def _feature_importance(run: ClusteringRun) -> dict[str, Any]:
    importance = run.feature_importance or {}
    if isinstance(importance, list):
        importance = {i.get("feature"): i.get("importance") for i in importance}
    return charts.feature_importance_chart(
        {str(k): float(v) for k, v in importance.items() if isinstance(v, int | float)}
    )


CHART_BUILDERS = {
    "scatter": _scatter,
    "distribution": lambda run: charts.distribution_chart(_clusters_for_chart(run)),
    "elbow": _elbow,
    "correlation": _correlation,
    "profiles": _profiles,
    "feature_importance": _feature_importance,
}


def chart_get(*, run: ClusteringRun, name: str) -> dict[str, Any]:
    """One Plotly figure of the run (cached per run, chart and published version). Raises
    Http404 for an unknown chart name and `charts.ChartInputError` when there is nothing to draw."""
    chart = name.replace("-", "_")
    builder = CHART_BUILDERS.get(chart)
    if builder is None:
        raise Http404(f"No chart named '{name}'; charts are {', '.join(charts.CHART_NAMES)}.")
    if run.status != ClusteringRun.Status.SUCCEEDED:
        raise Conflict(f"Run {run.pk} is {run.status}; charts exist once it has succeeded.")
    key = _cache_key(run=run, kind="chart", name=chart)
    return _cached(key, lambda: builder(run))


# --- Exports -----------------------------------------------------------------------------------


def export_list(*, user: User) -> QuerySet[Export]:
    """The caller's exports (every export for an admin), newest first; expired ones excluded."""
    exports = Export.objects.select_related("run").filter(expires_at__gt=timezone.now())
    if not user.is_authenticated:
        return exports.none()
    if getattr(user, "is_admin_role", False):
        return exports
    return exports.filter(owner=user)


def export_get(*, user: User, pk: Any) -> Export:
    """The caller's export with this id, expired or not (the download view answers 410 for an
    expired one); Http404 when it does not exist or is someone else's."""
    exports = Export.objects.select_related("run")
    if not getattr(user, "is_admin_role", False):
        exports = exports.filter(owner=user)
    try:
        return exports.get(pk=pk)
    except (Export.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        # DjangoValidationError: a malformed id is not a UUID, so no such export either.
        raise Http404(f"Export {pk} was not found among your exports.") from None


def assignments_frame_for_export(*, run: ClusteringRun) -> pd.DataFrame:
    """The run's dataset rows with their cluster, cluster name and confidence appended, in row
    order (rows the run did not assign get empty cluster columns)."""
    # The Parquet read (pyarrow, without the GIL) runs beside the assignment read: about a
    # second less on 1,000,000 rows (tests/benchmarks/bench_reports.py).
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(dataset_frame_load, dataset=run.dataset)
        rows, cluster_labels, confidences = assignment_arrays(run=run)
        frame = loading.result()
    n_rows = len(frame)
    cluster = np.full(n_rows, np.nan)
    confidence = np.full(n_rows, np.nan)
    inside = rows < n_rows
    cluster[rows[inside]] = cluster_labels[inside]
    confidence[rows[inside]] = np.round(confidences[inside], 2)
    meta = _cluster_names(run)
    labels = (
        pd.array(cluster, dtype="Int64") if np.isnan(cluster).any() else cluster.astype(np.int64)
    )
    names = pd.Categorical(pd.Series(labels).map(meta), categories=sorted(set(meta.values())))
    out = frame.copy(deep=False)
    for name, values in (("cluster", labels), ("cluster_name", names), ("confidence", confidence)):
        column = name if name not in frame.columns else f"{name}_assigned"  # never overwrite data
        out[column] = values
    return out
