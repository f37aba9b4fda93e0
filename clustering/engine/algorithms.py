"""The clustering algorithms: a float32 model matrix + parameters in, an AlgorithmFit out.

Every algorithm ends with centroids in model space, so prediction is one rule for all of them
(nearest centroid; most probable component for a Gaussian mixture). Large inputs are handled
without O(n^2) work: MiniBatch K-Means above MINIBATCH_ABOVE_ROWS (started from the best of
several full K-Means starts on a sample, ``best_start``), hierarchical clustering and
DBSCAN fitted on a sample and extended to every row, the mixture fitted on a sample.
Imports numpy, scipy and scikit-learn only.
"""

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import cut_tree, linkage
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from clustering.engine.compiled import (
    PREDICT_CHUNK_ROWS,
    centroid_distances,
    confidence_from_distances,
)
from clustering.engine.errors import EngineInputError
from clustering.engine.labels import NOISE_LABEL
from clustering.engine.sampling import sample_rows

ALGORITHMS = ("kmeans", "minibatch_kmeans", "hierarchical", "dbscan", "gmm")
DISTRIBUTED_ALGORITHMS = ("kmeans",)  # with a form on a Dask cluster (engine/distributed.py)
LINKAGES = ("ward", "complete", "average", "single")
MIN_CLUSTERS, MAX_CLUSTERS = 2, 15
MINIBATCH_ABOVE_ROWS = 100_000  # full K-Means gains nothing but time past this (bench_engine)
MINIBATCH_BATCH_ROWS = 4_096  # large batches keep both cores busy; quality is unchanged
MINIBATCH_FIT_ROWS = 200_000  # mini-batches draw from this sample: a run converges within ~30
# batches of 4,096 rows anyway, and scikit-learn copies its whole input (56 MB at 1M x 14 float32)
MINIBATCH_TOL = 1e-4  # stop once centres settle: k=8 on 1M rows took 476 steps (13.8 s) without,
# 20 steps (0.7 s) with, for a 1% higher inertia
START_SAMPLE_ROWS = 20_000  # ``best_start`` picks its start on this many rows. One MiniBatch start
# settled in a poorer optimum of heavy-tailed customer tables: 500,000 purchase-log customers (k=4)
# 5 of 6 random states (1.69-1.74 a row against 1.56, ARI with the planted types 0.54-0.70 against
# 0.93), 1,000,000 generated rows (k=6) 1 of 6. The best of 10 starts on 10,000 or 20,000 rows
# found the best optimum 6 of 6 on both (0.1-0.25 s on one thread; 50,000 rows: 0.6-2.3 s)
START_COUNT = 10  # k-means++ starts of ``best_start`` unless n_init says otherwise
SMALL_DATA_ROWS = 10_000  # below this, 10 k-means++ starts cost nothing and avoid a poor optimum
HIERARCHICAL_MAX_ROWS = 5_000  # the linkage needs n^2/2 float64 distances: 100 MB at 5,000
DBSCAN_FIT_ROWS = 10_000  # neighbourhood lists grow with n^2 at worst: 50,000 rows took 58 s
DBSCAN_EXTEND_CORES = 2_000  # core points searched when extending a sampled fit to every row
GMM_FIT_ROWS = 100_000  # full-covariance EM on more rows changes little and costs minutes
EPS_SAMPLE_ROWS = 10_000  # the k-distance curve is estimated on this many rows
SINGLE_THREAD_ROWS = 20_000  # below this, OpenMP/BLAS threads cost more than they save: on a busy
# 2-core host a 600-row KMeans(n_init=10) took 2.8 s threaded and 0.04 s on one thread


@dataclass(frozen=True)
class AlgorithmFit:
    """Labels for every row plus the model-space parameters that predict new rows."""

    algorithm: str  # the algorithm actually run (kmeans may become minibatch_kmeans)
    labels: np.ndarray  # int32, one per row in input order; -1 is DBSCAN noise
    centroids: np.ndarray  # float64 (k, m) in model space, one row per entry of centroid_labels
    centroid_labels: tuple[int, ...]
    inertia: float  # sum of squared distances of rows to their own centroid (noise excluded)
    memberships: np.ndarray | None = None  # float32 (n, k) soft memberships (gmm)
    confidences: np.ndarray | None = None  # float32 per row, when the fit already had distances
    gmm: dict | None = None  # artifact part: weights, means, precisions_cholesky, covariance_type
    dendrogram: dict | None = None  # artifact part: linkage matrix and leaf count
    eps: float | None = None
    min_samples: int | None = None
    fitted_rows: int = 0  # rows the algorithm itself saw (fewer than all when sampled)
    notes: tuple[str, ...] = ()


