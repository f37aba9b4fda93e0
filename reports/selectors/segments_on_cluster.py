"""Segment views of a dataset beyond one machine, computed on the Dask cluster: a uniform sample
of its rows fixes the population figures, each partition gives its partial on a worker
(`reports.chunks.chunk_partial_series`), and the partials are combined here (`reports.chunks`).
Imported only when a dataset needs it: a service without a cluster never loads dask."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clustering.models import ClusteringRun
from clustering.selectors import run_labels_dask_frame
from config.dask import dask_compute
from datasets.selectors import dataset_dask_frame

from .. import segments
from ..chunks import SAMPLE_ROWS, CombinedView, chunk_partial_series, combine_chunks


def _rows(run: ClusteringRun, segment_type: str) -> Any:
    """The dask frame a view reads: the columns it needs, with the run's labels for clusters."""
    schema = run.dataset.schema or []
    columns = segments.columns_needed(segment_type=segment_type, schema=schema)
    frame = dataset_dask_frame(dataset=run.dataset, columns=columns)
    if segment_type == "cluster":  # both indexed by row number: joined partition by partition
        labels = run_labels_dask_frame(run=run)[["cluster_label"]]
        frame = frame.join(labels, how="inner")
    return frame


def view_on_cluster(
    *, run: ClusteringRun, segment_type: str, rules: segments.SegmentRules
) -> CombinedView:
    """The segment table, cluster details and insight inputs of one type (see `reports.chunks`
    for what is exact and what comes from the sample of about SAMPLE_ROWS rows)."""
    schema = run.dataset.schema or []
    frame = _rows(run, segment_type)
    fraction = min(1.0, SAMPLE_ROWS / max(run.dataset.n_rows, 1))
    sampled = fraction < 1.0
    picked = frame.sample(frac=fraction, random_state=0) if sampled else frame
    (sample,) = dask_compute([picked])
    fixed = segments.derived_parameters(
        sample, segment_type=segment_type, schema=schema, rules=rules
    )
    per_partition = frame.map_partitions(
        chunk_partial_series,
        segment_type=segment_type,
        schema=schema,
        rules=rules,
        fixed=fixed,
        meta=pd.Series(dtype=object),
    )
    (partials,) = dask_compute([per_partition])
    derived_sample = segments.derive_customers(
        sample, segment_type=segment_type, schema=schema, rules=rules, fixed=fixed
    )
    return combine_chunks(partials.tolist(), sample=derived_sample, sampled=sampled)
