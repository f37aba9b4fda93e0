"""``fit`` and ``sweep_k``: DataFrame + schema + parameters in, EngineResult / KSweepResult out.

Stages run in order (preprocessing, choosing k, fitting, scoring, interpreting, naming); between
stages the engine reports ``progress(percent, stage)`` and asks ``should_cancel()``, raising
EngineCancelled when it answers True. The model matrix is built once and reused by every stage.
"""

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from clustering.engine import balance, degenerate, interpret, words
from clustering.engine.algorithms import (
    ALGORITHMS,
    LINKAGES,
    MAX_CLUSTERS,
    MIN_CLUSTERS,
    MINIBATCH_ABOVE_ROWS,
    SMALL_DATA_ROWS,
    run_algorithm,
    threads_for,
)
from clustering.engine.artifact import build_artifact
from clustering.engine.errors import EngineCancelled, EngineInputError
from clustering.engine.labels import NOISE_LABEL
from clustering.engine.preprocess import FEATURE_TRANSFORMS, Prepared, prepare
from clustering.engine.ranges import training_ranges, typical_confidences
from clustering.engine.results import ClusterResult, EngineResult, KSweepResult
from clustering.engine.sweep import sweep_matrix
from common.jsonsafe import json_safe

Progress = Callable[[int, str], None]
ShouldCancel = Callable[[], bool]

# Log-scaled heavy tails leave k-means several near-equal optima: one k-means++ start on 16,100
# RFM customers agreed with another sample at ARI 0.45, three starts at 0.98 (k=4); on customers
# derived from generated purchase logs three starts still agreed at only 0.57-0.72 for two logs
# in three, ten at 0.98-0.99 for all three (100,000 rows: 3.7 s of CPU against 2.3 s).
TRANSFORMED_KMEANS_STARTS = 10
AUTO_K_MAX = 10  # without n_clusters, k is chosen by silhouette among 2..10
DEFAULTS = {
    "n_clusters": None,  # None: chosen by the best silhouette of a k sweep
    "random_state": 0,
    "normalize": True,
    "feature_transform": "auto",  # auto: log-scale heavy-tailed features; none: as they are
    "use_pca": False,
    "pca_components": None,
    "pca_variance": None,
    "linkage": "ward",
    "eps": None,  # None: estimated from the k-distance curve
    "min_samples": None,  # None: max(5, 2 * model features)
    "max_iter": 300,
    "n_init": None,  # None: 10 starts up to 10,000 rows (100,000 with transformed features),
    # else 1; above MINIBATCH_ABOVE_ROWS, 10 on a sample pick MiniBatch's start (best_start)
    "allow_sampling": True,  # hierarchical above its row limit: sample, or refuse when False
    "stability": True,  # re-fit on resamples to score stability (a few small fits)
}
NEEDS_K = ("kmeans", "minibatch_kmeans", "hierarchical", "gmm")