def threads_for(n_rows: int) -> AbstractContextManager:
    """One native thread for small inputs (see SINGLE_THREAD_ROWS), all cores for large ones."""
    return threadpool_limits(limits=1) if n_rows <= SINGLE_THREAD_ROWS else nullcontext()


def run_algorithm(matrix: np.ndarray, *, algorithm: str, params: Mapping) -> AlgorithmFit:
    """Fit ``algorithm`` on ``matrix`` with validated ``params`` (see fitting.validate_params)."""
    n_clusters = params.get("n_clusters")
    seed = int(params.get("random_state", 0))
    if algorithm in ("kmeans", "minibatch_kmeans"):
        return fit_kmeans(
            matrix,
            n_clusters=n_clusters,
            seed=seed,
            max_iter=int(params.get("max_iter", 300)),
            n_init=params.get("n_init"),
            minibatch=algorithm == "minibatch_kmeans",
        )
    if algorithm == "hierarchical":
        return fit_hierarchical(
            matrix,
            n_clusters=n_clusters,
            method=params.get("linkage", "ward"),
            seed=seed,
            allow_sampling=bool(params.get("allow_sampling", True)),
        )
    if algorithm == "dbscan":
        return fit_dbscan(
            matrix, eps=params.get("eps"), min_samples=params.get("min_samples"), seed=seed
        )
    if algorithm == "gmm":
        return fit_gmm(
            matrix, n_clusters=n_clusters, seed=seed, max_iter=int(params.get("max_iter", 200))
        )
    raise EngineInputError(
        f"Unknown algorithm '{algorithm}'; choose one of {', '.join(ALGORITHMS)}."
    )


