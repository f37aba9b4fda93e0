"""Column kinds: an Arrow table in, a typed pandas DataFrame and one `ColumnKind` a column out.

Kinds: numeric, categorical, id, datetime, text. Each column is resolved on its own, over all of
its values (never per chunk):
- text columns whose values are numbers for at least NUMERIC_SHARE of them become numeric; the
  other values become missing and are reported (count and examples), thousands separators
  ("1,234.5", "1.234,5" in semicolon files, "1 234") and currency or percent signs are understood;
- "NA", "N/A", "None", "null", "-" are missing in numeric columns, values in text columns;
- empty or blank cells are missing everywhere; text is stripped of surrounding blanks;
- infinities become missing (they cannot be stored in JSON or clustered);
- an all-unique column named like an id (customer_id, CustomerID, code) is an id;
- a column with no value at all is refused."""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import IngestError
from .roles import looks_like_id_name

NUMERIC_SHARE = 0.9  # below this share of numbers, a column is text with some numbers in it
DATETIME_SHARE = 0.9
TEXT_MIN_UNIQUE = 100  # a string column with more distinct values than this ...
TEXT_UNIQUE_RATIO = 0.5  # ... and mostly distinct values is free text, not a category
NULL_TOKENS = frozenset(
    {"na", "n/a", "nan", "none", "null", "nil", "-", "--", "?", "#n/a", "missing"}
)
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y")
_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_THOUSANDS_DOT_DECIMAL_COMMA = r"^[+-]?\d{1,3}(\.\d{3})*,\d+$|^[+-]?\d{1,3}(\.\d{3})+$"
_THOUSANDS_SPACE = r"^[+-]?\d{1,3}([ \u00a0\u202f']\d{3})+([.,]\d+)?$"
_SIGNS = r"^[$€£¥]\s*|\s*[%€]$"
_SAMPLE = 2000


@dataclass(frozen=True)
class ColumnKind:
    name: str
    kind: str  # numeric | categorical | id | datetime | text
    coerced: int = 0  # values that were not of the column's kind and became missing
    examples: tuple[str, ...] = ()  # a few of those values, for the report
    unique: int | None = None  # distinct values of a text column (counted once, reused)


def _no_values(name: str) -> IngestError:
    return IngestError(
        f"Column '{name}' has no values at all; remove it or fill it in, then upload again."
    )


