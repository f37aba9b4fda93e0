"""Segment views of a dataset beyond one process, computed on the Dask cluster: the dataset's
population sample (`datasets.selectors.dataset_population_frame`, the rows customer look-ups read
their dataset-wide figures from, so a customer's tier agrees) fixes the population figures (the
cluster view, which needs none, samples its joined rows instead), each partition gives its
partial on a worker (`reports.chunks.chunk_partial_series`), and the partials are combined here
(`reports.chunks`). Imported only when a dataset needs it: a service without a cluster never
loads dask."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clustering.models import ClusteringRun
from clustering.selectors import run_labels_dask_frame
from config.dask import dask_compute
from datasets.selectors import POPULATION_SAMPLE_ROWS, dataset_dask_frame, dataset_population_frame

from .. import segments
from ..chunks import CombinedView, chunk_partial_series, combine_chunks


def _rows(run: ClusteringRun, columns: list[str], segment_type: str) -> Any:
    """The dask frame a view reads: its columns, with the run's labels for clusters."""
    frame = dataset_dask_frame(dataset=run.dataset, columns=columns)
    if segment_type == "cluster":  # both indexed by row number: joined partition by partition
        labels = run_labels_dask_frame(run=run)[["cluster_label"]]
        frame = frame.join(labels, how="inner")
    return frame


def view_on_cluster(
    *, run: ClusteringRun, segment_type: str, rules: segments.SegmentRules
) -> CombinedView:
    """The segment table, cluster details and insight inputs of one type (see `reports.chunks`
    for what is exact and what comes from the sample).

    The cluster view needs no population figure, only a sample for the median incomes and the
    Gini coefficient: a random sample of the joined rows (labels included), drawn in the same
    pass as the partials. The other views derive with the population sample's figures."""
    schema = run.dataset.schema or []
    columns = segments.columns_needed(segment_type=segment_type, schema=schema)
    rows = _rows(run, columns, segment_type)
    n_rows = run.dataset.n_rows
    if segment_type == "cluster":
        fixed = segments.DerivedParameters()
        fraction = min(1.0, POPULATION_SAMPLE_ROWS / max(n_rows, 1))
        collections = [rows.sample(frac=fraction, random_state=0) if fraction < 1 else rows]
    else:
        sample, _ = dataset_population_frame(
            dataset=run.dataset, columns=columns, sample_rows=POPULATION_SAMPLE_ROWS
        )
        fixed = segments.derived_parameters(
            sample, segment_type=segment_type, schema=schema, rules=rules
        )
        collections = []
    per_partition = rows.map_partitions(
        chunk_partial_series,
        segment_type=segment_type,
        schema=schema,
        rules=rules,
        fixed=fixed,
        meta=pd.Series(dtype=object),
    )
    *drawn, partials = dask_compute([*collections, per_partition])
    if segment_type == "cluster":
        (sample,) = drawn
    derived_sample = segments.derive_customers(
        sample, segment_type=segment_type, schema=schema, rules=rules, fixed=fixed
    )
    return combine_chunks(partials.tolist(), sample=derived_sample, sampled=len(sample) < n_rows)
