"""The ingest core: CSV bytes in, a typed DataFrame + schema + statistics + quality report out.

Pure: imports pandas, numpy and pyarrow only, never Django or our apps, and reads no settings
(limits are passed in). Every problem with the file raises `IngestError`, worded for the user.

    result = ingest(data, limits=IngestLimits(max_rows=2_000_000, max_columns=500))
    result.frame, result.schema, result.quality, result.statistics, result.correlation

`ingest` is `profile(read_typed(data))`: callers that store the frame may run the two halves
apart, `profile` beside the storing (datasets.services). A Parquet dataset registered in place
(parquet.py, which also uses dask) is profiled by `profile` on a sample with exact counts.

Steps (one module each): encoding.py (refuse binary, detect the encoding), dialect.py (delimiter,
header), parse.py (pyarrow's reader, fallbacks), kinds.py (column kinds, per column), roles.py
(semantic roles), quality.py (report, statistics, correlations)."""

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from .dialect import Dialect, sniff
from .encoding import decode
from .errors import IngestError
from .kinds import ColumnKind, type_columns
from .parse import clean_names, read_table
from .quality import ExactCounts, column_statistics, correlation_matrix, quality_report
from .roles import RFM_ROLES, ROLES, detect_roles
from .transactions import detect_transaction_log

__all__ = [
    "RFM_ROLES",
    "ROLES",
    "ExactCounts",
    "IngestError",
    "IngestLimits",
    "IngestResult",
    "TypedTable",
    "ingest",
    "profile",
    "read_typed",
    "typed_from_frame",
]

MIN_ROWS = 2  # one customer cannot be segmented
MAX_EXTERNAL_ID_CHARS = 128  # Customer.external_id's length


@dataclass(frozen=True)
class IngestLimits:
    max_rows: int = 2_000_000
    max_columns: int = 500
    time_limit_s: float = 300.0


@dataclass(frozen=True)
class IngestResult:
    frame: pd.DataFrame  # typed, in file order
    schema: list[dict[str, Any]]  # per column: name, dtype, kind, role, missing
    statistics: dict[str, dict[str, Any]]
    quality: dict[str, Any]
    correlation: dict[str, Any]  # {"features": [...], "matrix": [[...]]}
    id_column: str | None  # the customer id column, if any
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)
    # The columns of a purchase log (transactions.TransactionColumns.as_dict()), or None.
    transaction_log: dict[str, str | None] | None = None


SOURCE_FORMATS = {"parquet": "Parquet", "derived": "Derived table"}


class _Clock:
    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.deadline = time.monotonic() + limit_s

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise IngestError(
                f"Reading the file took longer than {self.limit_s:g} s; split it into smaller "
                "files."
            )


def _external_id_column(frame: pd.DataFrame, roles: dict[str, str]) -> str | None:
    for name, role in roles.items():
        if role == "customer_id":
            values = frame[name].dropna()
            if values.astype(str).str.len().max() <= MAX_EXTERNAL_ID_CHARS:
                return name
    return None


def _schema(
    frame: pd.DataFrame,
    kinds: list[ColumnKind],
    roles: dict[str, str],
    counts: ExactCounts | None = None,
) -> list[dict[str, Any]]:
    missing = frame.isna().sum() if counts is None else counts.missing
    return [
        {
            "name": kind.name,
            "dtype": str(frame[kind.name].dtype),
            "kind": kind.kind,
            "role": roles.get(kind.name),
            "missing": int(missing[kind.name]),
        }
        for kind in kinds
    ]


def _read_checked(
    data: bytes, *, dialect: Dialect, names: list[str], limits: IngestLimits, clock: _Clock
) -> pa.Table:
    table = read_table(data, dialect=dialect, names=names)
    clock.check()
    if table.num_rows == 0:
        raise IngestError("The file has a header but no data rows; add at least two customers.")
    if table.num_rows < MIN_ROWS:
        raise IngestError(
            f"The file has only {table.num_rows} data row; segmentation needs at least {MIN_ROWS}."
        )
    if table.num_rows > limits.max_rows:
        raise IngestError(
            f"The file has {table.num_rows:,} rows; the limit is {limits.max_rows:,}. "
            "Upload a sample or split the file."
        )
    return table


