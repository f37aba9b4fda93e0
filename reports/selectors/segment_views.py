"""Segment views and insights of a run, cached per (run, type, published version): computed from
the dataset's Parquet data in one pandas frame, or, for a dataset beyond one process
(`views_on_cluster`), over its partitions on the Dask cluster (`segments_on_cluster`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.conf import settings
from django.utils import timezone

from clustering.models import ClusteringRun
from clustering.selectors import cluster_list
from config.errors import Conflict
from datasets.models import Dataset
from datasets.selectors import dataset_fits_one_process, dataset_frame_load

from .. import segments
from ..chunks import CombinedView
from ..insights import insight_inputs, insights_for
from .assignments import UNASSIGNED, run_labels
from .cache import cache_key, cached
from .runs import cluster_names


def segment_rules() -> segments.SegmentRules:
    """Brackets and tiers from `settings.REPORT_SEGMENT_RULES` over the built-in defaults."""
    return segments.SegmentRules.from_overrides(getattr(settings, "REPORT_SEGMENT_RULES", None))


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


def views_on_cluster(*, dataset: Dataset) -> bool:
    """Whether the dataset's segment views are computed on the Dask cluster: it does not fit one
    process (`dataset_fits_one_process`). Conflict (409) naming DASK_SCHEDULER_ADDRESS when such
    a dataset has no cluster configured."""
    if dataset_fits_one_process(dataset=dataset):
        return False
    if not settings.DASK_SCHEDULER_ADDRESS:
        raise Conflict(
            f"Dataset {dataset.pk} has {dataset.n_rows:,} rows, more than one process reads at "
            f"once (MAX_DATASET_ROWS, {settings.MAX_DATASET_ROWS:,}); its segment views and "
            "insights are computed on a Dask cluster, and none is configured "
            "(DASK_SCHEDULER_ADDRESS). Ask an administrator to configure one."
        )
    return True


def _view(run: ClusteringRun, segment_type: str, *, details: bool) -> CombinedView:
    """The segment table, insight inputs and (with `details`, for clusters) cluster details."""
    if views_on_cluster(dataset=run.dataset):
        from .segments_on_cluster import view_on_cluster  # dask: only with a cluster

        return view_on_cluster(run=run, segment_type=segment_type, rules=segment_rules())
    derived = customers_derive(run=run, segment_type=segment_type)
    return CombinedView(
        table=segments.segment_table_from(derived),
        details=segments.cluster_details(derived) if details else None,
        inputs=insight_inputs(derived),
    )


def _cluster_meta(run: ClusteringRun) -> dict[int, dict[str, Any]]:
    return {
        c.label: {"name": c.name, "summary": c.summary, "created_at": run.finished_at}
        for c in cluster_list(run=run)
    }


def _segment_records(run: ClusteringRun, segment_type: str) -> list[dict[str, Any]]:
    view = _view(run, segment_type, details=segment_type == "cluster")
    if segment_type != "cluster":
        return segments.table_records(view.table, segment_type=segment_type)
    records = segments.cluster_records(
        view.table, details=view.details, clusters=_cluster_meta(run)
    )
    for record in records:
        created = record["metadata"]["created_at"]
        record["metadata"]["created_at"] = created.isoformat() if created else None
    return records


def segment_view(*, run: ClusteringRun, segment_type: str) -> list[dict[str, Any]]:
    """Every segment of one type for the run, as records (cached per run, type and published
    version). Raises `segments.SegmentInputError` for an unknown type or a missing role."""
    segments.check_known_type(segment_type)
    key = cache_key(run=run, kind="segments", name=segment_type)
    return cached(key, lambda: _segment_records(run, segment_type))


def _insights(run: ClusteringRun, segment_type: str) -> dict[str, Any]:
    view = _view(run, segment_type, details=False)
    names = cluster_names(run=run) if segment_type == "cluster" else None
    report = insights_for(view.table, inputs=view.inputs, segment_names=names).as_dict()
    report["generated_at"] = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return report


def insight_view(*, run: ClusteringRun, segment_type: str) -> dict[str, Any]:
    """Generated findings and key metrics of one segment type (cached like `segment_view`)."""
    segments.check_known_type(segment_type)
    key = cache_key(run=run, kind="insights", name=segment_type)
    return cached(key, lambda: _insights(run, segment_type))


def segment_frame(*, run: ClusteringRun, segment_type: str) -> pd.DataFrame:
    """The segment records of a type as a flat table (nested cluster groups joined with '.')."""
    records = segment_view(run=run, segment_type=segment_type)
    if segment_type == "cluster":
        return pd.json_normalize(records, sep=".")
    return pd.DataFrame.from_records(records)
