"""A Parquet dataset (one file or a folder of parts) in, a profiled `TypedTable` out, without
holding the table in memory: the schema and row count come from the Parquet footers, kinds,
roles, statistics and correlations from a sample spread over the row groups, and the exact
counts (missing values per column, duplicate rows, distinct ids) from Dask aggregations over
every part.

Pure: pyarrow, pandas and dask only (no Django). The caller opens the files (`open_part`, from
`common.storage`) and says how Dask computes (`compute`: the local threads scheduler by default,
or a distributed client's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import MIN_ROWS, TypedTable, _Clock
from .dialect import Dialect
from .errors import IngestError
from .kinds import ColumnKind, _text_kind
from .quality import ExactCounts
from .roles import detect_roles, looks_like_id_name

SAMPLE_ROWS = 100_000  # rows profiled in memory; the counts are exact whatever the size
_PANDAS_INDEX_PREFIX = "__index_level_"


class IdColumnError(IngestError):
    """The customer id column is missing or the one named does not exist."""


@dataclass(frozen=True)
class ParquetSource:
    """Where the parts are: names to open them here, URLs (and options) for Dask workers."""

    parts: Sequence[str]  # in row order
    urls: Sequence[str]  # the same parts as URLs, in the same order
    open_part: Callable[[str], IO[bytes]]
    storage_options: dict[str, Any]


@dataclass(frozen=True)
class ParquetLayout:
    schema: pa.Schema  # data columns only (no pandas index)
    rows_per_part: list[int]
    groups: list[tuple[int, int, int]]  # (part index, row group, rows)

    @property
    def n_rows(self) -> int:
        return sum(self.rows_per_part)


def _threads(collections: list[Any]) -> list[Any]:
    return list(dask.compute(*collections, scheduler="threads"))


def parquet_layout(source: ParquetSource) -> ParquetLayout:
    """Schema and row counts from the footers; IngestError for a file that is not Parquet or
    parts whose columns differ."""
    if not source.parts:
        raise IngestError("No Parquet file was found there.")
    schema: pa.Schema | None = None
    rows_per_part: list[int] = []
    groups: list[tuple[int, int, int]] = []
    for index, part in enumerate(source.parts):
        name = part.rsplit("/", 1)[-1]
        try:
            with source.open_part(part) as handle:
                metadata = pq.ParquetFile(handle).metadata
                part_schema = metadata.schema.to_arrow_schema()
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise IngestError(
                f"'{name}' is not a Parquet file ({exc}); register Parquet data only."
            ) from exc
        columns = [n for n in part_schema.names if not n.startswith(_PANDAS_INDEX_PREFIX)]
        part_schema = pa.schema([part_schema.field(n) for n in columns])
        if schema is None:
            schema = part_schema
        elif not part_schema.equals(schema):
            raise IngestError(
                f"The part '{name}' has other columns or types than the first part; every part "
                "of a dataset must have the same schema."
            )
        rows_per_part.append(metadata.num_rows)
        groups.extend(
            (index, group, metadata.row_group(group).num_rows)
            for group in range(metadata.num_row_groups)
        )
    return ParquetLayout(schema=schema or pa.schema([]), rows_per_part=rows_per_part, groups=groups)


def read_sample(
    source: ParquetSource,
    layout: ParquetLayout,
    *,
    size: int = SAMPLE_ROWS,
    columns: Sequence[str] | None = None,
    row_numbers: bool = False,
) -> pd.DataFrame:
    """About `size` rows (of `columns`, else all) spread over the whole dataset: every row when
    it has no more, else evenly spaced row groups (each cut to its share) from first part to
    last, in row order. The same rows every time. With `row_numbers`, the index holds each
    row's number in the dataset."""
    columns = list(columns) if columns is not None else list(layout.schema.names)
    first_rows = dict(
        zip(
            [(part, group) for part, group, _ in layout.groups],
            np.cumsum([0] + [rows for _, _, rows in layout.groups[:-1]]).tolist(),
            strict=True,
        )
    )
    numbers: list[np.ndarray] = []
    total = layout.n_rows
    groups = [group for group in layout.groups if group[2] > 0]
    if total <= size:
        chosen, per_group = groups, None
    else:
        wanted = max(1, min(len(groups), size // max(1, total // max(len(groups), 1))))
        step = len(groups) / wanted
        chosen = [groups[int(i * step)] for i in range(wanted)]
        per_group = max(1, size // wanted)
    tables = []
    by_part: dict[int, list[tuple[int, int]]] = {}
    for part, group, rows in chosen:
        by_part.setdefault(part, []).append((group, rows))
    for part, picks in sorted(by_part.items()):
        with source.open_part(source.parts[part]) as handle:
            parquet = pq.ParquetFile(handle)
            for group, rows in picks:
                table = parquet.read_row_group(group, columns=columns)
                taken = np.arange(rows)
                if per_group is not None and rows > per_group:
                    taken = taken[:: rows // per_group][:per_group]
                    table = table.take(pa.array(taken))
                tables.append(table)
                numbers.append(first_rows[(part, group)] + taken)
    if not tables:
        return pd.DataFrame(columns=columns)
    frame = pa.concat_tables(tables).to_pandas()
    if row_numbers:
        frame.index = pd.Index(np.concatenate(numbers), dtype=np.int64)
    return frame


def column_kinds(schema: pa.Schema, sample: pd.DataFrame) -> list[ColumnKind]:
    """A kind per column from its Parquet type, as the data will be read back (no value is
    re-typed: a text column of digits stays text). IngestError naming unusable columns."""
    kinds: list[ColumnKind] = []
    unusable: list[str] = []
    for field in schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            kinds.append(ColumnKind(field.name, "numeric"))
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            kinds.append(ColumnKind(field.name, "datetime"))
        elif pa.types.is_boolean(kind):
            kinds.append(ColumnKind(field.name, "categorical", unique=2))
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            kinds.append(_text_kind(field.name, sample[field.name]))
        else:
            unusable.append(f"'{field.name}' ({field.type})")
    if unusable:
        raise IngestError(
            f"Columns of a type that cannot be segmented: {', '.join(unusable)}. Write them as "
            "numbers, text, booleans or dates, or leave them out of the Parquet data."
        )
    return kinds


@dataclass(frozen=True)
class ParquetTable:
    """What `read_parquet_dataset` learnt: a TypedTable-ready sample and the exact counts."""

    sample: pd.DataFrame
    kinds: list[ColumnKind]
    roles: dict[str, str]
    id_column: str
    counts: ExactCounts
    layout: ParquetLayout


def _id_column(
    sample: pd.DataFrame, kinds: list[ColumnKind], roles: dict[str, str], chosen: str | None
) -> str:
    names = [kind.name for kind in kinds]
    if chosen:
        if chosen not in names:
            raise IdColumnError(
                f"No column named '{chosen}'; the columns are {', '.join(map(repr, names))}."
            )
        return chosen
    for name, role in roles.items():
        if role == "customer_id":
            return name
    for kind in kinds:
        if kind.kind == "id" or (looks_like_id_name(kind.name) and kind.kind != "datetime"):
            return kind.name
    raise IdColumnError(
        "No customer id column found (a column such as customer_id); name the one to use in "
        f"id_column. The columns are {', '.join(map(repr, names))}."
    )


def exact_counts(
    source: ParquetSource,
    layout: ParquetLayout,
    *,
    id_column: str,
    compute: Callable[[list[Any]], list[Any]] = _threads,
) -> ExactCounts:
    """Missing values per column, duplicate rows and duplicate ids over every row, as Dask
    aggregations (one pass over the parts)."""
    frame = dd.read_parquet(
        list(source.urls),
        columns=list(layout.schema.names),
        storage_options=source.storage_options or None,
        index=False,
    )
    row_hashes = frame.map_partitions(
        lambda part: pd.util.hash_pandas_object(part, index=False), meta=("hash", "uint64")
    )
    ids = frame[id_column].dropna()
    missing, distinct_rows, present_ids, distinct_ids = compute(
        [frame.isna().sum(), row_hashes.nunique(), ids.count(), ids.nunique()]
    )
    rows = layout.n_rows
    return ExactCounts(
        rows=rows,
        missing={str(name): int(count) for name, count in missing.items()},
        duplicate_rows=int(rows - distinct_rows),
        duplicate_ids=int(present_ids - distinct_ids),
    )


def checked_layout(source: ParquetSource, *, max_columns: int, max_rows: int) -> ParquetLayout:
    """The layout from the footers (cheap: no data page is read), checked against the limits on
    columns and rows; IngestError, worded for the user, when it cannot be used."""
    layout = parquet_layout(source)
    if len(layout.schema) > max_columns:
        raise IngestError(
            f"The data has {len(layout.schema)} columns; the limit is {max_columns}. "
            "Keep only the columns you need."
        )
    if layout.n_rows < MIN_ROWS:
        raise IngestError(
            f"The data has {layout.n_rows} rows; segmentation needs at least {MIN_ROWS}."
        )
    if layout.n_rows > max_rows:
        raise IngestError(f"The data has {layout.n_rows:,} rows; the limit is {max_rows:,}.")
    return layout


def read_parquet_dataset(
    source: ParquetSource,
    *,
    max_columns: int,
    max_rows: int,
    id_column: str | None = None,
    sample_rows: int = SAMPLE_ROWS,
    compute: Callable[[list[Any]], list[Any]] = _threads,
) -> ParquetTable:
    """Layout, sample, kinds, roles, the id column and the exact counts of a Parquet dataset.
    IngestError, worded for the user, when it cannot be used."""
    layout = checked_layout(source, max_columns=max_columns, max_rows=max_rows)
    sample = read_sample(source, layout, size=sample_rows)
    kinds = column_kinds(layout.schema, sample)
    if not any(kind.kind == "numeric" for kind in kinds):
        raise IngestError(
            "No numeric column found; segmentation needs at least one column of numbers "
            "such as age, income or spending score."
        )
    roles = detect_roles(sample, {kind.name: kind.kind for kind in kinds})
    chosen = _id_column(sample, kinds, roles, id_column)
    if roles.get(chosen) != "customer_id":
        roles = {name: role for name, role in roles.items() if role != "customer_id"}
        roles[chosen] = "customer_id"
    kinds = [
        ColumnKind(kind.name, "id", unique=kind.unique) if kind.name == chosen else kind
        for kind in kinds
    ]
    counts = exact_counts(source, layout, id_column=chosen, compute=compute)
    empty = [name for name, count in counts.missing.items() if count >= layout.n_rows]
    if empty:
        raise IngestError(
            f"Column '{empty[0]}' has no values at all; leave it out of the Parquet data."
        )
    return ParquetTable(
        sample=sample, kinds=kinds, roles=roles, id_column=chosen, counts=counts, layout=layout
    )


def typed_table(table: ParquetTable, *, time_limit_s: float) -> TypedTable:
    """The sample as `profile` takes it, with the exact counts it reports instead of the
    sample's own."""
    sample_rows, rows = len(table.sample), table.counts.rows
    notes = []
    if sample_rows < rows:
        notes.append(
            f"Statistics, outliers and correlations were computed on a sample of "
            f"{sample_rows:,} of the {rows:,} rows; row, missing-value and duplicate counts are "
            "exact."
        )
    return TypedTable(
        frame=table.sample,
        kinds=table.kinds,
        roles=table.roles,
        id_column=table.id_column,
        encoding="parquet",
        dialect=Dialect(delimiter=",", header=list(table.sample.columns), has_quotes=False),
        notes=notes,
        clock=_Clock(time_limit_s),
        counts=table.counts,
        source="parquet",
    )
