"""Data the engine cannot cluster, refused with a sentence the user can act on.

In: a row count, a feature's values, the model matrix and the number of clusters asked for.
Out: nothing, or DegenerateDataError (an EngineInputError, so every caller that already turns
the engine's errors into a 400 or a failed run with its reason does the same here). The rules
live here once: ``fit``, ``sweep_k`` and the services' checks before a run is queued call them.

- too few rows (a single customer included): ``check_row_count``;
- a feature with no value at all, so there is nothing to impute it from: ``check_has_values``;
- every feature constant (all rows alike after imputation) or fewer distinct rows than
  clusters: ``check_distinct_rows``;
- a fit that left a cluster without any row: ``check_clusters_filled``.

Imports numpy and pandas only.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.engine.errors import EngineInputError
from clustering.engine.labels import NOISE_LABEL

MIN_ROWS = 5  # fewer rows cannot form two clusters with a meaningful silhouette
DISTINCT_CHECK_CHUNK_ROWS = 200_000  # row blocks compared at once when keys are verified
SHOWN_FEATURES = 8  # a refusal names at most this many features


class DegenerateDataError(EngineInputError):
    """The data itself cannot be split into the clusters asked for; the message says why."""


def check_row_count(n_rows: int) -> None:
    """At least MIN_ROWS rows."""
    if n_rows < MIN_ROWS:
        raise DegenerateDataError(
            f"Clustering needs at least {MIN_ROWS} rows; this data has {n_rows}. Add customers "
            "and try again."
        )


def check_has_values(name: str, *, present: bool, numeric: bool) -> None:
    """A feature whose values are all missing cannot be imputed (no median, no category)."""
    if not present:
        what = "numeric values" if numeric else "values"
        raise DegenerateDataError(
            f"Column '{name}' has no {what}; pick another feature or clean the file."
        )


def check_distinct_rows(
    matrix: np.ndarray, *, n_clusters: int | None, features: Sequence[str], at_most: int
) -> int:
    """The number of distinct rows of the model matrix, counted up to ``at_most``; refuses data
    whose rows are all alike (every feature constant) or that has fewer distinct rows than
    ``n_clusters`` (None: only the first rule)."""
    distinct = distinct_rows(matrix, at_most=at_most)
    if distinct < 2:
        raise DegenerateDataError(
            f"Every customer has the same values in the chosen features ({_names(features)}), "
            "so there is nothing to split into segments; choose features that vary between "
            "customers."
        )
    if n_clusters is not None and distinct < n_clusters:
        raise DegenerateDataError(
            f"Only {distinct} customers differ in the chosen features ({_names(features)}); the "
            f"others repeat them, which is too few for {n_clusters} clusters. Choose at most "
            f"{distinct} clusters, or add features that tell customers apart."
        )
    return distinct


def check_clusters_filled(labels: np.ndarray, cluster_labels: Sequence[int]) -> None:
    """Every cluster of a fit holds at least one row (a mixture or mini-batch fit on nearly
    uniform data may leave one empty)."""
    present = set(np.unique(labels).tolist()) - {NOISE_LABEL}
    filled = sum(1 for label in cluster_labels if label in present)
    if filled < len(cluster_labels):
        raise DegenerateDataError(
            f"Only {filled} of the {len(cluster_labels)} clusters received customers: the data "
            f"varies too little for {len(cluster_labels)} clusters. Choose fewer clusters, or add "
            "features that tell customers apart."
        )


def distinct_rows(matrix: np.ndarray, *, at_most: int) -> int:
    """Distinct rows, counted exactly up to ``at_most`` in O(rows x columns).

    Each row gets a key, a fixed random weighting of its values summed column by column
    (elementwise, so equal rows always get equal keys). Different keys mean different rows;
    when fewer than ``at_most`` keys exist, each row is compared with the first row of its key,
    and only if two different rows share a key is the exact (sorting) count used."""
    n_rows, width = matrix.shape
    if n_rows == 0:
        return 0
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=width)
    key = np.zeros(n_rows, dtype=np.float64)
    for column in range(width):
        key += matrix[:, column].astype(np.float64) * weights[column]
    codes, uniques = pd.factorize(key)
    if len(uniques) >= at_most:
        return at_most
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(n_rows - 1, -1, -1)  # the first row of each key
    representatives = matrix[first]
    for start in range(0, n_rows, DISTINCT_CHECK_CHUNK_ROWS):
        block = slice(start, start + DISTINCT_CHECK_CHUNK_ROWS)
        if not (matrix[block] == representatives[codes[block]]).all():
            return min(len(np.unique(matrix, axis=0)), at_most)  # two rows shared a key
    return len(uniques)


def _names(features: Sequence[str]) -> str:
    shown = ", ".join(features[:SHOWN_FEATURES])
    return shown + (
        f" and {len(features) - SHOWN_FEATURES} more" if len(features) > SHOWN_FEATURES else ""
    )