def fit_kmeans(
    matrix: np.ndarray,
    *,
    n_clusters: int,
    seed: int,
    max_iter: int = 300,
    n_init: int | None = None,
    minibatch: bool = False,
) -> AlgorithmFit:
    """k-means++ K-Means; MiniBatch K-Means when asked or above MINIBATCH_ABOVE_ROWS."""
    notes = []
    if minibatch or len(matrix) > MINIBATCH_ABOVE_ROWS:
        if not minibatch:
            notes.append(
                f"MiniBatch K-Means was used: {len(matrix):,} rows is above the "
                f"{MINIBATCH_ABOVE_ROWS:,}-row threshold for full K-Means."
            )
        start = best_start(
            matrix, n_clusters=n_clusters, seed=seed, max_iter=max_iter, n_init=n_init
        )
        notes.append(start.note)
        fitted = matrix
        if len(matrix) > MINIBATCH_FIT_ROWS:
            fitted = matrix[sample_rows(len(matrix), MINIBATCH_FIT_ROWS, seed=seed)]
            notes.append(
                f"Mini-batches drawn from a random sample of {MINIBATCH_FIT_ROWS:,} rows moved "
                "those centres to their final place; every row was then assigned to its nearest "
                "centre."
            )
        # Each mini-batch step is too small for threads: on a busy 2-core host they only add
        # synchronisation (0.5 s on one thread, 2.6 s on two, for 1M rows).
        with threadpool_limits(limits=1):
            model = MiniBatchKMeans(
                n_clusters=n_clusters,
                init=start.centroids.astype(matrix.dtype),
                n_init=1,  # the starts were compared in best_start
                max_iter=max_iter,
                batch_size=MINIBATCH_BATCH_ROWS,
                tol=MINIBATCH_TOL,
                compute_labels=False,
                random_state=seed,
            ).fit(fitted)
        centroids = model.cluster_centers_.astype(np.float64)
        labels, distances = nearest_centroids(matrix, centroids)
        own = np.take_along_axis(distances, labels[:, None], axis=1)[:, 0].astype(np.float64)
        return AlgorithmFit(
            algorithm="minibatch_kmeans",
            labels=labels,
            centroids=centroids,
            centroid_labels=tuple(range(n_clusters)),
            inertia=float(own @ own),
            confidences=confidence_from_distances(distances, labels),  # distances freed after
            fitted_rows=len(fitted),
            notes=tuple(notes),
        )
    starts = n_init or (10 if len(matrix) <= SMALL_DATA_ROWS else 1)
    model = KMeans(
        n_clusters=n_clusters,
        init="k-means++",
        n_init=starts,
        max_iter=max_iter,
        random_state=seed,
    ).fit(matrix)
    return AlgorithmFit(
        algorithm="kmeans",
        labels=model.labels_.astype(np.int32),
        centroids=model.cluster_centers_.astype(np.float64),
        centroid_labels=tuple(range(n_clusters)),
        inertia=float(model.inertia_),
        fitted_rows=len(matrix),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class SampleStart:
    """Where K-Means on many rows starts: centres found on a sample of them."""

    centroids: np.ndarray  # float64 (k, m) in model space
    starts: int  # k-means++ starts compared
    sample_rows: int  # rows they were compared on
    of_rows: int  # rows the sample was drawn from

    @property
    def note(self) -> str:
        on = (
            f"a random sample of {self.sample_rows:,} of the {self.of_rows:,} rows"
            if self.sample_rows < self.of_rows
            else f"all {self.of_rows:,} rows"
        )
        return (
            f"K-Means started from the best of {self.starts} k-means++ starts of full K-Means on "
            f"{on} (one start often settles in a poorer solution)."
        )


def best_start(
    matrix: np.ndarray,
    *,
    n_clusters: int,
    seed: int,
    max_iter: int = 300,
    n_init: int | None = None,
) -> SampleStart:
    """The best (lowest inertia) of ``n_init or START_COUNT`` k-means++ starts of full K-Means on
    a random sample of up to START_SAMPLE_ROWS rows: the start of MiniBatch K-Means on many rows
    and of the distributed Lloyd iterations (engine/distributed.py)."""
    sample = matrix[sample_rows(len(matrix), START_SAMPLE_ROWS, seed=seed)]
    starts = n_init or START_COUNT
    with threads_for(len(sample)):
        model = KMeans(
            n_clusters=n_clusters,
            init="k-means++",
            n_init=starts,
            max_iter=max_iter,
            random_state=seed,
        ).fit(sample)
    return SampleStart(
        centroids=model.cluster_centers_.astype(np.float64),
        starts=starts,
        sample_rows=len(sample),
        of_rows=len(matrix),
    )


def fit_hierarchical(
    matrix: np.ndarray, *, n_clusters: int, method: str, seed: int, allow_sampling: bool = True
) -> AlgorithmFit:
    """Agglomerative clustering (scipy linkage, cut at ``n_clusters``).

    Above HIERARCHICAL_MAX_ROWS it runs on a random sample and every row takes the cluster of its
    nearest sample-cluster centroid, or, with ``allow_sampling`` false, it is refused.
    """
    if method not in LINKAGES:
        raise EngineInputError(f"Unknown linkage '{method}'; choose one of {', '.join(LINKAGES)}.")
    notes = []
    sampled = None
    fitted = matrix
    if len(matrix) > HIERARCHICAL_MAX_ROWS:
        if not allow_sampling:
            raise EngineInputError(
                f"Hierarchical clustering is limited to {HIERARCHICAL_MAX_ROWS:,} rows (its memory "
                f"grows with the square of the rows); this data has {len(matrix):,}. Use kmeans, "
                "or allow sampling."
            )
        sampled = sample_rows(len(matrix), HIERARCHICAL_MAX_ROWS, seed=seed)
        fitted = matrix[sampled]
        notes.append(
            f"Hierarchical clustering was fitted on a random sample of {HIERARCHICAL_MAX_ROWS:,} "
            f"of {len(matrix):,} rows; the other rows joined the cluster with the nearest centroid."
        )
    tree = linkage(fitted.astype(np.float64), method=method)
    fitted_labels = cut_tree(tree, n_clusters=n_clusters).ravel().astype(np.int32)
    centroids = _centroids(fitted, fitted_labels, n_clusters)
    if sampled is None:
        labels = fitted_labels
    else:
        labels, _ = nearest_centroids(matrix, centroids)
        labels[sampled] = fitted_labels  # sampled rows keep the tree's own answer
    return AlgorithmFit(
        algorithm="hierarchical",
        labels=labels,
        centroids=centroids,
        centroid_labels=tuple(range(n_clusters)),
        inertia=within_sum_of_squares(matrix, labels, centroids),
        dendrogram={"linkage": tree.tolist(), "n_leaves": len(fitted)},
        fitted_rows=len(fitted),
        notes=tuple(notes),
    )


def fit_dbscan(
    matrix: np.ndarray, *, eps: float | None, min_samples: int | None, seed: int
) -> AlgorithmFit:
    """Density clusters; noise is label -1. ``eps`` comes from the k-distance curve when absent.

    Above DBSCAN_FIT_ROWS it runs on a sample; other rows join the cluster of their nearest core
    sample within ``eps``, else they are noise.
    """
    neighbours = int(min_samples or max(5, 2 * matrix.shape[1]))
    if neighbours < 2:
        raise EngineInputError(f"min_samples must be at least 2; got {neighbours}.")
    notes = []
    sampled = None
    fitted = matrix
    if len(matrix) > DBSCAN_FIT_ROWS:
        sampled = sample_rows(len(matrix), DBSCAN_FIT_ROWS, seed=seed)
        fitted = matrix[sampled]
        notes.append(
            f"DBSCAN was fitted on a random sample of {DBSCAN_FIT_ROWS:,} of {len(matrix):,} rows "
            "(eps and min_samples apply to that sample); every other row joined the cluster of "
            "the nearest core point within eps, else it is noise."
        )
    if eps is None:
        eps = estimate_eps(fitted, min_samples=neighbours, seed=seed)  # the density it will see
        notes.append(
            f"eps = {eps:.3g}, estimated from the knee of the {neighbours}-distance curve."
        )
    eps = float(eps)
    if eps <= 0:
        raise EngineInputError(f"eps must be above 0; got {eps}.")
    model = DBSCAN(eps=eps, min_samples=neighbours).fit(fitted)
    fitted_labels = model.labels_.astype(np.int32)
    n_found = int(fitted_labels.max()) + 1
    if n_found < 2:
        raise EngineInputError(
            f"DBSCAN found {max(n_found, 0)} cluster(s) with eps={eps:.3g} and "
            f"min_samples={neighbours}; lower eps or min_samples to split the data, or pick "
            "another algorithm."
        )
    labels = fitted_labels
    if sampled is not None:
        labels = _extend_dbscan(
            matrix, fitted, model.core_sample_indices_, fitted_labels, eps, seed
        )
        labels[sampled] = fitted_labels
    centroids = _centroids(matrix, labels, n_found)
    noise = int((labels == NOISE_LABEL).sum())
    if noise:
        notes.append(f"{noise:,} rows are noise (label -1): too far from any dense region.")
    return AlgorithmFit(
        algorithm="dbscan",
        labels=labels,
        centroids=centroids,
        centroid_labels=tuple(range(n_found)),
        inertia=within_sum_of_squares(matrix, labels, centroids),
        eps=eps,
        min_samples=neighbours,
        fitted_rows=len(fitted),
        notes=tuple(notes),
    )


def fit_gmm(matrix: np.ndarray, *, n_clusters: int, seed: int, max_iter: int = 200) -> AlgorithmFit:
    """Full-covariance Gaussian mixture with soft memberships for every row."""
    notes = []
    fitted = matrix
    if len(matrix) > GMM_FIT_ROWS:
        fitted = matrix[sample_rows(len(matrix), GMM_FIT_ROWS, seed=seed)]
        notes.append(
            f"The Gaussian mixture was fitted on a random sample of {GMM_FIT_ROWS:,} of "
            f"{len(matrix):,} rows and then applied to every row."
        )
    model = GaussianMixture(
        n_components=n_clusters,
        covariance_type="full",
        max_iter=max_iter,
        random_state=seed,
        reg_covar=1e-5,  # one-hot columns are often near-constant inside a component
    ).fit(fitted.astype(np.float64))
    memberships = np.empty((len(matrix), n_clusters), dtype=np.float32)
    for start in range(0, len(matrix), PREDICT_CHUNK_ROWS):
        block = matrix[start : start + PREDICT_CHUNK_ROWS].astype(np.float64)
        memberships[start : start + len(block)] = model.predict_proba(block)
    labels = memberships.argmax(axis=1).astype(np.int32)
    centroids = model.means_.astype(np.float64)
    return AlgorithmFit(
        algorithm="gmm",
        labels=labels,
        centroids=centroids,
        centroid_labels=tuple(range(n_clusters)),
        inertia=within_sum_of_squares(matrix, labels, centroids),
        memberships=memberships,
        gmm={
            "weights": model.weights_.tolist(),
            "means": model.means_.tolist(),
            "precisions_cholesky": model.precisions_cholesky_.tolist(),
            "covariance_type": "full",
        },
        fitted_rows=len(fitted),
        notes=tuple(notes),
    )


def _extend_dbscan(
    matrix: np.ndarray,
    fitted: np.ndarray,
    cores: np.ndarray,
    fitted_labels: np.ndarray,
    eps: float,
    seed: int,
) -> np.ndarray:
    """Label of the nearest core point within eps for every row (-1 beyond), using at most
    DBSCAN_EXTEND_CORES core points so a million look-ups stay in seconds."""
    if len(cores) > DBSCAN_EXTEND_CORES:
        cores = cores[sample_rows(len(cores), DBSCAN_EXTEND_CORES, seed=seed)]
    index = NearestNeighbors(n_neighbors=1).fit(fitted[cores])
    core_labels = fitted_labels[cores]
    labels = np.full(len(matrix), NOISE_LABEL, dtype=np.int32)
    for start in range(0, len(matrix), PREDICT_CHUNK_ROWS):
        block = matrix[start : start + PREDICT_CHUNK_ROWS]
        distance, nearest = index.kneighbors(block)
        near = distance[:, 0] <= eps
        labels[start : start + len(block)][near] = core_labels[nearest[near, 0]]
    return labels


def estimate_eps(matrix: np.ndarray, *, min_samples: int, seed: int) -> float:
    """eps at the knee of the sorted distances to the ``min_samples``-th neighbour (kneedle)."""
    sample = matrix
    if len(matrix) > EPS_SAMPLE_ROWS:
        sample = matrix[sample_rows(len(matrix), EPS_SAMPLE_ROWS, seed=seed)]
    neighbours = min(min_samples, len(sample) - 1)
    distances, _ = NearestNeighbors(n_neighbors=neighbours + 1).fit(sample).kneighbors(sample)
    curve = np.sort(distances[:, -1].astype(np.float64))
    from kneed import KneeLocator  # imports scipy.signal (~1 s): only when used

    knee = KneeLocator(np.arange(len(curve)), curve, curve="convex", direction="increasing").knee
    eps = float(curve[int(knee)]) if knee is not None else float(np.quantile(curve, 0.9))
    return eps if eps > 0 else float(curve[curve > 0].min(initial=1e-3))


def refit_labels(
    matrix: np.ndarray, *, fit: AlgorithmFit, params: Mapping, seed: int
) -> np.ndarray:
    """Labels of a fresh fit of the same algorithm on ``matrix`` (a resample), for stability."""
    if fit.algorithm in ("kmeans", "minibatch_kmeans"):
        return fit_kmeans(matrix, n_clusters=len(fit.centroid_labels), seed=seed, n_init=1).labels
    if fit.algorithm == "hierarchical":
        method = params.get("linkage", "ward")
        return fit_hierarchical(
            matrix, n_clusters=len(fit.centroid_labels), method=method, seed=seed
        ).labels
    if fit.algorithm == "gmm":
        return fit_gmm(matrix, n_clusters=len(fit.centroid_labels), seed=seed).labels
    model = DBSCAN(eps=fit.eps, min_samples=fit.min_samples).fit(matrix)
    return model.labels_


def nearest_centroids(matrix: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest centroid, distances to every centroid) per row, in the matrix's
    dtype: the compiled model's distances. One thread: the work per row is a few dozen flops, so
    threads only add synchronisation (1M x 14 x 5: 0.24 s on one thread, 1.0 s on two of a busy
    host)."""
    with threadpool_limits(limits=1):
        distances = centroid_distances(matrix, centroids)
    return distances.argmin(axis=1).astype(np.int32), distances


def within_sum_of_squares(matrix: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Sum of squared distances of rows to their own centroid; noise rows are left out."""
    total = 0.0
    for label in range(len(centroids)):
        members = matrix[labels == label]
        total += float(((members - centroids[label].astype(matrix.dtype)) ** 2).sum())
    return total


def _centroids(matrix: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    centroids = np.zeros((n_clusters, matrix.shape[1]), dtype=np.float64)
    members = labels != NOISE_LABEL
    kept_labels = labels[members]
    counts = np.bincount(kept_labels, minlength=n_clusters)
    for column in range(matrix.shape[1]):
        sums = np.bincount(kept_labels, weights=matrix[members, column], minlength=n_clusters)
        centroids[:, column] = sums / np.maximum(counts, 1)
    return centroids
