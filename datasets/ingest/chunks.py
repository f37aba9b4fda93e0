"""A Parquet dataset as row-numbered chunks: the unit of work of every Dask computation over a
dataset (distributed runs, segment views, exports).

`plan_chunks` cuts the row groups listed in the footers (`parquet_layout`) into chunks of at most
`target_rows` rows (a large row group is sliced, several small ones are joined), at least
`min_chunks` of them when there are rows enough, so every worker has a share. `chunked_frame`
makes the dask DataFrame whose partition i is chunk i, read by `read_chunk` on a worker from the
chunk's URL, with the dataset's row numbers as its index: the divisions are known, so frames of
the same dataset (its columns, a run's assignments) line up partition by partition.

Django-free: the Dask workers import `read_chunk`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from common.storage import open_url

from .parquet import _PANDAS_INDEX_PREFIX as INDEX_PREFIX
from .parquet import ParquetLayout

TARGET_ROWS = 1_000_000  # about 8 MB a numeric column: a few features fit any worker
MIN_CHUNKS = 4


@dataclass(frozen=True)
class Chunk:
    """Rows [first_row, first_row + n_rows) of the dataset: row groups `row_groups` of the part
    at `url`, without the first `skip` rows of those groups."""

    url: str
    row_groups: tuple[int, ...]
    skip: int
    first_row: int
    n_rows: int


def plan_chunks(
    layout: ParquetLayout,
    urls: Sequence[str],
    *,
    target_rows: int = TARGET_ROWS,
    min_chunks: int = MIN_CHUNKS,
) -> list[Chunk]:
    """The dataset's rows in order as chunks of at most `target_rows` rows (fewer when that
    gives at least `min_chunks` chunks). Chunks never cross a part."""
    total = layout.n_rows
    size = max(1, min(int(target_rows), -(-total // max(1, int(min_chunks)))))
    chunks: list[Chunk] = []
    first_row = 0
    for part, url in enumerate(urls):
        groups = [(group, rows) for index, group, rows in layout.groups if index == part]
        starts = np.cumsum([0] + [rows for _, rows in groups])  # each group's first row in part
        part_rows = int(starts[-1])
        for begin in range(0, part_rows, size):
            end = min(begin + size, part_rows)
            first = int(np.searchsorted(starts, begin, side="right")) - 1
            last = int(np.searchsorted(starts, end, side="left")) - 1
            chunks.append(
                Chunk(
                    url=url,
                    row_groups=tuple(groups[g][0] for g in range(first, last + 1)),
                    skip=begin - int(starts[first]),
                    first_row=first_row + begin,
                    n_rows=end - begin,
                )
            )
        first_row += part_rows
    return chunks


def read_chunk(
    chunk: Chunk, columns: Sequence[str] | None = None, storage_options: dict | None = None
) -> pd.DataFrame:
    """The chunk's rows (the `columns` asked for, else all), indexed by their row numbers."""
    with open_url(chunk.url, "rb", storage_options) as handle:
        parquet = pq.ParquetFile(handle)
        if columns is None:
            columns = [n for n in parquet.schema_arrow.names if not n.startswith(INDEX_PREFIX)]
        table = parquet.read_row_groups(list(chunk.row_groups), columns=list(columns))
    frame = table.slice(chunk.skip, chunk.n_rows).to_pandas()
    frame.index = pd.RangeIndex(chunk.first_row, chunk.first_row + chunk.n_rows)
    return frame


def chunked_frame(
    chunks: Sequence[Chunk],
    *,
    layout: ParquetLayout,
    columns: Sequence[str] | None = None,
    storage_options: dict | None = None,
) -> Any:
    """The dask DataFrame of the chunks (partition i = chunk i, index = row number, divisions
    known). Imports dask here: only callers that compute with Dask pay for it."""
    import dask.dataframe as dd

    schema = layout.schema
    wanted = list(columns) if columns is not None else list(schema.names)
    meta = schema.empty_table().select(wanted).to_pandas()
    meta.index = pd.RangeIndex(0)
    if not chunks:
        return dd.from_pandas(meta, npartitions=1)
    last = chunks[-1]
    divisions = [chunk.first_row for chunk in chunks] + [last.first_row + last.n_rows - 1]
    return dd.from_map(
        read_chunk,
        list(chunks),
        columns=wanted,
        storage_options=dict(storage_options or {}),
        meta=meta,
        divisions=divisions,
        label="read-chunk",
        enforce_metadata=False,
    )
