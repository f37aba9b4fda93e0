"""Checks of a run's features and parameters against its dataset, before anything is queued:
every refusal names the field and says what to choose instead."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from clustering import engine
from clustering.engine import FEATURE_TRANSFORMS, LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS
from clustering.engine.algorithms import DISTRIBUTED_ALGORITHMS, HIERARCHICAL_MAX_ROWS
from clustering.engine.fitting import DEFAULTS as ENGINE_DEFAULTS
from clustering.engine.fitting import NEEDS_K
from datasets.models import Dataset

from ..features import features_clean
from ..models import ClusteringRun

Algorithm = ClusteringRun.Algorithm
PARAMETER_NAMES = set(ENGINE_DEFAULTS)  # the engine's own list: they never drift apart


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def run_parameters_clean(
    *,
    dataset: Dataset,
    algorithm: str,
    parameters: dict[str, Any],
    features: list[str] | None,
    force_features: bool = False,
) -> tuple[list[str], dict[str, Any]]:
    """(features, parameters) ready for the engine; ValidationError naming the field otherwise.
    `n_clusters` left out means: chosen by silhouette when the run starts. Id columns are
    features only with `force_features` (see `clustering.features.features_clean`)."""
    if algorithm not in Algorithm.values:
        raise _fail(
            "algorithm", f"Unknown algorithm '{algorithm}'; choose one of {', '.join(Algorithm)}."
        )
    unknown = sorted(set(parameters) - PARAMETER_NAMES)
    if unknown:
        raise _fail(
            unknown[0],
            f"Unknown parameter '{unknown[0]}'; known: {', '.join(sorted(PARAMETER_NAMES))}.",
        )
    n_rows = dataset.n_rows
    if not dataset.parquet_file:
        raise _fail("dataset", f"Dataset {dataset.pk} has no data file; upload the table again.")
    try:  # the engine's own rule, in its words, before anything is queued
        engine.check_row_count(n_rows)
    except engine.EngineInputError as exc:
        raise _fail("dataset", str(exc)) from None
    chosen = features_clean(schema=dataset.schema, features=features, force_ids=force_features)
    cleaned = {key: value for key, value in parameters.items() if value is not None}

    n_clusters = cleaned.get("n_clusters")
    if algorithm in NEEDS_K and n_clusters is not None:
        if isinstance(n_clusters, bool) or not isinstance(n_clusters, int):
            raise _fail("n_clusters", "n_clusters must be a whole number.")
        if not MIN_CLUSTERS <= n_clusters <= MAX_CLUSTERS:
            raise _fail(
                "n_clusters",
                f"Choose between {MIN_CLUSTERS} and {MAX_CLUSTERS} clusters; got {n_clusters}.",
            )
        if n_clusters >= n_rows:
            raise _fail(
                "n_clusters",
                f"Choose fewer clusters than rows: the dataset has {n_rows} rows, so at most "
                f"{n_rows - 1} clusters; got {n_clusters}.",
            )
    linkage = cleaned.get("linkage")
    if linkage is not None and linkage not in LINKAGES:
        raise _fail("linkage", f"Unknown linkage '{linkage}'; choose one of {', '.join(LINKAGES)}.")
    transform = cleaned.get("feature_transform")
    if transform is not None and transform not in FEATURE_TRANSFORMS:
        raise _fail(
            "feature_transform",
            f"Unknown feature_transform {transform!r}; choose one of "
            f"{', '.join(FEATURE_TRANSFORMS)}.",
        )
    single_limit = settings.MAX_DATASET_ROWS  # a registered dataset may hold more than that
    if n_rows > single_limit and algorithm not in DISTRIBUTED_ALGORITHMS:
        raise _fail(
            "algorithm",
            f"This dataset has {n_rows:,} rows, more than one machine clusters "
            f"({single_limit:,}); {algorithm} has no distributed form. Choose "
            f"{' or '.join(DISTRIBUTED_ALGORITHMS)}, which runs on the Dask cluster.",
        )
    if n_rows > single_limit and not settings.DASK_SCHEDULER_ADDRESS:
        raise _fail(
            "dataset",
            f"This dataset has {n_rows:,} rows, more than one machine clusters "
            f"({single_limit:,}), and no Dask cluster is configured (DASK_SCHEDULER_ADDRESS); "
            "ask an administrator to set one up.",
        )
    limit = HIERARCHICAL_MAX_ROWS
    sampling = cleaned.get("allow_sampling", True)
    if algorithm == Algorithm.HIERARCHICAL and not sampling and n_rows > limit:
        raise _fail(
            "algorithm",
            f"Hierarchical clustering is limited to {limit:,} rows (its memory grows with the "
            f"square of the rows); this dataset has {n_rows:,}. Allow sampling (it then fits "
            "on a sample and assigns every other row to the nearest cluster), or use kmeans.",
        )
    components = cleaned.get("pca_components")
    if components is not None and (not isinstance(components, int) or components < 1):
        raise _fail("pca_components", "pca_components must be a whole number of at least 1.")
    try:  # the engine's own checks (types, ranges), before anything is queued
        engine.validate_params(algorithm, cleaned, n_rows=n_rows)
    except engine.EngineInputError as exc:
        raise ValidationError(str(exc)) from None
    return chosen, cleaned
