"""What the engine hands back: frozen, annotated result objects.

Arrays are numpy (one entry per input row, in input order); everything else is JSON-safe (dicts
with string keys, lists, finite floats or None), so callers can store it as it is.
"""

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ClusterResult:
    """One cluster, field for field what `clustering.models.Cluster` stores."""

    label: int  # -1 is DBSCAN's noise group
    name: str  # unique within the run
    size: int
    percentage: float  # of all rows, 0-100
    centroid: dict  # numeric feature -> mean in original units
    centroid_scaled: dict  # encoded column -> mean in scaled units (one-hot columns: shares)
    profile: dict  # count, percentage, mean/median/std/min/max_values, category_shares
    characteristics: list  # short phrases, most distinctive first
    top_features: list  # up to 3 dicts: feature, z_score, direction, mean/std or value/share
    summary: str  # one paragraph
    recommendation: str


@dataclass(frozen=True)
class EngineResult:
    """A fitted clustering: labels and confidences per row, named clusters, metrics, model."""

    algorithm: str  # what actually ran: kmeans above the row threshold is minibatch_kmeans
    parameters: dict  # the effective parameters, including a chosen n_clusters or eps
    features: tuple[str, ...]
    labels: np.ndarray | None  # int32 per input row; None when in `assignment_parts`
    confidences: np.ndarray | None  # float32 per input row, 0-100; 0 for noise
    memberships: np.ndarray | None  # float32 (rows, clusters) soft memberships, gmm only
    clusters: tuple[ClusterResult, ...]  # ordered by label
    metrics: dict  # silhouette (+ sample size), davies_bouldin, calinski_harabasz, inertia, ...
    feature_importance: dict  # feature -> share of separation, sums to 1
    feature_importance_method: str
    accuracy: float | None  # cross-validated accuracy of a shallow surrogate tree, 0-1
    stability: float | None  # mean adjusted Rand index of re-fits on resamples
    n_samples: int
    n_encoded_features: int
    recommendations: tuple[str, ...]  # one per cluster, largest cluster first
    notes: tuple[str, ...]  # what the engine decided on the caller's behalf (sampling, k, eps)
    timings: dict  # stage -> seconds
    artifact: dict  # JSON-safe model, see docs/architecture.md
    # A distributed fit's assignments: URLs of Parquet parts (row, cluster_label, confidence) in
    # row order, instead of `labels` and `confidences`.
    assignment_parts: tuple[str, ...] = ()

    def cluster(self, label: int) -> ClusterResult:
        """The cluster with this label (KeyError when there is none)."""
        for cluster in self.clusters:
            if cluster.label == label:
                return cluster
        raise KeyError(label)


@dataclass(frozen=True)
class KSweepResult:
    """Quality of K-Means for each k: for the elbow chart and the optimal-k answers."""

    k_values: tuple[int, ...]
    inertias: tuple[float, ...]
    silhouettes: tuple[float | None, ...]
    davies_bouldin: tuple[float | None, ...]
    calinski_harabasz: tuple[float | None, ...]
    smallest_shares: tuple[float, ...]  # the smallest segment's percent of the rows, per k
    optimal_k: int  # highest silhouette among solutions with no segment under 1%
    elbow_k: int | None  # kneedle on the inertia curve; None when the curve has no knee
    silhouette_sample_size: int
    n_samples: int
    passed_over: tuple[str, ...]  # why a better-scoring k was not recommended (unbalanced)
    algorithm: str  # kmeans or minibatch_kmeans
    seconds: float
    notes: tuple[str, ...]

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field."""
        data = asdict(self)
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in data.items()
        }