def fit(
    frame: pd.DataFrame,
    *,
    schema: Sequence[Mapping] | None = None,
    features: Sequence[str] | None = None,
    algorithm: str = "kmeans",
    params: Mapping | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> EngineResult:
    """Cluster ``frame`` and explain the clusters. Deterministic for a given ``random_state``.

    Raises EngineInputError (a sentence for the user) for bad parameters or unusable data, and
    EngineCancelled when ``should_cancel()`` turns True between stages.
    """
    with threads_for(len(frame)):
        return _fit(frame, schema, features, algorithm, params, progress, should_cancel)


def _fit(
    frame: pd.DataFrame,
    schema: Sequence[Mapping] | None,
    features: Sequence[str] | None,
    algorithm: str,
    params: Mapping | None,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
) -> EngineResult:
    stage = Stages(progress, should_cancel)
    degenerate.check_row_count(len(frame))
    options = validate_params(algorithm, params or {}, n_rows=len(frame))
    seed = options["random_state"]
    notes = list(options.pop("_notes"))

    stage.begin(5, "preprocessing")
    prepared = prepare_with(frame, schema=schema, features=features, options=options)
    notes += prepared.notes
    matrix = prepared.matrix
    distinct = degenerate.check_distinct_rows(
        matrix,
        n_clusters=options["n_clusters"] if algorithm in NEEDS_K else None,
        features=prepared.features,
        at_most=MAX_CLUSTERS + 1,
    )

    if algorithm in NEEDS_K and options["n_clusters"] is None:
        stage.begin(10, "choosing k")
        k_values = tuple(range(MIN_CLUSTERS, min(AUTO_K_MAX, len(matrix) - 1, distinct) + 1))
        if distinct < min(AUTO_K_MAX, len(matrix) - 1):
            notes.append(
                f"k was chosen among {MIN_CLUSTERS}..{distinct}: only {distinct} customers "
                "differ in the chosen features."
            )
        sweep = sweep_matrix(matrix, k_values=k_values, seed=seed)
        options["n_clusters"] = sweep.optimal_k
        notes.append(
            f"n_clusters = {sweep.optimal_k}, the best silhouette among k = "
            f"{k_values[0]}..{k_values[-1]}"
            + (
                f" with no segment under {balance.MIN_SEGMENT_SHARE:.0%} of the customers."
                if not sweep.passed_over
                else "."
            )
        )
        notes += sweep.passed_over

    stage.begin(20, "fitting")
    transformed = any(kind != "none" for kind in prepared.transform["numeric"]["transforms"])
    if (
        algorithm == "kmeans"
        and options["n_init"] is None
        and transformed
        and SMALL_DATA_ROWS < len(matrix) <= MINIBATCH_ABOVE_ROWS
    ):
        options["n_init"] = TRANSFORMED_KMEANS_STARTS
    fitted = run_algorithm(matrix, algorithm=algorithm, params=options)
    degenerate.check_clusters_filled(fitted.labels, fitted.centroid_labels)
    notes += fitted.notes
    if fitted.eps is not None:
        options["eps"] = fitted.eps
        options["min_samples"] = fitted.min_samples

    stage.begin(60, "scoring")
    metrics = interpret.quality_metrics(matrix, fitted.labels, seed=seed)
    confidences = interpret.confidences(matrix, fitted)

    stage.begin(70, "interpreting")
    explanation = interpret.explain(prepared, fitted.labels)
    accuracy = interpret.surrogate_accuracy(prepared.encoded, fitted.labels, seed=seed)
    robustness = (
        interpret.stability(matrix, fitted, options, seed=seed)
        if options["stability"]
        else {"stability": None, "stability_method": "not computed (stability: false)"}
    )

    stage.begin(90, "naming")
    clusters = _clusters(prepared, explanation)
    names = {cluster.label: cluster.name for cluster in clusters}
    by_size = sorted(clusters, key=lambda c: (-c.size, c.label))
    recommendations = tuple(cluster.recommendation for cluster in by_size)
    artifact = build_artifact(
        transform=prepared.transform,
        features=prepared.features,
        fit=fitted,
        names=names,
        ranges=training_ranges(prepared.numeric_columns, prepared.raw),
        typical_confidences=typical_confidences(fitted.labels, confidences, fitted.centroid_labels),
    )
    n_clusters = len(fitted.centroid_labels)
    segments = balance.segment_balance(
        sizes=explanation.sizes,
        names=names,
        means={cluster.label: cluster.profile["mean_values"] for cluster in clusters},
        overall_means={
            name: float(np.nanmean(prepared.raw(name))) for name in prepared.numeric_columns
        },
        n_rows=len(matrix),
        fewer_k=n_clusters - 1 if algorithm in NEEDS_K and n_clusters - 1 >= MIN_CLUSTERS else None,
    )
    metrics.update(
        {
            "smallest_segment_share": segments.smallest_share,
            "smallest_segment": names.get(segments.smallest_label),
            "segment_warnings": list(segments.warnings),
        }
    )
    metrics.update(
        {
            "inertia": fitted.inertia,
            "n_clusters": n_clusters,
            "n_noise": explanation.sizes.get(NOISE_LABEL, 0),
            "cluster_sizes": {str(label): size for label, size in explanation.sizes.items()},
            "cluster_percentages": {
                str(label): pct for label, pct in explanation.percentages.items()
            },
            "n_samples": len(matrix),
            "n_encoded_features": prepared.encoded.shape[1],
            "n_model_features": matrix.shape[1],
            "fitted_rows": fitted.fitted_rows,
            "accuracy": accuracy,
            **robustness,
        }
    )
    stage.begin(100, "done")
    return EngineResult(
        algorithm=fitted.algorithm,
        parameters=json_safe(options),
        features=prepared.features,
        labels=fitted.labels,
        confidences=confidences,
        memberships=fitted.memberships,
        clusters=tuple(clusters),
        metrics=json_safe(metrics),
        feature_importance=json_safe(explanation.feature_importance),
        feature_importance_method=interpret.IMPORTANCE_METHOD,
        accuracy=accuracy,
        stability=robustness["stability"],
        n_samples=len(matrix),
        n_encoded_features=prepared.encoded.shape[1],
        recommendations=recommendations,
        notes=tuple(notes),
        timings=stage.timings,
        artifact=artifact,
    )


def sweep_k(
    frame: pd.DataFrame,
    *,
    schema: Sequence[Mapping] | None = None,
    features: Sequence[str] | None = None,
    k_min: int = 2,
    k_max: int = 10,
    random_state: int = 0,
    params: Mapping | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> KSweepResult:
    """Inertia (with the kneedle elbow), silhouette, Davies-Bouldin and Calinski-Harabasz for
    k = k_min..k_max (at most 15) with K-Means; optimal k = the best silhouette.

    k_max is lowered to rows - 1 on tiny data (said in ``notes``); ``params`` may carry the
    preprocessing options of ``fit`` (normalize, use_pca, ...).
    """
    started = time.perf_counter()
    for name, value in (("k_min", k_min), ("k_max", k_max)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise EngineInputError(f"{name} must be a whole number; got {value!r}.")
    if not MIN_CLUSTERS <= k_min <= k_max <= MAX_CLUSTERS:
        raise EngineInputError(
            f"Choose {MIN_CLUSTERS} <= k_min <= k_max <= {MAX_CLUSTERS}; got k_min={k_min}, "
            f"k_max={k_max}."
        )
    options = validate_params("kmeans", {**(params or {}), "random_state": random_state}, n_rows=0)
    notes = list(options.pop("_notes"))
    degenerate.check_row_count(len(frame))
    if k_min >= len(frame):
        raise EngineInputError(
            f"k_min ({k_min}) must be smaller than the number of rows ({len(frame)})."
        )
    if k_max >= len(frame):
        notes.append(
            f"k_max lowered from {k_max} to {len(frame) - 1}: there are {len(frame)} rows."
        )
        k_max = len(frame) - 1
    stage = Stages(progress, should_cancel)
    stage.begin(5, "preprocessing")
    k_values = tuple(range(k_min, k_max + 1))
    with threads_for(len(frame)):
        prepared = prepare_with(frame, schema=schema, features=features, options=options)
        distinct = degenerate.check_distinct_rows(
            prepared.matrix, n_clusters=k_min, features=prepared.features, at_most=k_max + 1
        )
        if k_max > distinct:
            notes.append(
                f"k_max lowered from {k_max} to {distinct}: only {distinct} customers differ in "
                "the chosen features."
            )
            k_max = distinct
            k_values = tuple(range(k_min, k_max + 1))
        curves = sweep_matrix(
            prepared.matrix,
            k_values=k_values,
            seed=random_state,
            before_k=lambda i, k: stage.begin(10 + 85 * i // len(k_values), f"k = {k}"),
        )
    stage.begin(100, "done")
    return KSweepResult(
        **curves.__dict__,
        algorithm="minibatch_kmeans" if len(frame) > MINIBATCH_ABOVE_ROWS else "kmeans",
        seconds=round(time.perf_counter() - started, 3),
        notes=tuple(notes + list(prepared.notes) + list(curves.passed_over)),
    )


def validate_params(algorithm: str, params: Mapping, *, n_rows: int) -> dict:
    """Defaults filled in and every value checked; EngineInputError names the bad one."""
    if algorithm not in ALGORITHMS:
        raise EngineInputError(
            f"Unknown algorithm '{algorithm}'; choose one of {', '.join(ALGORITHMS)}."
        )
    if not isinstance(params, Mapping):
        raise EngineInputError("Parameters must be an object of names and values.")
    unknown = sorted(set(params) - set(DEFAULTS))
    options = {**DEFAULTS, **{k: v for k, v in params.items() if k in DEFAULTS}}
    options["_notes"] = [f"Ignored unknown parameter(s): {', '.join(unknown)}."] if unknown else []
    k = options["n_clusters"]
    if k is not None and algorithm == "dbscan":
        options["_notes"].append("n_clusters is not used by DBSCAN: density decides the count.")
    if k is not None:
        k = _whole(k, "n_clusters")
        if not MIN_CLUSTERS <= k <= MAX_CLUSTERS:
            raise EngineInputError(
                f"n_clusters must be between {MIN_CLUSTERS} and {MAX_CLUSTERS}; got {k}."
            )
        if n_rows and k >= n_rows:
            raise EngineInputError(
                f"n_clusters ({k}) must be smaller than the number of rows ({n_rows})."
            )
        options["n_clusters"] = k
    options["random_state"] = _whole(options["random_state"], "random_state", minimum=0)
    options["max_iter"] = _whole(options["max_iter"], "max_iter", minimum=1)
    for name in ("pca_components", "min_samples", "n_init"):
        if options[name] is not None:
            options[name] = _whole(options[name], name, minimum=1)
    for name in ("normalize", "use_pca", "allow_sampling", "stability"):
        if not isinstance(options[name], bool):
            raise EngineInputError(f"{name} must be true or false; got {options[name]!r}.")
    for name in ("pca_variance", "eps"):
        value = options[name]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EngineInputError(f"{name} must be a number; got {value!r}.")
            if not value > 0:
                raise EngineInputError(f"{name} must be above 0; got {value}.")
            options[name] = float(value)
    if options["feature_transform"] not in FEATURE_TRANSFORMS:
        raise EngineInputError(
            f"Unknown feature_transform {options['feature_transform']!r}; choose one of "
            f"{', '.join(FEATURE_TRANSFORMS)}."
        )
    if options["linkage"] not in LINKAGES:
        raise EngineInputError(
            f"Unknown linkage '{options['linkage']}'; choose one of {', '.join(LINKAGES)}."
        )
    if algorithm == "hierarchical" and options["linkage"] == "ward" and not options["normalize"]:
        options["_notes"].append("Ward linkage on unscaled features: large-unit columns dominate.")
    return options


def prepare_with(
    frame: pd.DataFrame,
    *,
    schema: Sequence[Mapping] | None,
    features: Sequence[str] | None,
    options: Mapping,
) -> Prepared:
    return prepare(
        frame,
        schema=schema,
        features=features,
        normalize=options["normalize"],
        use_pca=options["use_pca"],
        pca_components=options["pca_components"],
        pca_variance=options["pca_variance"],
        random_state=options["random_state"],
        feature_transform=options["feature_transform"],
    )


def _clusters(prepared: Prepared, explanation: interpret.Explanation) -> list[ClusterResult]:
    labels = explanation.label_values
    names = words.name_segments(
        labels,
        z_scores=explanation.numeric_z,
        roles=prepared.roles,
        positions=explanation.positions,
        leaders=explanation.category_leaders,
        category_shares={label: explanation.profiles[label]["category_shares"] for label in labels},
    )
    by_size = sorted(
        (label for label in labels if label != NOISE_LABEL), key=lambda lab: -explanation.sizes[lab]
    )
    clusters = []
    for label in labels:
        means = explanation.profiles[label]["mean_values"]
        traits = words.characteristics(
            z_scores=explanation.numeric_z[label],
            roles=prepared.roles,
            leaders=explanation.category_leaders[label],
            means=means,
            overall_means=explanation.overall_means,
        )
        percentage = explanation.percentages[label]
        clusters.append(
            ClusterResult(
                label=label,
                name=names[label],
                size=explanation.sizes[label],
                percentage=percentage,
                centroid=json_safe(explanation.centroids[label]),
                centroid_scaled=json_safe(explanation.centroids_scaled[label]),
                profile=json_safe(explanation.profiles[label]),
                characteristics=traits,
                top_features=json_safe(explanation.top_features[label]),
                summary=words.summary(
                    name=names[label],
                    label=label,
                    size=explanation.sizes[label],
                    percentage=percentage,
                    means=means,
                    overall_means=explanation.overall_means,
                    z_scores=explanation.numeric_z[label],
                    traits=traits,
                ),
                recommendation=words.recommendation(
                    name=names[label],
                    label=label,
                    percentage=percentage,
                    rank=by_size.index(label) if label != NOISE_LABEL else -1,
                    figures=words.figures(
                        means=means, z_scores=explanation.numeric_z[label], roles=prepared.roles
                    ),
                ),
            )
        )
    return clusters


def _whole(value: object, name: str, *, minimum: int | None = None) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise EngineInputError(f"{name} must be a whole number; got {value!r}.")
    if minimum is not None and value < minimum:
        raise EngineInputError(f"{name} must be at least {minimum}; got {value}.")
    return int(value)


class Stages:
    """Progress reports, cancellation checks and per-stage timings between stages."""

    def __init__(self, progress: Progress | None, should_cancel: ShouldCancel | None) -> None:
        self._progress = progress
        self._should_cancel = should_cancel
        self._current: str | None = None
        self._percent = 0
        self._started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def begin(self, percent: int, name: str) -> None:
        now = time.perf_counter()
        if self._current is not None:
            self.timings[self._current] = round(now - self._started, 4)
        if name != "done" and self._should_cancel is not None and self._should_cancel():
            raise EngineCancelled(f"Cancelled before {name}.")
        self._current, self._started = (None if name == "done" else name), now
        self._percent = percent
        if self._progress is not None:
            self._progress(percent, name)

    def check(self) -> None:
        """Inside a long stage: the cancel flag, and the progress callback again (the service's
        callback also beats the run's heartbeat and sees a cancel or an ended run)."""
        if self._should_cancel is not None and self._should_cancel():
            raise EngineCancelled(f"Cancelled during {self._current}.")
        if self._progress is not None and self._current is not None:
            self._progress(self._percent, self._current)
