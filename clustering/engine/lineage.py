"""Lineage between two clustering runs: which segment of the old run became which of the new one.

Pure (numpy, pandas, scipy): two assignment tables (customer key -> segment label) and the
segments' centroids in original units in, a `Lineage` out. Vectorised throughout: the keys of both
tables are factorised together once, every count is a `np.bincount`; nothing loops over customers.

- Customers are matched by key (the external id). A key found twice in one table counts once,
  with its first row.
- Segments are matched one to one (Hungarian method, `scipy.optimize.linear_sum_assignment`):
  on the Jaccard overlap of their customers when the runs share customers (a pair overlapping
  less than MIN_MATCH_JACCARD is not a match: most of either segment's customers are elsewhere,
  so neither continues the other), else on the distance between centroids over the features
  both runs have, each feature standardised by its spread across the centroids of both runs.
- A mover is a customer in both runs whose new segment is not the match of their old one;
  customers only in the new run entered, customers only in the old one left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

BASIS_CUSTOMERS = "customers"  # matched on shared customers (Jaccard)
BASIS_CENTROIDS = "centroids"  # no shared customer: matched on centroid distance
CARRY_OVER_JACCARD = 0.5  # a matched segment at least this similar keeps the old name
# Below this overlap the Hungarian method's pairing is a leftover, not a continuation: an old
# segment of 1,000 customers and a new one of 1,000 sharing 330 (20%) still is one.
MIN_MATCH_JACCARD = 0.2

Centroids = Mapping[int, Mapping[str, Any]]


@dataclass(frozen=True)
class SegmentPair:
    """A matched (old segment, new segment): shared customers, Jaccard overlap (None when matched
    on centroids), centroid distance on the standardised shared features and the shift of the
    centroid per feature (new minus old, original units)."""

    old_label: int
    new_label: int
    shared: int
    jaccard: float | None
    distance: float | None
    centroid_shift: dict[str, float]


@dataclass(frozen=True)
class Lineage:
    basis: str
    old_labels: list[int]
    new_labels: list[int]
    old_sizes: list[int]  # distinct customers per old label, in `old_labels` order
    new_sizes: list[int]
    pairs: list[SegmentPair]
    transitions: np.ndarray  # (old segments x new segments) customers in both runs
    entered: list[int]  # per new label: customers not in the old run
    left: list[int]  # per old label: customers not in the new run
    n_old: int
    n_new: int
    n_shared: int
    n_moved: int
    movers: pd.DataFrame = field(repr=False)  # columns key, from_label, to_label

    def match_of_old(self) -> dict[int, int]:
        return {pair.old_label: pair.new_label for pair in self.pairs}


def _label_positions(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct labels in ascending order, each row's position among them); O(n) for the
    small integer labels runs have."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    low = int(labels.min())
    shifted = labels - low
    present = np.bincount(shifted) > 0
    distinct = np.flatnonzero(present)
    lookup = np.full(present.size, -1, dtype=np.int64)
    lookup[distinct] = np.arange(distinct.size)
    return distinct + low, lookup[shifted]


def _slots(codes: np.ndarray, positions: np.ndarray, n_keys: int) -> np.ndarray:
    """Per distinct key: the segment position of its first row in this table, -1 when absent."""
    slots = np.full(n_keys, -1, dtype=np.int64)
    slots[codes[::-1]] = positions[::-1]  # the last write wins: reversed, the first row does
    return slots


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def shared_numeric_features(
    old_centroids: Centroids, new_centroids: Centroids, features: Sequence[str] | None = None
) -> list[str]:
    """The features with a number in every centroid of both runs (in `features` order if given,
    else the old run's centroid order)."""
    rows = [*old_centroids.values(), *new_centroids.values()]
    if not rows:
        return []
    candidates = list(features) if features is not None else list(rows[0])
    return [name for name in candidates if all(_numeric(row.get(name)) is not None for row in rows)]


def _centroid_matrix(centroids: Centroids, labels: np.ndarray, features: list[str]) -> np.ndarray:
    matrix = np.full((labels.size, len(features)), np.nan)
    for i, label in enumerate(labels.tolist()):
        row = centroids.get(label) or centroids.get(str(label)) or {}  # type: ignore[call-overload]
        for j, name in enumerate(features):
            value = _numeric(row.get(name))
            if value is not None:
                matrix[i, j] = value
    return matrix


def compare_assignments(
    old_keys: Sequence | np.ndarray,
    old_labels: Sequence[int] | np.ndarray,
    new_keys: Sequence | np.ndarray,
    new_labels: Sequence[int] | np.ndarray,
    *,
    old_centroids: Centroids | None = None,
    new_centroids: Centroids | None = None,
    features: Sequence[str] | None = None,
) -> Lineage:
    """The lineage from the old run's assignments to the new run's (see the module docstring).
    Centroids map a label to {feature: value in original units}; they give the centroid shift
    and, when no customer is shared, the matching."""
    old_keys = np.asarray(old_keys)
    new_keys = np.asarray(new_keys)
    if old_keys.shape[0] != len(old_labels) or new_keys.shape[0] != len(new_labels):
        raise ValueError("Each assignment table needs one label per key.")
    old_centroids = old_centroids or {}
    new_centroids = new_centroids or {}
    old_values, old_positions = _label_positions(np.asarray(old_labels))
    new_values, new_positions = _label_positions(np.asarray(new_labels))
    n_old_segments, n_new_segments = old_values.size, new_values.size

    if old_keys.dtype.kind in "iu" and new_keys.dtype.kind in "iu":
        combined = np.concatenate([old_keys.astype(np.int64), new_keys.astype(np.int64)])
    else:
        combined = np.concatenate([old_keys.astype(object), new_keys.astype(object)])
    codes, uniques = pd.factorize(combined)
    n_keys = len(uniques)
    old_slot = _slots(codes[: old_keys.shape[0]], old_positions, n_keys)
    new_slot = _slots(codes[old_keys.shape[0] :], new_positions, n_keys)
    in_old, in_new = old_slot >= 0, new_slot >= 0
    both = in_old & in_new

    old_sizes = np.bincount(old_slot[in_old], minlength=n_old_segments)
    new_sizes = np.bincount(new_slot[in_new], minlength=n_new_segments)
    transitions = np.bincount(
        old_slot[both] * n_new_segments + new_slot[both],
        minlength=n_old_segments * n_new_segments,
    ).reshape(n_old_segments, n_new_segments)
    entered = np.bincount(new_slot[in_new & ~in_old], minlength=n_new_segments)
    left = np.bincount(old_slot[in_old & ~in_new], minlength=n_old_segments)
    n_shared = int(transitions.sum())

    shared_features = shared_numeric_features(old_centroids, new_centroids, features)
    old_matrix = _centroid_matrix(old_centroids, old_values, shared_features)
    new_matrix = _centroid_matrix(new_centroids, new_values, shared_features)
    distances = _standardised_distances(old_matrix, new_matrix)

    matched: list[tuple[int, int]] = []
    if n_old_segments and n_new_segments:
        if n_shared:
            basis = BASIS_CUSTOMERS
            union = old_sizes[:, None] + new_sizes[None, :] - transitions
            jaccard = np.divide(
                transitions, union, out=np.zeros(transitions.shape), where=union > 0
            )
            rows, cols = linear_sum_assignment(jaccard, maximize=True)
            matched = [
                (r, c)
                for r, c in zip(rows, cols, strict=True)
                if transitions[r, c] > 0 and jaccard[r, c] >= MIN_MATCH_JACCARD
            ]
        else:
            basis = BASIS_CENTROIDS
            jaccard = np.zeros(transitions.shape)
            if distances is not None:
                rows, cols = linear_sum_assignment(np.nan_to_num(distances, nan=np.inf))
                matched = list(zip(rows, cols, strict=True))
    else:
        basis = BASIS_CUSTOMERS if n_shared else BASIS_CENTROIDS
        jaccard = np.zeros(transitions.shape)

    pairs = []
    for r, c in sorted(matched, key=lambda rc: int(old_values[rc[0]])):
        shift = {
            name: float(new_matrix[c, j] - old_matrix[r, j])
            for j, name in enumerate(shared_features)
            if np.isfinite(new_matrix[c, j] - old_matrix[r, j])
        }
        pairs.append(
            SegmentPair(
                old_label=int(old_values[r]),
                new_label=int(new_values[c]),
                shared=int(transitions[r, c]),
                jaccard=float(jaccard[r, c]) if basis == BASIS_CUSTOMERS else None,
                distance=None if distances is None else _finite(distances[r, c]),
                centroid_shift=shift,
            )
        )

    # Movers: in both runs, and the new segment is not the match of the old one.
    partner = np.full(max(n_old_segments, 1), -1, dtype=np.int64)
    for r, c in matched:
        partner[r] = c
    shared_slots = np.flatnonzero(both)
    from_positions = old_slot[shared_slots]
    to_positions = new_slot[shared_slots]
    moved = partner[from_positions] != to_positions
    mover_slots = shared_slots[moved]
    movers = pd.DataFrame(
        {
            "key": np.asarray(uniques)[mover_slots],
            "from_label": old_values[from_positions[moved]],
            "to_label": new_values[to_positions[moved]],
        }
    )
    return Lineage(
        basis=basis,
        old_labels=old_values.tolist(),
        new_labels=new_values.tolist(),
        old_sizes=old_sizes.tolist(),
        new_sizes=new_sizes.tolist(),
        pairs=pairs,
        transitions=transitions,
        entered=entered.tolist(),
        left=left.tolist(),
        n_old=int(in_old.sum()),
        n_new=int(in_new.sum()),
        n_shared=n_shared,
        n_moved=int(moved.sum()),
        movers=movers,
    )


def _finite(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _standardised_distances(old: np.ndarray, new: np.ndarray) -> np.ndarray | None:
    """Euclidean distances between every old and new centroid, each feature divided by its
    standard deviation over all centroids of both runs (1 where it does not vary). None without
    a shared feature."""
    if old.shape[1] == 0 or old.shape[0] == 0 or new.shape[0] == 0:
        return None
    stacked = np.vstack([old, new])
    spread = np.nanstd(stacked, axis=0)
    spread[~np.isfinite(spread) | (spread == 0)] = 1.0
    a, b = old / spread, new / spread
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def carried_names(
    lineage: Lineage | Sequence[SegmentPair],
    *,
    old_names: Mapping[int, str],
    new_names: Mapping[int, str],
    locked: set[int] | frozenset[int] = frozenset(),
    threshold: float = CARRY_OVER_JACCARD,
) -> dict[int, str]:
    """New label -> name after carrying names over: a new segment matched to an old one with a
    Jaccard of at least `threshold` takes the old name, unless its label is `locked` (renamed
    by an analyst). Names stay unique within the run: a segment whose own name is taken by a
    carried one gets a numbered variant. Only labels whose name changes are returned."""
    pairs = lineage.pairs if isinstance(lineage, Lineage) else lineage
    final = dict(new_names)
    carried: dict[int, str] = {}
    strongest_first = sorted(
        (p for p in pairs if p.jaccard is not None and p.jaccard >= threshold),
        key=lambda p: -p.jaccard,  # type: ignore[operator]
    )
    for pair in strongest_first:
        name = old_names.get(pair.old_label)
        if not name or pair.new_label in locked or pair.new_label not in final:
            continue
        if name in carried.values():
            continue
        if any(n == name for label, n in final.items() if label != pair.new_label) and any(
            n == name and label in locked for label, n in final.items()
        ):
            continue  # an analyst's name is never displaced
        carried[pair.new_label] = name
        final[pair.new_label] = name
    for label in sorted(final):
        if label in carried or label in locked:
            continue
        taken = {n for other, n in final.items() if other != label}
        if final[label] in taken:
            base, number = final[label], 2
            while f"{base} ({number})" in taken:
                number += 1
            final[label] = f"{base} ({number})"
    return {label: name for label, name in final.items() if name != new_names.get(label)}