def _spread_sample(series: pd.Series, size: int = _SAMPLE) -> pd.Series:
    """Values from the whole column, not just its head: mixed columns change type late."""
    step = max(1, len(series) // size)
    return series.iloc[::step]


def _parse_numbers(values: pd.Series, *, decimal_comma: bool) -> pd.Series:
    """Numbers from text, NaN where a value is not a number."""
    numbers = pd.to_numeric(values, errors="coerce")
    pending = numbers.isna() & values.notna()
    if not pending.any():
        return numbers
    rest = values[pending].str.replace(_SIGNS, "", regex=True)
    cleaned = rest.where(~rest.str.match(_THOUSANDS_COMMA), rest.str.replace(",", "", regex=False))
    if decimal_comma:
        european = cleaned.str.match(_THOUSANDS_DOT_DECIMAL_COMMA) | cleaned.str.match(
            r"^[+-]?\d+,\d+$"
        )
        swapped = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        cleaned = cleaned.where(~european, swapped)
    spaced = cleaned.str.match(_THOUSANDS_SPACE)
    cleaned = cleaned.where(~spaced, cleaned.str.replace(r"[ \u00a0\u202f']", "", regex=True))
    if spaced.any():
        cleaned = cleaned.where(~spaced, cleaned.str.replace(",", ".", regex=False))
    numbers = numbers.copy()
    numbers[pending] = pd.to_numeric(cleaned, errors="coerce")
    return numbers


def _examples(values: pd.Series) -> tuple[str, ...]:
    return tuple(str(value)[:40] for value in values.drop_duplicates().head(3))


def _as_numeric(
    name: str, values: pd.Series, *, decimal_comma: bool
) -> tuple[pd.Series, ColumnKind] | None:
    present = values.dropna()
    sample = _spread_sample(present)
    sample = sample[~sample.str.lower().isin(NULL_TOKENS)]
    if (
        sample.empty
        or _parse_numbers(sample, decimal_comma=decimal_comma).notna().mean() < NUMERIC_SHARE
    ):
        return None
    candidates = present[~present.str.lower().isin(NULL_TOKENS)]
    numbers = _parse_numbers(candidates, decimal_comma=decimal_comma)
    finite = np.isfinite(numbers.to_numpy(dtype="float64", na_value=np.nan))
    if finite.mean() < NUMERIC_SHARE:
        return None
    refused = candidates[~finite]
    result = np.full(len(values), np.nan)
    result[values.index.get_indexer(candidates.index[finite])] = numbers[finite].to_numpy(
        dtype="float64"
    )
    return _narrow(pd.Series(result, index=values.index)), ColumnKind(
        name, "numeric", len(refused), _examples(refused)
    )


def _as_datetime(name: str, values: pd.Series) -> tuple[pd.Series, ColumnKind] | None:
    present = values.dropna()
    sample = _spread_sample(present)
    if sample.empty or sample.str.match(_DATE_LIKE).mean() < DATETIME_SHARE:
        return None
    best: tuple[float, str] | None = None
    for date_format in _DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=date_format, errors="coerce")
        share = float(parsed.notna().mean())
        if best is None or share > best[0]:
            best = (share, date_format)
    if best is None or best[0] < DATETIME_SHARE:
        return None
    parsed = pd.to_datetime(values, format=best[1], errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    refused = present[parsed[present.index].isna()]
    return parsed.astype("datetime64[ns]"), ColumnKind(
        name, "datetime", len(refused), _examples(refused)
    )


def _narrow(numbers: pd.Series) -> pd.Series:
    """Whole numbers without gaps are stored as integers, everything else as floats."""
    if numbers.notna().all():
        values = numbers.to_numpy()
        if np.all(np.mod(values, 1) == 0) and np.all(np.abs(values) < 2**53):
            return numbers.astype("int64")
    return numbers


def _distinct_count(present: pd.Series) -> int:
    """Distinct values of a text column without missing values. A column sorted strictly
    ascending (ids usually are) is all distinct, found without hashing a million strings."""
    if len(present) > 1:
        values = pa.array(present.array)  # zero-copy for Arrow-backed text
        if isinstance(values, pa.Array):
            values = pa.chunked_array([values])
        later, earlier = values.slice(1), values.slice(0, len(values) - 1)
        if pc.all(pc.greater(later, earlier)).as_py():
            return len(present)
    return int(present.nunique())


def _needs_strip(column: pa.ChunkedArray) -> bool:
    """Whether any value starts or ends with whitespace (what `Series.str.strip` removes)."""
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.any(pc.not_equal(pc.binary_length(trimmed), pc.binary_length(column))).as_py()


def _text_kind(name: str, values: pd.Series) -> ColumnKind:
    present = values.dropna()
    unique = _distinct_count(present)
    if looks_like_id_name(name) and unique == len(present):
        kind = "id"
    elif unique > TEXT_MIN_UNIQUE and unique > TEXT_UNIQUE_RATIO * len(present):
        kind = "text"
    else:
        kind = "categorical"
    return ColumnKind(name, kind, unique=unique)


def _resolve(
    name: str, column: pa.ChunkedArray, *, decimal_comma: bool
) -> tuple[pd.Series, ColumnKind]:
    kind = column.type
    if pa.types.is_null(kind):
        raise _no_values(name)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        series = column.to_pandas()
        if pa.types.is_floating(kind):
            infinite = np.isinf(series.to_numpy())
            if infinite.any():
                series = series.mask(infinite)
                return _finish_numeric(name, series, int(infinite.sum()), ("inf",))
        return _finish_numeric(name, series, 0, ())
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        series = column.cast(pa.timestamp("ns", tz=getattr(kind, "tz", None))).to_pandas()
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return _finish_other(name, series, ColumnKind(name, "datetime"))
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        column = column.cast(pa.string())
    values = column.to_pandas()
    # Strip and blank out only when needed: each pass copies the column (16 MB per million ids).
    if _needs_strip(column):
        values = values.str.strip()
    blank = values == ""
    if blank.any():
        values = values.mask(blank)
    if values.isna().all():
        raise _no_values(name)
    numeric = _as_numeric(name, values, decimal_comma=decimal_comma)
    if numeric:
        return _finish_numeric(name, numeric[0], numeric[1].coerced, numeric[1].examples)
    dated = _as_datetime(name, values)
    if dated:
        return _finish_other(name, *dated)
    return values, _text_kind(name, values)


def _finish_numeric(
    name: str, series: pd.Series, coerced: int, examples: tuple[str, ...]
) -> tuple[pd.Series, ColumnKind]:
    if series.isna().all():
        raise _no_values(name)
    kind = "numeric"
    if (
        looks_like_id_name(name)
        and pd.api.types.is_integer_dtype(series.dtype)
        and series.is_unique
    ):
        kind = "id"
    return series, ColumnKind(name, kind, coerced, examples)


def _finish_other(name: str, series: pd.Series, kind: ColumnKind) -> tuple[pd.Series, ColumnKind]:
    if series.isna().all():
        raise _no_values(name)
    return series, kind


def type_columns(
    table: pa.Table, *, decimal_comma: bool = False
) -> tuple[pd.DataFrame, list[ColumnKind]]:
    """Resolve every column of `table`; the frame keeps the table's column order. Each Arrow
    column is released once converted, and the frame is built without consolidating copies:
    pass the only reference to the table to keep peak memory near one copy of the data."""
    series: dict[str, pd.Series] = {}
    kinds: list[ColumnKind] = []
    for name in list(table.column_names):
        column = table.column(0)
        table = table.remove_column(0)
        values, kind = _resolve(name, column, decimal_comma=decimal_comma)
        del column
        series[name] = values.reset_index(drop=True)
        kinds.append(kind)
    return pd.DataFrame(series, copy=False), kinds
