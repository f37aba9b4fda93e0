"""Quality report, per-column statistics and the correlation matrix of a typed frame.

In: the typed DataFrame and its column kinds. Out: plain JSON-ready dicts (no NaN, no numpy
types: see `common.jsonsafe.json_safe`). The report carries document 000's `/api/data-quality` keys
(total_rows, total_columns, numeric_columns, categorical_columns, duplicate_rows, missing_values,
missing_percentage, memory_usage_mb) and more: constant and high-cardinality columns, IQR outlier
counts, values that were not numbers, duplicate ids, and warnings in plain words."""

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from common.jsonsafe import json_safe

from .kinds import ColumnKind

HIGH_CARDINALITY = 50  # a category with more distinct values than this is hard to use as one
MISSING_WARN_PERCENT = 5.0
OUTLIER_WARN_PERCENT = 1.0
TOP_VALUES = 10


@dataclass(frozen=True)
class ExactCounts:
    """Counts over a whole table too large to profile in memory (a registered Parquet dataset),
    computed apart (Dask aggregations); the frame given beside them is a sample of it."""

    rows: int
    missing: dict[str, int]  # per column
    duplicate_rows: int
    duplicate_ids: int


def _describe(series: pd.Series) -> dict[str, Any]:
    values = series.dropna().to_numpy(dtype="float64")
    if values.size == 0:
        return {"count": 0}
    with np.errstate(all="ignore"):  # huge values overflow to inf in std: reported as null
        return _figures(values)


def _figures(values: np.ndarray) -> dict[str, Any]:
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {
        "count": float(values.size),
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if values.size > 1 else None,
        "min": float(values.min()),
        "25%": float(q1),
        "50%": float(median),
        "75%": float(q3),
        "max": float(values.max()),
    }


def column_statistics(frame: pd.DataFrame, kinds: list[ColumnKind]) -> dict[str, dict[str, Any]]:
    """`describe()` figures for numeric columns, top values for categories, ranges for dates."""
    statistics: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        series = frame[kind.name]
        if kind.kind == "numeric":
            statistics[kind.name] = {"kind": "numeric", **_describe(series)}
        elif kind.kind == "datetime":
            present = series.dropna()
            statistics[kind.name] = {
                "kind": "datetime",
                "count": int(present.size),
                "min": present.min() if present.size else None,
                "max": present.max() if present.size else None,
            }
        else:
            present = series.dropna()
            entry: dict[str, Any] = {
                "kind": kind.kind,
                "count": int(present.size),
                "unique": kind.unique if kind.unique is not None else int(present.nunique()),
            }
            if kind.kind == "categorical":
                counts = present.value_counts().head(TOP_VALUES)
                entry["top"] = counts.index[0] if len(counts) else None
                entry["freq"] = int(counts.iloc[0]) if len(counts) else 0
                entry["top_values"] = [
                    {"value": value, "count": int(count)} for value, count in counts.items()
                ]
            statistics[kind.name] = entry
    return json_safe(statistics, strip_nul=True)


_CORRELATION_BLOCK_ROWS = 65_536


def _numbers(series: pd.Series) -> np.ndarray:
    """The column's numbers without a copy where its storage already is a numpy number array."""
    values = series.to_numpy()
    if values.dtype.kind in "fiu":
        return values
    return series.to_numpy(dtype="float64", na_value=np.nan)


def pairwise_pearson(columns: list[np.ndarray]) -> np.ndarray:
    """Pearson correlation of every pair of columns over the rows where both have a value (what
    `DataFrame.corr` gives; NaN where undefined), summed a block of rows at a time: memory stays
    at one block instead of a float copy of every column, and it is several times faster."""
    k = len(columns)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of a column with no value
        means = np.array([np.nanmean(np.asarray(c, dtype="float64")) for c in columns])
        count = np.zeros((k, k))  # [i, j]: rows where both i and j have a value
        sums = np.zeros((k, k))  # [i, j]: sum of x_i over the rows where j has a value
        squares = np.zeros((k, k))  # [i, j]: sum of x_i ** 2 over the rows where j has a value
        products = np.zeros((k, k))  # [i, j]: sum of x_i * x_j over the rows where both have one
        n_rows = len(columns[0]) if k else 0
        for start in range(0, n_rows, _CORRELATION_BLOCK_ROWS):
            stop = min(start + _CORRELATION_BLOCK_ROWS, n_rows)
            block = np.empty((stop - start, k))
            for j, column in enumerate(columns):  # centred: the sums below stay accurate
                block[:, j] = np.asarray(column[start:stop], dtype="float64") - means[j]
            present = ~np.isnan(block)
            block[~present] = 0.0
            weights = present.astype("float64")
            count += weights.T @ weights
            sums += block.T @ weights
            squares += (block * block).T @ weights
            products += block.T @ block
        covariance = products - sums * sums.T / count
        variance_x = squares - sums**2 / count
        variance_y = variance_x.T
        matrix = covariance / np.sqrt(variance_x * variance_y)
    matrix[(count < 2) | (variance_x <= 0) | (variance_y <= 0)] = np.nan
    return np.clip(matrix, -1.0, 1.0)


def correlation_matrix(frame: pd.DataFrame, kinds: list[ColumnKind]) -> dict[str, Any]:
    """Pearson correlations of the numeric columns (ids excluded); undefined pairs are None."""
    features = [kind.name for kind in kinds if kind.kind == "numeric"]
    if not features:
        return {"features": [], "matrix": []}
    matrix = pairwise_pearson([_numbers(frame[name]) for name in features])
    return json_safe({"features": features, "matrix": matrix.round(6)}, strip_nul=True)


