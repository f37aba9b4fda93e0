"""``fit_distributed``: K-Means of a table larger than one machine, on a Dask cluster.

A dask DataFrame + schema + parameters in, the same EngineResult as ``fit`` out (labels and
confidences for every row in input order, named clusters, metrics, the JSON artifact), so the run
service saves it, and the compiled model predicts with it, exactly like a single-machine run.

- The preprocessing (imputation, the skew-aware per-feature transforms, scaling, one-hot, PCA) is
  fitted on a uniform sample of SAMPLE_ROWS rows by the single-machine ``prepare`` and applied to
  every partition by the compiled model's own ``FeatureTransform`` (``map_partitions``).
- K-Means starts like the single-machine MiniBatch K-Means (``best_start``: the best of several
  k-means++ starts on part of the sample), then ``dask_ml.cluster.KMeans`` runs Lloyd iterations
  from those centres over the encoded partitions; without ``n_clusters`` k is chosen by the
  silhouette sweep on the sample.
- Each partition's labels and confidences are written to storage as one Parquet part
  (``assignments_url``/part.N.parquet: row number, cluster label, confidence) by the worker that
  computed them; no process ever holds all of them. The run service loads them into the database.
- Sizes and the numeric profiles (mean, std, min, max) are exact, Dask group-bys over every row;
  medians, category shares, quality metrics, accuracy and stability come from the sample (the
  notes and metrics say its size).
- Every wait on the cluster polls (``cluster_wait.ClusterWaiter``): the cancel flag and the
  progress callback (which also beats the run's heartbeat) are checked each POLL_S, and a
  cluster left without workers for NO_WORKERS_GRACE_S ends the fit with ClusterLost instead of
  waiting for ever. A worker lost mid-run is retried by Dask (its tasks move to the others).
  The exact profiles are folded in by ``exact_profiles``.

Imports dask, distributed and dask-ml: only called when a cluster is configured.
"""

from collections.abc import Callable, Mapping, Sequence

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dask_ml.cluster import KMeans as DaskKMeans
from dask_ml.metrics import pairwise_distances_argmin_min
from distributed import Client

from clustering.engine import balance, degenerate, interpret
from clustering.engine.algorithms import (
    DISTRIBUTED_ALGORITHMS,
    MIN_CLUSTERS,
    AlgorithmFit,
    best_start,
    nearest_centroids,
)
from clustering.engine.artifact import build_artifact
from clustering.engine.cluster_wait import ClusterWaiter
from clustering.engine.compiled import FeatureTransform, confidence_from_distances
from clustering.engine.errors import EngineInputError
from clustering.engine.exact_profiles import numeric_exact, with_exact
from clustering.engine.fitting import (
    AUTO_K_MAX,
    Stages,
    _clusters,
    prepare_with,
    validate_params,
)
from clustering.engine.preprocess import _encode, _frame_columns
from clustering.engine.ranges import typical_confidences
from clustering.engine.results import EngineResult
from clustering.engine.sweep import sweep_matrix
from common.jsonsafe import json_safe
from common.storage import open_url

SAMPLE_ROWS = 100_000  # transforms, k choice, medians, category shares and metrics
LABEL, CONFIDENCE = "__segment__", "__confidence__"

Progress = Callable[[int, str], None]
ShouldCancel = Callable[[], bool]


