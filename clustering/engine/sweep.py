"""The k sweep on a prepared model matrix: K-Means for each k, scored on shared samples.

In: the float32 matrix and the k values. Out: SweepCurves (inertia with the kneedle elbow,
silhouette, Davies-Bouldin, Calinski-Harabasz per k; optimal k by silhouette). Every k is scored
on the same row samples, so the curves compare like with like. Imports numpy, scikit-learn and
kneed only.
"""

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from clustering.engine import interpret
from clustering.engine.algorithms import fit_kmeans
from clustering.engine.sampling import sample_rows


@dataclass(frozen=True)
class SweepCurves:
    """One entry per k, in k order."""

    k_values: tuple[int, ...]
    inertias: tuple[float, ...]
    silhouettes: tuple[float | None, ...]
    davies_bouldin: tuple[float | None, ...]
    calinski_harabasz: tuple[float | None, ...]
    optimal_k: int
    elbow_k: int | None
    silhouette_sample_size: int
    n_samples: int


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
    inertias, davies, calinski, sample_labels = [], [], [], []
    for position, k in enumerate(k_values):
        if before_k is not None:
            before_k(position, k)
        fitted = fit_kmeans(matrix, n_clusters=k, seed=seed)
        inertias.append(fitted.inertia)
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
    valid = [(s, k) for s, k in zip(silhouettes, k_values, strict=True) if s is not None]
    optimal = max(valid, key=lambda item: (item[0], -item[1]))[1] if valid else k_values[0]
    return SweepCurves(
        k_values=tuple(k_values),
        inertias=tuple(inertias),
        silhouettes=tuple(silhouettes),
        davies_bouldin=tuple(davies),
        calinski_harabasz=tuple(calinski),
        optimal_k=int(optimal),
        elbow_k=elbow(k_values, inertias),
        silhouette_sample_size=sample_size,
        n_samples=len(matrix),
    )


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
