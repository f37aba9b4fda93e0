"""Segment views of a table too big for one frame, as group-bys over chunks of its rows. Pure:
pandas and numpy only (the chunks may come from anywhere: a Dask partition, a file's row group).

1. A sample of the table's rows, drawn by the caller (for a dataset: its population sample,
   `datasets.selectors.dataset_population_frame`, rows spread over the whole table, all of them
   when it has no more; for the cluster view a random sample of the labelled rows), gives the
   population figures every chunk derives with
   (`segments.derived_parameters`: income scale, CLV thresholds), so each row falls in the
   segment it would in one frame given those figures.
2. Each chunk gives a small `ChunkPartial` (`chunk_partial`): per-segment counts and sums, per
   cluster ranges and counts, insight counts.
3. `combine_chunks` adds the partials into the segment table, the cluster details and the insight
   inputs the one-frame path gives; the one-frame path is the combine of one partial.

Exact whatever the chunking: counts, percentages, averages (sums over non-missing counts),
totals, age and income ranges, gender and region counts, near-threshold counts. From the sample
(exact when it holds every row): the income scale and CLV thresholds, each cluster's median
income, and the Gini coefficient with the top-20% share (the Gini finding names the sample size,
`gini_sample_size` in key metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import segments
from .insights import InsightInputs, combine_insight_partials, insight_partial

__all__ = [
    "ChunkPartial",
    "CombinedView",
    "chunk_partial",
    "chunk_partial_series",
    "combine_chunks",
]


@dataclass(frozen=True)
class ChunkPartial:
    """What one chunk adds to a segment view (a few rows per segment, whatever the chunk's size)."""

    table: pd.DataFrame  # segments.partial_segment_table
    insights: dict[str, Any]  # insights.insight_partial
    clusters: dict[str, Any] | None  # segments.partial_cluster_details (cluster views only)


@dataclass(frozen=True)
class CombinedView:
    table: pd.DataFrame  # what segments.segment_table_from gives on the whole table
    details: dict[int, dict[str, Any]] | None  # segments.cluster_details (cluster views only)
    inputs: InsightInputs  # for insights.insights_for


def chunk_partial(
    frame: pd.DataFrame,
    *,
    segment_type: str,
    schema: list[dict],
    rules: segments.SegmentRules,
    fixed: segments.DerivedParameters,
) -> ChunkPartial:
    """The partial of one chunk of rows (a `cluster_label` column for the cluster view), derived
    with the whole table's population figures `fixed`."""
    derived = segments.derive_customers(
        frame, segment_type=segment_type, schema=schema, rules=rules, fixed=fixed
    )
    return ChunkPartial(
        table=segments.partial_segment_table(derived),
        insights=insight_partial(derived),
        clusters=segments.partial_cluster_details(derived) if segment_type == "cluster" else None,
    )


def chunk_partial_series(frame: pd.DataFrame, **kwargs: Any) -> pd.Series:
    """`chunk_partial` as a one-element Series: what a dask `map_partitions` gives per
    partition, so every partial of a dask frame comes back in one computation."""
    return pd.Series([chunk_partial(frame, **kwargs)], dtype=object)


def combine_chunks(
    partials: list[ChunkPartial], *, sample: segments.DerivedCustomers, sampled: bool
) -> CombinedView:
    """The view of the chunks that gave `partials`. `sample`: the sampled rows derived with the
    same population figures as the chunks; `sampled` False when it holds every row."""
    details = None
    if partials and partials[0].clusters is not None:
        details = segments.combine_cluster_details(
            [p.clusters for p in partials], income_sample=sample.frame
        )
    values = sample.frame[sample.value_column] if sample.value_column else None
    return CombinedView(
        table=segments.combine_segment_tables([p.table for p in partials], sample),
        details=details,
        inputs=combine_insight_partials(
            [p.insights for p in partials], derived_like=sample, values=values, sampled=sampled
        ),
    )
