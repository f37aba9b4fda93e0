"""Segment views of a dataset beyond one process, computed on the Dask cluster: the dataset's
population sample (`datasets.selectors.dataset_population_frame`, the rows customer look-ups read
their dataset-wide figures from, so a customer's tier agrees) fixes the population figures, each
partition gives its partial on a worker (`reports.chunks.chunk_partial_series`), and the partials
are combined here (`reports.chunks`). Imported only when a dataset needs it: a service without a
cluster never loads dask."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clustering.models import ClusteringRun
from clustering.selectors import run_labels_dask_frame
from config.dask import dask_compute
from datasets.selectors import POPULATION_SAMPLE_ROWS, dataset_dask_frame, dataset_population_frame

from .. import segments
from ..chunks import CombinedView, chunk_partial_series, combine_chunks
from .assignments import UNASSIGNED, run_labels_of_rows


def _rows(run: ClusteringRun, columns: list[str], segment_type: str) -> Any:
    """The dask frame a view reads: its columns, with the run's labels for clusters."""
    frame = dataset_dask_frame(dataset=run.dataset, columns=columns)
    if segment_type == "cluster":  # both indexed by row number: joined partition by partition
        labels = run_labels_dask_frame(run=run)[["cluster_label"]]
        frame = frame.join(labels, how="inner")
    return frame


def _sample(run: ClusteringRun, columns: list[str], segment_type: str) -> tuple[pd.DataFrame, bool]:
    """(rows, sampled): the population sample, with each row's cluster for clusters."""
    sample, _ = dataset_population_frame(
        dataset=run.dataset,
        columns=columns,
        sample_rows=POPULATION_SAMPLE_ROWS,
        row_numbers=segment_type == "cluster",
    )
    sampled = len(sample) < run.dataset.n_rows
    if segment_type == "cluster":
        labels = run_labels_of_rows(run=run, rows=sample.index.to_numpy())
        sample = sample.assign(cluster_label=labels)[labels != UNASSIGNED]
    return sample, sampled


def view_on_cluster(
    *, run: ClusteringRun, segment_type: str, rules: segments.SegmentRules
) -> CombinedView:
    """The segment table, cluster details and insight inputs of one type (see `reports.chunks`
    for what is exact and what comes from the sample)."""
    schema = run.dataset.schema or []
    columns = segments.columns_needed(segment_type=segment_type, schema=schema)
    sample, sampled = _sample(run, columns, segment_type)
    fixed = segments.derived_parameters(
        sample, segment_type=segment_type, schema=schema, rules=rules
    )
    per_partition = _rows(run, columns, segment_type).map_partitions(
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
