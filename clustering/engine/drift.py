"""Drift of new data against a run's training data: per feature the population stability index
(PSI), the predicted segment shares of the new rows against the published ones, a verdict and
advice in words. Imports numpy, pandas, the engine's value readers and `common.numbers` only.

PSI = sum over bins of (a - e) * ln(a / e), with e the training share and a the new share of a
bin. Bins of a numeric feature: the training data's deciles (the 10 %, ..., 90 % quantiles of
its finite values; tied cut points merge, so a feature with few distinct values has fewer bins),
each bin (lower, upper], plus one bin for missing values. Bins of a categorical feature: each
category seen in training, one bin grouping every category training never saw, one bin for
missing values. A share of 0 (a bin empty on either side) counts as PSI_EPSILON, so ln stays
finite: a bin that is empty on both sides adds nothing, and a bin empty in training but holding
a share a of the new rows adds (a - 1e-4) * ln(a / 1e-4).

Verdict: "major" when any feature's PSI exceeds MAJOR_PSI (0.25) or a segment's predicted share
moved by more than SEGMENT_SHIFT_POINTS (10 percentage points) from its published share;
"moderate" when any PSI is at least STABLE_PSI (0.1); "stable" otherwise.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from clustering.engine.values import category_string, factorize, numeric_values
from common.numbers import PERCENT_DECIMALS, number_text

PSI_EPSILON = 1e-4  # the share an empty bin counts as (either side), so ln(a / e) stays finite
STABLE_PSI = 0.1  # below this on every feature: stable
MAJOR_PSI = 0.25  # above this on any feature: major
SEGMENT_SHIFT_POINTS = 10.0  # a predicted share moved by more than this (points): major
SEGMENT_NOTE_POINTS = 5.0  # the advice names a segment whose share moved by this many points
DECILES = np.linspace(0.1, 0.9, 9)
MISSING_BIN = "missing"
UNSEEN_BIN = "unseen categories"
STATUSES = ("stable", "moderate", "major")


@dataclass(frozen=True)
class FeatureReference:
    """One feature's bins as the training data fills them: for a numeric feature its decile cut
    points (`edges`), for a categorical one its categories; `shares` per bin, the missing bin
    last (and, for categories, the unseen bin before it, always 0 in training)."""

    name: str
    kind: str  # "numeric" or "categorical"
    shares: tuple[float, ...]
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "shares": list(self.shares),
            "edges": list(self.edges),
            "categories": list(self.categories),
        }

    @classmethod
    def of(cls, data: Mapping) -> "FeatureReference":
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            shares=tuple(float(s) for s in data["shares"]),
            edges=tuple(float(e) for e in data.get("edges") or ()),
            categories=tuple(str(c) for c in data.get("categories") or ()),
        )

    def bin_labels(self) -> list[str]:
        if self.kind == "numeric":
            edges = [number_text(edge) for edge in self.edges]
            if not edges:
                return ["all values", MISSING_BIN]
            middle = [f"{low} to {high}" for low, high in pairwise(edges)]
            return [f"≤ {edges[0]}", *middle, f"> {edges[-1]}", MISSING_BIN]
        return [*self.categories, UNSEEN_BIN, MISSING_BIN]


@dataclass(frozen=True)
class FeatureDrift:
    name: str
    kind: str
    psi: float
    level: str  # "stable", "moderate" or "major"
    bins: list[dict] = field(default_factory=list)  # label, expected and actual share (0-1)
    unseen_share: float = 0.0  # categorical: share of new rows in categories training never saw


@dataclass(frozen=True)
class SegmentDrift:
    label: int
    name: str
    published_share: float  # 0-100
    new_share: float  # 0-100
    shift_points: float  # new - published


@dataclass(frozen=True)
class DriftResult:
    status: str
    n_rows: int
    features: list[FeatureDrift]
    segments: list[SegmentDrift]
    advice: list[str]

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "n_rows": self.n_rows,
            "features": [asdict(feature) for feature in self.features],
            "segments": [asdict(segment) for segment in self.segments],
            "advice": list(self.advice),
        }


# --- reference bins (training data) -------------------------------------------------------------


def numeric_reference(name: str, values: pd.Series | np.ndarray) -> FeatureReference:
    """Decile cut points of the training values and the share of each bin (missing last)."""
    x = numeric_values(values) if isinstance(values, pd.Series) else np.asarray(values, float)
    finite = x[np.isfinite(x)]
    edges = np.unique(np.quantile(finite, DECILES)) if finite.size else np.array([])
    return FeatureReference(
        name=name,
        kind="numeric",
        edges=tuple(edges.tolist()),
        shares=tuple(_shares(numeric_bins(edges, x), len(edges) + 2).tolist()),
    )


def categorical_reference(name: str, values: pd.Series) -> FeatureReference:
    """The training categories (most frequent first) and the share of each (unseen bin: 0,
    missing last)."""
    codes, uniques = factorize(pd.Series(values))
    texts = [category_string(unique) for unique in uniques]
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    totals: dict[str, int] = {}
    for text, count in zip(texts, counts.tolist(), strict=True):
        if text is not None:
            totals[text] = totals.get(text, 0) + count
    categories = tuple(sorted(totals, key=lambda text: (-totals[text], text)))
    reference = FeatureReference(name=name, kind="categorical", categories=categories, shares=())
    n_bins = len(categories) + 2
    shares = _shares(categorical_bins(reference, values), n_bins)
    return FeatureReference(
        name=name, kind="categorical", categories=categories, shares=tuple(shares.tolist())
    )


def references_of(
    frame: pd.DataFrame, *, numeric: Sequence[str], categorical: Sequence[str]
) -> list[FeatureReference]:
    """The reference bins of every feature of a training frame, numeric features first."""
    return [numeric_reference(name, frame[name]) for name in numeric] + [
        categorical_reference(name, frame[name]) for name in categorical
    ]


# --- binning -------------------------------------------------------------------------------------


def numeric_bins(edges: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Bin of each value: i for (edges[i-1], edges[i]], len(edges) above the last cut point,
    len(edges) + 1 for missing (NaN, infinities). One searchsorted, no sort of the values."""
    edges = np.asarray(edges, dtype=np.float64)
    bins = np.searchsorted(edges, x, side="left")
    return np.where(np.isfinite(x), bins, len(edges) + 1)


