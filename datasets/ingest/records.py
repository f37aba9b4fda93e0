"""Rows of a typed frame as JSON objects, built column-wise with Arrow (no Python loop per row).

In: a slice of the typed DataFrame. Out: a pyarrow string array, one compact JSON object per row,
`{"column":value,...}` in column order: numbers as JSON numbers, text as escaped JSON strings,
dates as ISO text, and missing values, NaN and infinities as null. What `json.loads` reads back
equals the row (tested against `json.dumps`). Used to bulk-load customers without building a
Python dict per row."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_CONTROL = r"[\x00-\x1f]"
_NEEDS_ESCAPE = r'[\\"\x00-\x1f]'
_SIMPLE_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _json_strings(values: pa.Array) -> pa.Array:
    """Each string as a JSON string literal; null stays null."""
    if pc.any(pc.match_substring_regex(values, _NEEDS_ESCAPE)).as_py():
        original = values
        for plain, escaped in _SIMPLE_ESCAPES:
            values = pc.replace_substring(values, plain, escaped)
        rare = pc.match_substring_regex(values, _CONTROL)
        if pc.any(rare).as_py():  # other control characters: escape those few rows in Python
            values = pa.array(
                [
                    json.dumps(raw)[1:-1] if flag else text
                    for raw, text, flag in zip(
                        original.to_pylist(), values.to_pylist(), rare.to_pylist(), strict=True
                    )
                ],
                pa.string(),
            )
    return pc.binary_join_element_wise('"', values, '"', "")


def _json_values(series: pd.Series) -> pa.Array:
    """The column's values as JSON literals (text), null where missing."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return pc.if_else(pa.array(series, pa.bool_()), "true", "false")
    if pd.api.types.is_integer_dtype(series.dtype):
        return pc.cast(pa.array(series), pa.string())
    if pd.api.types.is_float_dtype(series.dtype):
        numbers = series.to_numpy(dtype="float64")
        array = pa.array(numbers, mask=~np.isfinite(numbers))
        return pc.cast(array, pa.string())
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        seconds = pc.cast(pa.array(series), pa.timestamp("s"), safe=False)
        text = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S")
        return pc.binary_join_element_wise('"', text, '"', "")
    if isinstance(series.dtype, pd.CategoricalDtype):  # escape each category once, then take
        categories = pa.array(series.cat.categories.astype("str"), pa.string())
        codes = pa.array(series.cat.codes.to_numpy(), mask=series.cat.codes.to_numpy() < 0)
        return pc.take(_json_strings(categories), codes)
    array = pa.array(series.astype("str"), from_pandas=True)
    return _json_strings(pc.cast(array, pa.string()))


def json_objects(frame: pd.DataFrame) -> pa.Array:
    """One JSON object per row of `frame`; every value is valid JSON (no NaN, no bare control)."""
    parts: list[pa.Array | str] = ["{"]
    for position, name in enumerate(frame.columns):
        key = ("" if position == 0 else ",") + json.dumps(str(name)) + ":"
        values = pc.fill_null(_json_values(frame[name]), "null")
        parts.extend([key, values])
    parts.append("}")
    objects = pc.binary_join_element_wise(*parts, "")
    # Columns read in several blocks are chunked; callers get one contiguous array.
    return objects.combine_chunks() if isinstance(objects, pa.ChunkedArray) else objects
