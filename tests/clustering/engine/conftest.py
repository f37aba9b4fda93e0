"""Small known frames for the engine's tests: blobs, and customers shaped like the demo data."""

import numpy as np
import pandas as pd
import pytest

# Four customer types, far apart: (annual_income k$, spending_score, age, purchase_frequency)
SEGMENTS = {
    "high_value": (95.0, 85.0, 38.0, 22.0),
    "budget": (25.0, 18.0, 47.0, 5.0),
    "potential_growth": (90.0, 15.0, 52.0, 6.0),
    "young_enthusiasts": (40.0, 60.0, 22.0, 28.0),
}


def make_blobs(
    *, n_rows: int = 600, centers: int = 4, n_features: int = 3, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Well separated Gaussian blobs (spread 1, centres 20 apart) and their true labels."""
    rng = np.random.default_rng(seed)
    truth = np.arange(n_rows) % centers
    centres = np.arange(centers)[:, None] * 20.0 + rng.normal(0, 2, size=(centers, n_features))
    values = centres[truth] + rng.normal(0, 1.0, size=(n_rows, n_features))
    frame = pd.DataFrame(values, columns=[f"x{i}" for i in range(n_features)])
    return frame, truth


def make_customers(*, n_rows: int = 800, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers with the demo data's columns and four clear segments (truth = segment index)."""
    rng = np.random.default_rng(seed)
    truth = np.arange(n_rows) % len(SEGMENTS)
    means = np.array(list(SEGMENTS.values()))[truth]
    spread = np.array([5.0, 5.0, 3.0, 1.5])
    values = means + rng.normal(0, 1, size=(n_rows, 4)) * spread
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n_rows)],
            "age": values[:, 2].round(),
            "gender": rng.choice(["Female", "Male"], n_rows),
            "region": np.where(truth == 3, "North", rng.choice(["South", "East", "West"], n_rows)),
            "annual_income": values[:, 0].round(1),
            "spending_score": values[:, 1].round(),
            "purchase_frequency": values[:, 3].round(),
        }
    )
    return frame, truth


CUSTOMER_SCHEMA = [
    {"name": "customer_id", "dtype": "object", "kind": "id", "role": "customer_id", "missing": 0},
    {"name": "age", "dtype": "float64", "kind": "numeric", "role": "age", "missing": 0},
    {"name": "gender", "dtype": "object", "kind": "categorical", "role": "gender", "missing": 0},
    {"name": "region", "dtype": "object", "kind": "categorical", "role": "region", "missing": 0},
    {
        "name": "annual_income",
        "dtype": "float64",
        "kind": "numeric",
        "role": "income",
        "missing": 0,
    },
    {
        "name": "spending_score",
        "dtype": "float64",
        "kind": "numeric",
        "role": "spending_score",
        "missing": 0,
    },
    {
        "name": "purchase_frequency",
        "dtype": "float64",
        "kind": "numeric",
        "role": "purchase_frequency",
        "missing": 0,
    },
]


@pytest.fixture
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    return make_blobs()


@pytest.fixture
def customers() -> tuple[pd.DataFrame, np.ndarray]:
    return make_customers()