def categorical_bins(reference: FeatureReference, values: pd.Series | Sequence) -> np.ndarray:
    """Bin of each value: the position of its category, len(categories) for a category training
    never saw, len(categories) + 1 for missing. Hashes each distinct value once."""
    index = {category: position for position, category in enumerate(reference.categories)}
    unseen, missing = len(reference.categories), len(reference.categories) + 1
    codes, uniques = factorize(pd.Series(values) if not isinstance(values, pd.Series) else values)
    mapped = []
    for unique in uniques:
        text = category_string(unique)
        mapped.append(missing if text is None else index.get(text, unseen))
    lookup = np.array([*mapped, missing], dtype=np.int64)  # code -1 (NA) picks the last
    return lookup[codes]


def _shares(bins: np.ndarray, n_bins: int) -> np.ndarray:
    counts = np.bincount(bins, minlength=n_bins).astype(np.float64)
    total = counts.sum()
    return counts / total if total else counts


def bin_shares(reference: FeatureReference, values: pd.Series) -> np.ndarray:
    """The share of new values in each of the reference's bins."""
    n_bins = len(reference.shares)
    if reference.kind == "numeric":
        return _shares(numeric_bins(np.asarray(reference.edges), numeric_values(values)), n_bins)
    return _shares(categorical_bins(reference, values), n_bins)


