"""The k sweep on a prepared model matrix: K-Means for each k, scored on shared samples.

In: the float32 matrix and the k values. Out: SweepCurves (inertia with the kneedle elbow,
silhouette, Davies-Bouldin, Calinski-Harabasz and the smallest segment's share per k; optimal k
by silhouette among the balanced solutions: one with a segment under MIN_SEGMENT_SHARE is not
recommended, and ``passed_over`` says why). Every k is scored
on the same row samples, so the curves compare like with like. Imports numpy, scikit-learn and
kneed only.
"""

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from clustering.engine import interpret
from clustering.engine.algorithms import fit_kmeans
from clustering.engine.balance import MIN_SEGMENT_SHARE, smallest_share
from clustering.engine.sampling import sample_rows


@dataclass(frozen=True)
class SweepCurves:
    """One entry per k, in k order."""

    k_values: tuple[int, ...]
    inertias: tuple[float, ...]
    silhouettes: tuple[float | None, ...]
    davies_bouldin: tuple[float | None, ...]
    calinski_harabasz: tuple[float | None, ...]
    smallest_shares: tuple[float, ...]  # the smallest segment's percent of the rows, per k
    optimal_k: int
    elbow_k: int | None
    silhouette_sample_size: int
    n_samples: int
    passed_over: tuple[str, ...]  # why a k with a better silhouette was not recommended


def sweep_matrix(
    matrix: np.ndarray,
    *,
    k_values: Sequence[int],
    seed: int,
    before_k: Callable[[int, int], None] | None = None,
) -> SweepCurves:
    """Fit K-Means (MiniBatch above its threshold) for each k; ``before_k(position, k)`` is
    called before each fit (progress and cancellation)."""
    rng = np.random.default_rng(seed)
    silhouette_rows = sample_rows(len(matrix), interpret.SILHOUETTE_SAMPLE_ROWS, seed=rng)
    score_rows = sample_rows(len(matrix), interpret.SCORE_SAMPLE_ROWS, seed=rng)
    inertias, davies, calinski, sample_labels, shares = [], [], [], [], []
    for position, k in enumerate(k_values):
        if before_k is not None:
            before_k(position, k)
        fitted = fit_kmeans(matrix, n_clusters=k, seed=seed)
        inertias.append(fitted.inertia)
        shares.append(smallest_share(fitted.labels))
        sample_labels.append(fitted.labels[silhouette_rows])
        scores = interpret.separation_scores(matrix, fitted.labels, rows=score_rows)
        davies.append(scores["davies_bouldin"])
        calinski.append(scores["calinski_harabasz"])
    usable = [len(np.unique(labels)) >= 2 for labels in sample_labels]
    scored = iter(
        interpret.silhouettes(
            matrix[silhouette_rows],
            [lab for lab, ok in zip(sample_labels, usable, strict=True) if ok],
        )
        if any(usable)
        else []
    )  # one pass over the sample's distances serves every k
    silhouettes = [next(scored) if ok else None for ok in usable]
    sample_size = len(silhouette_rows) if any(usable) else 0
    optimal, passed_over = _recommended(k_values, silhouettes, shares)
    return SweepCurves(
        k_values=tuple(k_values),
        inertias=tuple(inertias),
        silhouettes=tuple(silhouettes),
        davies_bouldin=tuple(davies),
        calinski_harabasz=tuple(calinski),
        smallest_shares=tuple(round(100.0 * share, 4) for share in shares),
        optimal_k=int(optimal),
        elbow_k=elbow(k_values, inertias),
        silhouette_sample_size=sample_size,
        n_samples=len(matrix),
        passed_over=passed_over,
    )


def _recommended(
    k_values: Sequence[int], silhouettes: Sequence[float | None], shares: Sequence[float]
) -> tuple[int, tuple[str, ...]]:
    """(the k of the best silhouette among solutions whose every segment holds at least
    MIN_SEGMENT_SHARE of the rows, the reasons better-scoring k were passed over). When no
    solution is balanced, the best silhouette, said so."""
    scored = [
        (s, k, share)
        for s, k, share in zip(silhouettes, k_values, shares, strict=True)
        if s is not None
    ]
    if not scored:
        return k_values[0], ()
    best = max(scored, key=lambda item: (item[0], -item[1]))
    balanced = [item for item in scored if item[2] >= MIN_SEGMENT_SHARE]
    if not balanced:
        return best[1], (
            f"Every k leaves a segment under {MIN_SEGMENT_SHARE:.0%} of the customers; k = "
            f"{best[1]} has the best silhouette. Look for outliers before trusting it.",
        )
    chosen = max(balanced, key=lambda item: (item[0], -item[1]))
    reasons = tuple(
        f"k = {k} is not recommended although its silhouette ({s:.3f}) is higher: its smallest "
        f"segment holds {share:.1%} of the customers (under {MIN_SEGMENT_SHARE:.0%})."
        for s, k, share in scored
        if share < MIN_SEGMENT_SHARE and (s, -k) > (chosen[0], -chosen[1])
    )
    return chosen[1], reasons


def elbow(k_values: Sequence[int], inertias: Sequence[float]) -> int | None:
    """The knee of the decreasing, convex inertia curve (kneedle); None when it has none."""
    if len(k_values) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kneed warns when a short curve has no knee
        from kneed import KneeLocator  # imports scipy.signal (~1 s): only when used

        knee = KneeLocator(
            list(k_values), list(inertias), curve="convex", direction="decreasing"
        ).knee
    return int(knee) if knee is not None else None
