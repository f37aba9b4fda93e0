"""Reading raw values as the model sees them: numbers as float64 (NaN = missing) and categories
as text. Used by training (preprocess) and by the compiled model alike, so a value means the same
at fit and at predict time. Imports numpy and pandas only.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def numeric_values(values: Any) -> np.ndarray:
    """Float64 values of a column; text that is not a number, None, NaN and +-inf become NaN."""
    if not isinstance(values, pd.Series):
        return np.array([to_float(value) for value in values], dtype=np.float64)
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.astype("datetime64[s]").astype("int64").to_numpy() / 86_400.0
        return np.where(values.isna().to_numpy(), np.nan, days)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(array).any():
        array = np.where(np.isinf(array), np.nan, array)
    return array


def category_string(value: Any) -> str | None:
    """The category a single value encodes as: 1, 1.0 and "1" are the same; missing is None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    text = str(value).strip()
    return text or None


def category_codes(values: Any, categories: Sequence[str]) -> np.ndarray:
    """Index of each value in ``categories``; -1 for missing or unknown values. O(n) hashing."""
    index = {category: position for position, category in enumerate(categories)}
    if isinstance(values, pd.Series):
        codes, uniques = factorize(values)
        mapped = np.array(
            [index.get(category_string(unique), -1) for unique in uniques] + [-1], dtype=np.int32
        )
        return mapped[codes]  # code -1 picks the trailing -1
    return np.array([index.get(category_string(value), -1) for value in values], dtype=np.int32)


def factorize(values: pd.Series) -> tuple[np.ndarray, Any]:
    try:
        return pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists, dicts from JSON): compare their text
        return pd.factorize(values.map(category_string, na_action="ignore"), use_na_sentinel=True)


def to_float(value: Any) -> float:
    """A number as float; None, text that is not a number and other objects become NaN."""
    if value is None or isinstance(value, bool):
        return float(value) if isinstance(value, bool) else np.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return np.nan
    return number if math.isfinite(number) else np.nan
