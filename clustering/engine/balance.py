"""Segment balance: no silent micro-segments. Every run reports its smallest segment's share; a
segment under MIN_SEGMENT_SHARE of the customers (and DBSCAN's noise group) gets a warning that
names it and says what it holds. The k sweep uses the same rule to pass over such solutions.
Imports numpy and the standard-library number formatting only.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from clustering.engine.labels import NOISE_LABEL
from common.numbers import PERCENT_DECIMALS, number_text

MIN_SEGMENT_SHARE = 0.01  # a segment under 1% of the customers is a micro-segment
MIN_SUGGESTED_K = 2  # the advice never suggests fewer segments than this
FAR_FROM_AVERAGE = 2.0  # "40x the average spend" is said from this ratio on


@dataclass(frozen=True)
class SegmentBalance:
    smallest_share: float | None  # percent of all customers, real segments only (not noise)
    smallest_label: int | None
    warnings: tuple[str, ...]


def smallest_share(labels: np.ndarray) -> float:
    """The smallest segment's share (0-1) of all rows; noise is not a segment."""
    counts = np.bincount(labels[labels != NOISE_LABEL])
    counts = counts[counts > 0]
    return float(counts.min() / len(labels)) if len(counts) else 0.0


def segment_balance(
    *,
    sizes: Mapping[int, int],
    names: Mapping[int, str],
    means: Mapping[int, Mapping[str, float | None]],
    overall_means: Mapping[str, float],
    n_rows: int,
    fewer_k: int | None,
    min_share: float = MIN_SEGMENT_SHARE,
) -> SegmentBalance:
    """The smallest segment and a warning for each segment under ``min_share`` and for the noise
    group: its name, size, share and what sets it apart (the feature whose mean is furthest
    above or below the average), with what to do (``fewer_k``: the k to try instead)."""
    segments = [label for label in sizes if label != NOISE_LABEL and sizes[label] > 0]
    if not segments or not n_rows:
        return SegmentBalance(None, None, ())
    smallest = min(segments, key=lambda label: (sizes[label], label))
    micro = sum(1 for label in segments if sizes[label] / n_rows < min_share)
    if fewer_k is not None and micro > 1:  # one k fewer per micro-segment
        fewer_k = fewer_k - (micro - 1) if fewer_k - (micro - 1) >= MIN_SUGGESTED_K else None
    warnings = []
    for label in sorted(sizes, key=lambda lab: (sizes[lab], lab)):
        size = sizes[label]
        share = size / n_rows
        if label == NOISE_LABEL and size:
            warnings.append(
                f"{_customers(size)} ({_percent(share)}) are noise, in no segment"
                f"{_apart(means.get(label, {}), overall_means)}: look at them separately or "
                "change eps / min_samples."
            )
        elif label != NOISE_LABEL and size and share < min_share:
            advice = "consider excluding them" + (f" or k={fewer_k}" if fewer_k else "")
            warnings.append(
                f"Segment '{names.get(label, label)}' holds {_customers(size)} ({_percent(share)}, "
                f"under {min_share:.0%}){_apart(means.get(label, {}), overall_means)}: "
                f"outliers, {advice}."
            )
    return SegmentBalance(round(100.0 * sizes[smallest] / n_rows, 4), smallest, tuple(warnings))


def _customers(size: int) -> str:
    return f"{size:,} customer{'' if size == 1 else 's'}"


def _percent(share: float) -> str:
    """ "0.9%", and a share too small for one decimal in two significant digits: "0.033%"."""
    return f"{number_text(100.0 * share, PERCENT_DECIMALS)}%"


def _apart(means: Mapping[str, float | None], overall: Mapping[str, float]) -> str:
    """ ", 40x the average monetary" for the numeric feature furthest from its average."""
    best: tuple[float, str, float] | None = None
    for name, value in means.items():
        average = overall.get(name)
        if value is None or average is None or not np.isfinite(average) or average <= 0:
            continue
        ratio = value / average
        strength = max(ratio, 1 / ratio) if ratio > 0 else 0.0
        if best is None or strength > best[0]:
            best = (strength, name, ratio)
    if best is None or best[0] < FAR_FROM_AVERAGE:
        return ""
    _, name, ratio = best
    if ratio >= 1:
        return f", {ratio:.0f}x the average {name}"
    return f", {1 / ratio:.0f}x below the average {name}"