@dataclass(frozen=True)
class TypedTable:
    """The first half of `ingest`: the typed frame and what was learnt reading it."""

    frame: pd.DataFrame
    kinds: list[ColumnKind]
    roles: dict[str, str]
    id_column: str | None
    encoding: str
    dialect: Dialect
    notes: list[str]
    clock: _Clock
    # Set when `frame` is a sample of a larger table (datasets.ingest.parquet): its exact counts.
    counts: ExactCounts | None = None
    # Where the table came from: "csv" (an upload, whose encoding and delimiter the quality
    # report names), "parquet" (registered data) or "derived" (made by the service).
    source: str = "csv"


def read_typed(data: bytes, *, limits: IngestLimits = IngestLimits()) -> TypedTable:
    """Decode, parse and type the table, detect roles and the id column; IngestError if the file
    is unusable. Enough to store the customers while `profile` runs."""
    clock = _Clock(limits.time_limit_s)
    decoded = decode(data)
    dialect = sniff(decoded.data)
    if len(dialect.header) > limits.max_columns:
        raise IngestError(
            f"The file has {len(dialect.header)} columns; the limit is {limits.max_columns}. "
            "Keep only the columns you need."
        )
    names, notes = clean_names(dialect.header)
    if decoded.nul_removed:
        notes.append(f"{decoded.nul_removed} NUL characters were removed from the file.")
    # The table goes straight into type_columns, which frees each column once converted.
    frame, kinds = type_columns(
        _read_checked(decoded.data, dialect=dialect, names=names, limits=limits, clock=clock),
        decimal_comma=dialect.delimiter != ",",
    )
    clock.check()
    if not any(kind.kind == "numeric" for kind in kinds):
        raise IngestError(
            "No numeric column found; segmentation needs at least one column of numbers "
            "such as age, income or spending score."
        )
    roles = detect_roles(frame, {kind.name: kind.kind for kind in kinds})
    return TypedTable(
        frame=frame,
        kinds=kinds,
        roles=roles,
        id_column=_external_id_column(frame, roles),
        encoding=decoded.encoding,
        dialect=dialect,
        notes=notes,
        clock=clock,
    )


def profile(typed: TypedTable) -> IngestResult:
    """The second half of `ingest`: schema, statistics, quality report and correlations. Reads
    the frame only, so it may run while the frame is being stored."""
    frame, kinds = typed.frame, typed.kinds
    statistics = column_statistics(frame, kinds)
    quality = quality_report(
        frame,
        kinds,
        statistics=statistics,
        id_column=typed.id_column,
        notes=typed.notes,
        counts=typed.counts,
    )
    if typed.source == "csv":
        quality["encoding"] = typed.encoding
        quality["delimiter"] = typed.dialect.delimiter_name
    else:  # no text was decoded and no delimiter sniffed: the report says what the data is
        quality["format"] = SOURCE_FORMATS[typed.source]
    correlation = correlation_matrix(frame, kinds)
    log = detect_transaction_log(
        frame, kinds={kind.name: kind.kind for kind in kinds}, roles=typed.roles
    )
    typed.clock.check()
    return IngestResult(
        frame=frame,
        schema=_schema(frame, kinds, typed.roles, typed.counts),
        statistics=statistics,
        quality=quality,
        correlation=correlation,
        id_column=typed.id_column,
        encoding=typed.encoding,
        delimiter=typed.dialect.delimiter,
        notes=typed.notes,
        transaction_log=log.as_dict() if log is not None else None,
    )


def typed_from_frame(
    frame: pd.DataFrame,
    *,
    kinds: dict[str, str],
    roles: dict[str, str],
    limits: IngestLimits = IngestLimits(),
) -> TypedTable:
    """A frame made by the service itself (a derived table), typed already, as `read_typed`
    would leave it: `kinds` and `roles` by column name. IngestError past the row limit."""
    if len(frame) > limits.max_rows:
        raise IngestError(
            f"The table would have {len(frame):,} rows; the limit is {limits.max_rows:,}."
        )
    return TypedTable(
        frame=frame,
        kinds=[ColumnKind(name, kinds[name]) for name in frame.columns],
        roles=dict(roles),
        id_column=_external_id_column(frame, roles),
        encoding="utf-8",
        dialect=Dialect(delimiter=",", header=list(frame.columns), has_quotes=False),
        notes=[],
        clock=_Clock(limits.time_limit_s),
        source="derived",
    )


def ingest(data: bytes, *, limits: IngestLimits = IngestLimits()) -> IngestResult:
    """Read one uploaded table; raise IngestError, with a sentence for the user, if unusable."""
    return profile(read_typed(data, limits=limits))