def _is_constant(series: pd.Series, kind: ColumnKind, stats: dict[str, Any]) -> bool:
    if kind.kind == "numeric":
        return stats.get("count", 0) == 0 or stats["min"] == stats["max"]
    if kind.unique is not None:
        return kind.unique <= 1
    return series.nunique(dropna=True) <= 1


def _outliers(series: pd.Series, stats: dict[str, Any]) -> int:
    if stats.get("count", 0) < 4:
        return 0
    spread = stats["75%"] - stats["25%"]
    low, high = stats["25%"] - 1.5 * spread, stats["75%"] + 1.5 * spread
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return int(np.count_nonzero((values < low) | (values > high)))


def quality_report(
    frame: pd.DataFrame,
    kinds: list[ColumnKind],
    *,
    statistics: dict[str, dict[str, Any]],
    id_column: str | None,
    notes: list[str] = (),
    counts: ExactCounts | None = None,
) -> dict[str, Any]:
    """Document 000's data-quality metrics plus checks a data scientist would run first. With
    `counts`, `frame` is a sample: rows, missing values and duplicates are the exact `counts`,
    the rest (outliers, constant columns, memory scaled up) is read on the sample."""
    rows = len(frame) if counts is None else counts.rows
    sample_rows = len(frame)
    by_kind = {
        name: [k.name for k in kinds if k.kind == name]
        for name in ("numeric", "categorical", "text", "id", "datetime")
    }
    if counts is None:
        missing = {name: int(count) for name, count in frame.isna().sum().items()}
    else:
        missing = {name: int(counts.missing.get(name, 0)) for name in frame.columns}
    missing_pct = {
        name: round(100.0 * count / rows, 2) if rows else 0.0 for name, count in missing.items()
    }
    id_kind = next((k for k in kinds if k.name == id_column), None)
    unique_ids = id_kind is not None and (
        id_kind.unique == rows if id_kind.unique is not None else frame[id_column].is_unique
    )
    if counts is not None:
        duplicates = counts.duplicate_rows
    else:
        duplicates = 0 if unique_ids else int(frame.duplicated().sum())
    warnings = list(notes)

    constant = [k.name for k in kinds if _is_constant(frame[k.name], k, statistics[k.name])]
    high_cardinality = [
        name
        for name in by_kind["categorical"]
        if statistics[name].get("unique", 0) > HIGH_CARDINALITY
    ]
    outliers = {name: _outliers(frame[name], statistics[name]) for name in by_kind["numeric"]}
    non_numeric = {
        k.name: {"count": k.coerced, "examples": list(k.examples)} for k in kinds if k.coerced
    }
    duplicate_ids = 0
    if counts is not None:
        duplicate_ids = counts.duplicate_ids if id_column is not None else 0
    elif id_column is not None and not unique_ids:
        duplicate_ids = int(frame[id_column].dropna().duplicated().sum())

    for name, info in non_numeric.items():
        shown = ", ".join(f"'{example}'" for example in info["examples"])
        kind = next(k.kind for k in kinds if k.name == name)
        what = "numbers" if kind == "numeric" else "dates"
        warnings.append(
            f"Column '{name}' had {info['count']} values that are not {what} (e.g. {shown}); "
            "they are treated as missing."
        )
    for name, percent in missing_pct.items():
        if percent > MISSING_WARN_PERCENT:
            warnings.append(
                f"Column '{name}' has {percent:g}% missing values; fill them in or leave the "
                "column out of clustering."
            )
    if duplicates:
        warnings.append(f"{duplicates} rows are exact duplicates of an earlier row.")
    if duplicate_ids:
        warnings.append(
            f"{duplicate_ids} customer ids in '{id_column}' appear more than once; look-ups by id "
            "return every row that has it."
        )
    for name in constant:
        warnings.append(
            f"Column '{name}' has the same value in every row; it cannot separate segments."
        )
    for name in high_cardinality:
        warnings.append(
            f"Column '{name}' has {statistics[name]['unique']} distinct values; too many to use as "
            "a category in clustering."
        )
    for name, count in outliers.items():
        if sample_rows and 100.0 * count / sample_rows > OUTLIER_WARN_PERCENT:
            warnings.append(
                f"Column '{name}' has {count} outliers (beyond 1.5 times the interquartile range)."
            )

    return json_safe(
        {
            "total_rows": rows,
            "total_columns": frame.shape[1],
            "numeric_columns": len(by_kind["numeric"]),
            "categorical_columns": len(by_kind["categorical"]) + len(by_kind["text"]),
            "id_columns": len(by_kind["id"]),
            "datetime_columns": len(by_kind["datetime"]),
            "duplicate_rows": duplicates,
            "duplicate_ids": duplicate_ids,
            "missing_values": missing,
            "missing_percentage": missing_pct,
            "total_missing": sum(missing.values()),
            "memory_usage_mb": round(
                frame.memory_usage(deep=True).sum() / 1024**2 * rows / max(sample_rows, 1), 3
            ),
            "constant_columns": constant,
            "high_cardinality_columns": high_cardinality,
            "outliers": outliers,
            "non_numeric_values": non_numeric,
            "warnings": warnings,
        },
        strip_nul=True,
    )