def fit_distributed(
    frame: dd.DataFrame,
    *,
    n_rows: int,
    client: Client,
    assignments_url: str,
    storage_options: Mapping | None = None,
    schema: Sequence[Mapping] | None = None,
    features: Sequence[str] | None = None,
    algorithm: str = "kmeans",
    params: Mapping | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> EngineResult:
    """Cluster the dask ``frame`` (``n_rows`` rows, indexed by row number, e.g.
    ``datasets.ingest.chunks.chunked_frame``) on ``client``'s cluster. The assignments go to
    Parquet parts under ``assignments_url`` (an empty folder; ``storage_options`` open it), the
    result's ``labels`` and ``confidences`` are None and its ``assignment_parts`` lists them.

    Raises EngineInputError for an algorithm without a distributed form, bad parameters or
    unusable data, ClusterLost when the cluster cannot finish, EngineCancelled when
    ``should_cancel()`` turns True (checked between stages and while waiting on the cluster)."""
    if algorithm not in DISTRIBUTED_ALGORITHMS:
        raise EngineInputError(
            f"{algorithm} has no distributed form; on a Dask cluster choose "
            f"{' or '.join(DISTRIBUTED_ALGORITHMS)}."
        )
    degenerate.check_row_count(n_rows)
    stage = Stages(progress, should_cancel)
    waiter = ClusterWaiter(client, stage)
    options = validate_params(algorithm, params or {}, n_rows=n_rows)
    seed = options["random_state"]
    notes = list(options.pop("_notes"))

    stage.begin(5, "sampling")
    share = min(1.0, 1.2 * SAMPLE_ROWS / max(1, n_rows))  # ~20% spare, trimmed below
    (sample,) = waiter.compute([frame.sample(frac=share, random_state=seed)])
    sample = sample.reset_index(drop=True)
    if len(sample) > SAMPLE_ROWS:
        sample = sample.sample(SAMPLE_ROWS, random_state=seed).sort_index().reset_index(drop=True)

    stage.begin(10, "preprocessing")
    prepared = prepare_with(sample, schema=schema, features=features, options=options)
    notes += prepared.notes
    notes.append(
        f"Run on the Dask cluster: the preprocessing was fitted on a sample of {len(sample):,} of "
        f"the {n_rows:,} rows and applied to every partition; sizes, means, spreads, minima and "
        "maxima are exact, medians, category shares and quality metrics come from the sample."
    )
    matrix_sample = prepared.matrix
    distinct = degenerate.check_distinct_rows(
        matrix_sample,
        n_clusters=options["n_clusters"],
        features=prepared.features,
        at_most=AUTO_K_MAX + 1,
    )
    if options["n_clusters"] is None:
        stage.begin(15, "choosing k")
        k_values = tuple(range(MIN_CLUSTERS, min(AUTO_K_MAX, distinct) + 1))
        sweep = sweep_matrix(matrix_sample, k_values=k_values, seed=seed)
        options["n_clusters"] = sweep.optimal_k
        notes.append(
            f"n_clusters = {sweep.optimal_k}, the best silhouette among k = "
            f"{k_values[0]}..{k_values[-1]} on the sample of {len(sample):,} rows."
        )
        notes += sweep.passed_over
    k = options["n_clusters"]

    stage.begin(20, "fitting")
    # Started like the single-machine MiniBatch K-Means (``best_start``): heavy-tailed customer
    # tables leave K-Means near-equal optima, and one k-means|| start settled in a poorer one;
    # then Lloyd iterations over every row from those centres.
    start = best_start(
        matrix_sample,
        n_clusters=k,
        seed=seed,
        max_iter=options["max_iter"],
        n_init=options["n_init"],
    )
    stage.check()
    transform, columns = prepared.transform, list(prepared.features)
    width = matrix_sample.shape[1]
    encoded = frame[columns].map_partitions(
        _encode_partition,
        transform,
        meta=pd.DataFrame({j: pd.Series(dtype=np.float32) for j in range(width)}),
    )
    matrix = waiter.persist(encoded.to_dask_array(lengths=True))
    model = DaskKMeans(
        n_clusters=k,
        init=start.centroids.astype(np.float32),
        max_iter=options["max_iter"],
        random_state=seed,
    )
    waiter.call(lambda: model.fit(matrix))
    centroids = np.asarray(model.cluster_centers_, dtype=np.float64)
    # dask-ml's inertia_ adds plain, not squared, distances when its last step moved the centres.
    _, squared = pairwise_distances_argmin_min(
        matrix, centroids, metric="euclidean", metric_kwargs={"squared": True}
    )
    (inertia,) = waiter.compute([squared.astype(np.float64).sum()])
    inertia = float(inertia)
    client.cancel([matrix])  # the encoded rows leave the workers' memory
    notes.append(
        f"K-Means started from the best of {start.starts} k-means++ starts of full K-Means on "
        f"{start.sample_rows:,} rows of the sample of {len(sample):,}, then {model.n_iter_} Lloyd "
        f"iterations over all {n_rows:,} rows on the cluster moved the centres to their final "
        "place."
    )

    stage.begin(55, "assigning")
    numeric = list(prepared.numeric_columns)
    assigned = frame[columns].map_partitions(
        _assign_partition,
        transform,
        centroids,
        numeric,
        meta=pd.DataFrame(
            {
                **{name: pd.Series(dtype=np.float64) for name in numeric},
                LABEL: pd.Series(dtype=np.int32),
                CONFIDENCE: pd.Series(dtype=np.float32),
            }
        ),
    )
    grouped = assigned.groupby(LABEL)
    aggregates = [grouped.size()]
    if numeric:
        aggregates.append(grouped[numeric].agg(["count", "mean", "var", "min", "max"]))
    # Each partition's assignments are written where they were computed, beside the group-bys.
    folder = assignments_url.rstrip("/")
    part_urls = [f"{folder}/part.{i:05d}.parquet" for i in range(assigned.npartitions)]
    writes = [
        dask.delayed(_write_assignments)(piece, url, dict(storage_options or {}))
        for piece, url in zip(assigned[[LABEL, CONFIDENCE]].to_delayed(), part_urls, strict=True)
    ]
    results = waiter.compute([*writes, *aggregates])
    written, tables = results[: len(writes)], results[len(writes) :]
    if sum(written) != n_rows:
        raise EngineInputError(
            f"The dataset has {sum(written):,} rows, not the {n_rows:,} recorded; profile it again."
        )
    sizes = {int(label): int(size) for label, size in tables[0].items()}
    degenerate.check_clusters_filled(np.array(list(sizes), dtype=np.int64), tuple(range(k)))
    exact = numeric_exact(tables[1], numeric) if numeric else ({}, {})

    stage.begin(65, "scoring")
    sample_labels, sample_distances = nearest_centroids(
        matrix_sample, centroids.astype(matrix_sample.dtype)
    )
    metrics = interpret.quality_metrics(matrix_sample, sample_labels, seed=seed)
    metrics["metrics_sample_size"] = len(sample)

    stage.begin(75, "interpreting")
    fitted = AlgorithmFit(
        algorithm="kmeans",
        labels=sample_labels,
        centroids=centroids,
        centroid_labels=tuple(range(k)),
        inertia=inertia,
        fitted_rows=n_rows,
    )
    explanation = interpret.explain(prepared, sample_labels)
    missing = sorted(set(sizes) - set(explanation.label_values))
    if missing:
        raise EngineInputError(
            f"Segment {missing[0]} holds only {sizes[missing[0]]:,} customers, too few to be "
            f"described from a sample of {len(sample):,} rows; choose fewer clusters."
        )
    explanation = with_exact(explanation, sizes=sizes, n_rows=n_rows, numeric=exact)
    accuracy = interpret.surrogate_accuracy(prepared.encoded, sample_labels, seed=seed)
    robustness = (
        interpret.stability(matrix_sample, fitted, options, seed=seed)
        if options["stability"]
        else {"stability": None, "stability_method": "not computed (stability: false)"}
    )

    stage.begin(90, "naming")
    clusters = _clusters(prepared, explanation)
    names = {cluster.label: cluster.name for cluster in clusters}
    by_size = sorted(clusters, key=lambda c: (-c.size, c.label))
    overall = exact[1]
    artifact = build_artifact(
        transform=transform,
        features=prepared.features,
        fit=fitted,
        names=names,
        # What predictions compare a new customer with: every row's exact range, and the typical
        # confidence of the sample's rows in their segments.
        ranges={
            "minimums": [overall.get("min", {}).get(name) for name in numeric],
            "maximums": [overall.get("max", {}).get(name) for name in numeric],
        },
        typical_confidences=typical_confidences(
            sample_labels,
            confidence_from_distances(sample_distances, sample_labels),
            fitted.centroid_labels,
        ),
    )
    segments = balance.segment_balance(
        sizes=explanation.sizes,
        names=names,
        means={cluster.label: cluster.profile["mean_values"] for cluster in clusters},
        overall_means=explanation.overall_means,
        n_rows=n_rows,
        fewer_k=k - 1 if k - 1 >= MIN_CLUSTERS else None,
    )
    metrics.update(
        {
            "smallest_segment_share": segments.smallest_share,
            "smallest_segment": names.get(segments.smallest_label),
            "segment_warnings": list(segments.warnings),
            "inertia": inertia,
            "n_clusters": k,
            "n_noise": 0,
            "cluster_sizes": {str(label): size for label, size in explanation.sizes.items()},
            "cluster_percentages": {
                str(label): pct for label, pct in explanation.percentages.items()
            },
            "n_samples": n_rows,
            "n_encoded_features": prepared.encoded.shape[1],
            "n_model_features": width,
            "fitted_rows": n_rows,
            "accuracy": accuracy,
            "engine": "dask",
            "n_partitions": frame.npartitions,
            **robustness,
        }
    )
    stage.begin(100, "done")
    return EngineResult(
        algorithm="kmeans",
        parameters=json_safe(options),
        features=prepared.features,
        labels=None,
        confidences=None,
        memberships=None,
        clusters=tuple(clusters),
        metrics=json_safe(metrics),
        feature_importance=json_safe(explanation.feature_importance),
        feature_importance_method=interpret.IMPORTANCE_METHOD,
        accuracy=accuracy,
        stability=robustness["stability"],
        n_samples=n_rows,
        n_encoded_features=prepared.encoded.shape[1],
        recommendations=tuple(cluster.recommendation for cluster in by_size),
        notes=tuple(notes),
        timings=stage.timings,
        artifact=artifact,
        assignment_parts=tuple(part_urls),
    )


# --- per partition (run on the workers) ---------------------------------------------------------


def _encoded(part: pd.DataFrame, transform: Mapping) -> np.ndarray:
    """One partition in model space: the compiled model's encoding, then PCA when fitted."""
    part = part.reset_index(drop=True)
    encoded, _ = _encode(_frame_columns(part), transform, n_rows=len(part))
    if transform.get("pca"):
        encoded = FeatureTransform.of(transform).project(encoded)
    return encoded


def _encode_partition(part: pd.DataFrame, transform: Mapping) -> pd.DataFrame:
    return pd.DataFrame(_encoded(part, transform))


def _assign_partition(
    part: pd.DataFrame, transform: Mapping, centroids: np.ndarray, numeric: list[str]
) -> pd.DataFrame:
    """The numeric features in original units, the nearest centre and the confidence."""
    matrix = _encoded(part, transform)
    labels, distances = nearest_centroids(matrix, centroids.astype(matrix.dtype))
    out = pd.DataFrame(
        {name: pd.to_numeric(part[name], errors="coerce").astype(np.float64) for name in numeric},
        index=part.index,
    )
    out[LABEL] = labels
    out[CONFIDENCE] = confidence_from_distances(distances, labels)
    return out


def _write_assignments(piece: pd.DataFrame, url: str, storage_options: dict) -> int:
    """One partition's assignments as a Parquet part (row, cluster_label, confidence)."""
    table = pa.table(
        {
            "row": pa.array(piece.index.to_numpy(dtype=np.int64)),
            "cluster_label": pa.array(piece[LABEL].to_numpy(dtype=np.int32)),
            "confidence": pa.array(piece[CONFIDENCE].to_numpy(dtype=np.float32)),
        }
    )
    with open_url(url, "wb", storage_options) as handle:
        pq.write_table(table, handle)
    return table.num_rows
