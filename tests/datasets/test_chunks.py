"""Row-numbered chunks of a Parquet dataset: every row exactly once, in order, whatever the
parts and row groups look like; the dask frame's divisions are the row numbers."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datasets.ingest.chunks import chunked_frame, plan_chunks, read_chunk
from datasets.ingest.parquet import ParquetSource, parquet_layout, read_sample

# (rows, row-group size) of each part: groups of 3, one big group, an empty part, groups of 4
PARTS = [(10, 3), (7, 100), (0, 5), (25, 4)]


@pytest.fixture
def source(tmp_path: Path) -> ParquetSource:
    paths, first = [], 0
    for index, (rows, group_rows) in enumerate(PARTS):
        frame = pd.DataFrame(
            {
                "row": np.arange(first, first + rows),
                "name": pd.Series([f"c{i}" for i in range(first, first + rows)], dtype="str"),
            }
        )
        path = tmp_path / f"part.{index}.parquet"
        frame.to_parquet(path, row_group_size=group_rows)
        paths.append(str(path))
        first += rows
    return ParquetSource(
        parts=paths,
        urls=[f"file://{path}" for path in paths],
        open_part=lambda part: open(part, "rb"),
        storage_options={},
    )


@pytest.mark.parametrize(
    ("target_rows", "min_chunks"), [(4, 4), (1_000, 4), (3, 1), (1, 100), (1_000, 1)]
)
def test_chunks_cover_every_row_once_in_order(source, target_rows, min_chunks):
    layout = parquet_layout(source)
    chunks = plan_chunks(layout, source.urls, target_rows=target_rows, min_chunks=min_chunks)

    assert all(0 < chunk.n_rows <= target_rows for chunk in chunks)
    assert [chunk.first_row for chunk in chunks] == sorted({c.first_row for c in chunks})
    frame = pd.concat([read_chunk(chunk) for chunk in chunks])
    assert frame["row"].tolist() == list(range(layout.n_rows))
    assert frame.index.tolist() == list(range(layout.n_rows))  # the index is the row number


def test_at_least_min_chunks_when_a_part_has_the_rows(source):
    layout = parquet_layout(source)
    chunks = plan_chunks(layout, source.urls, target_rows=1_000_000, min_chunks=4)
    assert len(chunks) >= 4  # 42 rows: chunks of at most 11 rows, never across a part
    assert len({chunk.url for chunk in chunks}) == 3  # the empty part gives none


def test_dask_frame_has_row_number_divisions_and_reads_only_the_columns_asked(source):
    layout = parquet_layout(source)
    chunks = plan_chunks(layout, source.urls, target_rows=5)
    frame = chunked_frame(chunks, layout=layout, columns=["name"])

    assert frame.known_divisions
    assert frame.divisions[0] == 0
    assert frame.divisions[-1] == layout.n_rows - 1
    computed = frame.compute(scheduler="sync")
    assert list(computed.columns) == ["name"]
    assert computed["name"].tolist() == [f"c{i}" for i in range(layout.n_rows)]


@pytest.mark.parametrize("size", [5, 12, 1_000])
def test_an_even_sample_knows_its_row_numbers(source, size):
    layout = parquet_layout(source)
    sample = read_sample(source, layout, size=size, columns=["row"], row_numbers=True)

    assert sample.index.tolist() == sample["row"].tolist()
    assert sample.index.is_monotonic_increasing
    if size >= layout.n_rows:
        assert len(sample) == layout.n_rows
    else:
        assert 0 < len(sample) <= size
    again = read_sample(source, layout, size=size, columns=["row"], row_numbers=True)
    assert again.index.tolist() == sample.index.tolist()  # the same rows every time
