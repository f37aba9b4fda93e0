"""A customer table with a planted tiny group of extreme customers (no Django)."""

import numpy as np
import pandas as pd

from datasets.demo import generate_rfm_customers

PLANTED = 28


def rfm_with_extreme_customers(rows: int = 3_000, seed: int = 0) -> pd.DataFrame:
    """An RFM table with PLANTED customers who spend about 100x the average, very often."""
    frame = generate_rfm_customers(rows, seed=seed)
    rng = np.random.default_rng(seed + 5)
    extreme = frame.sample(PLANTED, random_state=seed).copy()
    extreme["monetary"] = rng.uniform(300_000, 500_000, PLANTED).round(2)
    extreme["frequency"] = rng.integers(300, 500, PLANTED)
    extreme["customer_id"] = [f"EXTREME-{i}" for i in range(PLANTED)]
    return pd.concat([frame, extreme], ignore_index=True)