def psi(
    expected: Sequence[float], actual: Sequence[float], *, epsilon: float = PSI_EPSILON
) -> float:
    """Population stability index of two share vectors over the same bins; a share below
    `epsilon` counts as `epsilon`."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), epsilon)
    a = np.maximum(np.asarray(actual, dtype=np.float64), epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_level(value: float) -> str:
    if value > MAJOR_PSI:
        return "major"
    if value >= STABLE_PSI:
        return "moderate"
    return "stable"


# --- the report ----------------------------------------------------------------------------------


def feature_drift(reference: FeatureReference, values: pd.Series) -> FeatureDrift:
    actual = bin_shares(reference, values)
    value = psi(reference.shares, actual)
    labels = reference.bin_labels()
    bins = [
        {"label": label, "expected": round(float(e), 6), "actual": round(float(a), 6)}
        for label, e, a in zip(labels, reference.shares, actual.tolist(), strict=True)
    ]
    unseen = float(actual[len(reference.categories)]) if reference.kind == "categorical" else 0.0
    return FeatureDrift(
        name=reference.name,
        kind=reference.kind,
        psi=round(value, 6),
        level=psi_level(value),
        bins=bins,
        unseen_share=round(unseen, 6),
    )


def segment_drift(
    labels: np.ndarray, published: Mapping[int, tuple[str, float]]
) -> list[SegmentDrift]:
    """Predicted shares (0-100) of the new rows per published segment (label -> (name, share
    0-100)); a label predicted that the run never published is listed with share 0."""
    labels = np.asarray(labels, dtype=np.int64)
    n_rows = len(labels)
    present, counts = np.unique(labels, return_counts=True)
    new = {
        int(label): 100.0 * int(count) / n_rows
        for label, count in zip(present, counts, strict=True)
    }
    segments = []
    for label in sorted(set(published) | set(new)):
        name, share = published.get(label, (f"Segment {label}", 0.0))
        now = new.get(label, 0.0)
        segments.append(
            SegmentDrift(
                label=label,
                name=name,
                published_share=round(float(share), 4),
                new_share=round(now, 4),
                shift_points=round(now - float(share), 4),
            )
        )
    return segments


def classify(features: Sequence[FeatureDrift], segments: Sequence[SegmentDrift]) -> str:
    """ "major", "moderate" or "stable" (rules in the module's docstring)."""
    worst = max((feature.psi for feature in features), default=0.0)
    moved = any(abs(segment.shift_points) > SEGMENT_SHIFT_POINTS for segment in segments)
    if worst > MAJOR_PSI or moved:
        return "major"
    if worst >= STABLE_PSI:
        return "moderate"
    return "stable"


MIN_RELIABLE_ROWS = 100  # fewer new rows make a PSI mostly noise: the advice says so


def _percent(value: float) -> str:
    return f"{number_text(value, PERCENT_DECIMALS)} %"


def _missing_share(feature: FeatureDrift) -> float:
    """The share of new rows with no usable value (the last bin: empty, or text in a numeric
    column)."""
    return float(feature.bins[-1]["actual"]) if feature.bins else 0.0


def advice(
    status: str,
    features: Sequence[FeatureDrift],
    segments: Sequence[SegmentDrift],
    *,
    n_rows: int | None = None,
) -> list[str]:
    """Sentences for the analyst, the largest drift first: each feature of PSI 0.1 or more
    ("income moved (PSI 0.31): retrain."), each segment whose predicted share moved by
    SEGMENT_NOTE_POINTS or more ("Predicted share of 'At risk' rose from 12 % to 21 %."), and
    a closing sentence for stable or major drift. Feature names are written as they are."""
    sentences = []
    if n_rows is not None and 0 < n_rows < MIN_RELIABLE_ROWS:
        sentences.append(
            f"Only {number_text(n_rows)} row{'' if n_rows == 1 else 's'}: PSI means little below "
            f"{number_text(MIN_RELIABLE_ROWS)} rows, so judge the drift again with more data"
        )
    for feature in sorted(features, key=lambda f: -f.psi):
        shown = number_text(feature.psi, 2)
        if feature.bins and _missing_share(feature) >= 1.0:
            kind = "text or " if feature.kind == "numeric" else ""
            sentences.append(
                f"{feature.name} has no usable value in these rows (only {kind}empty cells): "
                "fix the column before reading its drift"
            )
            continue
        if feature.level == "major":
            sentences.append(f"{feature.name} moved (PSI {shown}): retrain")
        elif feature.level == "moderate":
            sentences.append(f"{feature.name} moved a little (PSI {shown}): keep an eye on it")
        if feature.unseen_share > 0:
            sentences.append(
                f"{_percent(100 * feature.unseen_share)} of the rows have a {feature.name} value "
                "the training data never had; the model places them as none of its categories"
            )
    for segment in sorted(segments, key=lambda s: -abs(s.shift_points)):
        if abs(segment.shift_points) >= SEGMENT_NOTE_POINTS:
            verb = "rose" if segment.shift_points > 0 else "fell"
            sentences.append(
                f"Predicted share of '{segment.name}' {verb} from "
                f"{_percent(segment.published_share)} to {_percent(segment.new_share)}"
            )
    if status == "stable":
        sentences.append(
            f"No feature moved (every PSI below {number_text(STABLE_PSI, 1)}) and every predicted "
            f"segment share is within {number_text(SEGMENT_SHIFT_POINTS)} points of the "
            "published one: the published segmentation fits this data"
        )
    elif status == "major":
        sentences.append("Train a new run on data like this before relying on its segments")
    return [f"{sentence}." for sentence in sentences]


def drift_report(
    references: Sequence[FeatureReference],
    frame: pd.DataFrame,
    *,
    labels: np.ndarray,
    published: Mapping[int, tuple[str, float]],
) -> DriftResult:
    """The drift of `frame` (new rows, every reference's column) against the references, with
    the new rows' predicted `labels` against the `published` segment shares."""
    features = [feature_drift(reference, frame[reference.name]) for reference in references]
    segments = segment_drift(labels, published) if len(frame) else []
    status = classify(features, segments)
    return DriftResult(
        status=status,
        n_rows=len(frame),
        features=features,
        segments=segments,
        advice=advice(status, features, segments, n_rows=len(frame)),
    )
