"""Exact per-segment profiles of a table too large for one process, from a group-by's count, mean,
variance, minimum and maximum per segment (`numeric_exact`), folded into the explanation of a
sample (`with_exact`): sizes, shares, means, spreads, minima and maxima of every row."""

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from clustering.engine import interpret


def numeric_exact(table: pd.DataFrame, numeric: list[str]) -> tuple[dict, dict]:
    """Per cluster and overall: mean, std (ddof 1), min, max of each numeric feature, from the
    group-by's count, mean, variance, min and max (the overall figures combined exactly)."""
    per_label: dict[int, dict[str, dict[str, float | None]]] = {}
    overall: dict[str, dict[str, float | None]] = {s: {} for s in ("mean", "std", "min", "max")}
    for label in table.index:
        per_label[int(label)] = {s: {} for s in ("mean", "std", "min", "max")}
    for name in numeric:
        count = table[(name, "count")].astype(float)
        mean = table[(name, "mean")].astype(float)
        var = table[(name, "var")].astype(float).fillna(0.0)
        for label in table.index:
            stats = per_label[int(label)]
            present = count[label] > 0
            stats["mean"][name] = _finite(mean[label]) if present else None
            stats["std"][name] = _finite(np.sqrt(var[label])) if count[label] > 1 else 0.0
            stats["min"][name] = _finite(table.loc[label, (name, "min")]) if present else None
            stats["max"][name] = _finite(table.loc[label, (name, "max")]) if present else None
        total = float(count.sum())
        if total <= 0:
            for stat in overall:
                overall[stat][name] = None
            continue
        kept = count > 0
        grand = float((count[kept] * mean[kept]).sum() / total)
        within = (count[kept] - 1) * var[kept]
        spread = float((within + count[kept] * (mean[kept] - grand) ** 2).sum())
        overall["mean"][name] = grand
        overall["std"][name] = float(np.sqrt(spread / (total - 1))) if total > 1 else 0.0
        overall["min"][name] = _finite(table[(name, "min")].min())
        overall["max"][name] = _finite(table[(name, "max")].max())
    return per_label, overall


def with_exact(
    explanation: interpret.Explanation, *, sizes: dict[int, int], n_rows: int, numeric: tuple
) -> interpret.Explanation:
    """The sample's explanation with the exact sizes, shares and numeric profiles of all rows."""
    per_label, overall = numeric
    percentages = {label: round(100.0 * sizes.get(label, 0) / n_rows, 2) for label in sizes}
    profiles, numeric_z = {}, {}
    for label in explanation.label_values:
        profile = dict(explanation.profiles[label])
        profile["count"], profile["percentage"] = sizes.get(label, 0), percentages.get(label, 0.0)
        for stat in ("mean", "std", "min", "max"):
            if label in per_label:
                profile[f"{stat}_values"] = per_label[label][stat]
        profiles[label] = profile
        numeric_z[label] = {
            name: _z(profile["mean_values"].get(name), overall["mean"][name], overall["std"][name])
            for name in overall.get("mean", {})
        } or explanation.numeric_z[label]
    return replace(
        explanation,
        sizes={label: sizes.get(label, 0) for label in explanation.label_values},
        percentages={label: percentages.get(label, 0.0) for label in explanation.label_values},
        profiles=profiles,
        numeric_z=numeric_z,
        overall_means=overall.get("mean") or explanation.overall_means,
    )


def _z(value: float | None, mean: float | None, std: float | None) -> float:
    if value is None or mean is None or not std:
        return 0.0
    return float((value - mean) / std)


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
