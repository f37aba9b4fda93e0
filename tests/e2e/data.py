"""Real data for page tests: CSV uploads through the datasets service and clustering runs through
the clustering service's documented synchronous path (`run_execute_inline`, small data only).
The browser tests that are about running a job use a real worker instead."""

import io

import numpy as np
import pandas as pd
from django.core.files.uploadedfile import SimpleUploadedFile

from clustering.services import run_execute_inline, run_publish
from datasets.demo import generate_customers
from datasets.services import dataset_create_from_upload

DEMO_ROWS = 300  # enough for five real segments, small enough for a fast inline run
# Document 004's five fields (gender is `sex` there): what predictions and saved profiles carry.
PROFILE_FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]


def demo_csv(rows: int = DEMO_ROWS, *, seed: int = 0) -> bytes:
    """A customer table with real segment structure, as CSV bytes."""
    buffer = io.StringIO()
    generate_customers(rows, seed=seed).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def dataset_upload(owner, content: bytes | None = None, *, name: str = "customers.csv"):
    """Upload a CSV through the datasets service, as the upload page does."""
    uploaded = SimpleUploadedFile(name, content or demo_csv(), content_type="text/csv")
    dataset, _ = dataset_create_from_upload(owner=owner, uploaded_file=uploaded)
    return dataset


def succeeded_run(dataset, user, *, k: int = 4, publish: bool = False, features=None, **parameters):
    """A finished K-Means run of the dataset (run inline), published on request."""
    algorithm = parameters.pop("algorithm", "kmeans")
    run = run_execute_inline(
        dataset=dataset,
        user=user,
        algorithm=algorithm,
        parameters={"n_clusters": k, **parameters},
        features=features,
    )
    if publish:
        run = run_publish(run=run, user=user)
    return run


def shop_csv(rows: int = 200, *, dominant: bool = False) -> bytes:
    """CustomerID (an all-unique id), age and spend; with `dominant`, all but four customers
    alike, so any segmentation puts nearly everyone in one segment."""
    rng = np.random.default_rng(0)
    age = rng.integers(18, 80, rows).astype(float)
    spend = rng.gamma(2.0, 300.0, rows).round(2)
    if dominant:
        age[:] = 40.0
        spend[:] = 100.0
        age[:4], spend[:4] = [90, 91, 92, 93], [9000, 9100, 9200, 9300]
    frame = pd.DataFrame(
        {"CustomerID": np.arange(10_001, 10_001 + rows), "age": age, "annual_spend": spend}
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def demo_csv_with_gaps(rows: int = DEMO_ROWS, *, seed: int = 0, every: int = 10) -> bytes:
    """The demo table with every `every`-th customer's gender, age and income left empty (the
    gaps a real export has): quality pages count them, segment views show them as "Unknown"."""
    frame = generate_customers(rows, seed=seed)
    frame["gender"] = frame["gender"].astype(object)
    frame.loc[::every, ["gender", "age", "annual_income"]] = None
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()
