"""Row sampling, one rule everywhere: sorted positions of a uniform sample without replacement.

Used by the engine (fits on a sample, sampled metrics, PCA), the k sweep of a large dataset and
the charts. Reproducible: the same seed (or generator state) picks the same rows. Imports numpy
only.
"""

import numpy as np


def sample_rows(
    rows: int | np.ndarray, size: int, *, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Sorted positions 0..rows-1 (or, when `rows` is an array, its elements) of a uniform sample
    of `size` without replacement; all of them, in order, when there are no more than `size`.

    `seed` is a number, or a generator whose state advances (several samples of one stream)."""
    pool = np.arange(rows) if isinstance(rows, int | np.integer) else np.asarray(rows)
    if len(pool) <= size:
        return pool
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return np.sort(pool[rng.choice(len(pool), size=size, replace=False)])
