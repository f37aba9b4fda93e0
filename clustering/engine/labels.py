"""Cluster labels: DBSCAN's noise label and the number of real clusters. Imports numpy only."""

from collections.abc import Iterable

import numpy as np

NOISE_LABEL = -1  # DBSCAN's label for rows too far from any dense region: no cluster


def cluster_count(labels: Iterable[int] | np.ndarray) -> int:
    """How many distinct clusters the labels name, noise left out."""
    if isinstance(labels, np.ndarray):
        return int(np.count_nonzero(np.unique(labels) != NOISE_LABEL))
    return len({int(label) for label in labels} - {NOISE_LABEL})
