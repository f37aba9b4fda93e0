"""Real published segmentations for the profiles tests: a generated customer table uploaded
through the datasets service and clustered by the real engine through the run services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from clustering.services import run_execute_inline, run_publish
from datasets.demo import generate_customers
from datasets.services import dataset_create_from_upload
from profiles.predictor.cache import process_cache_clear
from tests.factories import AnalystFactory

DOC004_FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]
DOC004_BODY = {
    "sex": "Male",
    "age": 35,
    "annual_income": 65.0,
    "spending_score": 75,
    "purchase_frequency": 12,
}


@pytest.fixture(autouse=True)
def _fresh_predictor_cache():
    """Database rows roll back between tests (and SQLite reuses ids): so does the model cache."""
    process_cache_clear()
    yield
    process_cache_clear()


def upload_customers(*, owner=None, rows: int = 300, seed: int = 0, frame=None):
    frame = generate_customers(rows, seed=seed) if frame is None else frame
    upload = SimpleUploadedFile(
        "customers.csv", frame.to_csv(index=False).encode(), content_type="text/csv"
    )
    dataset, _ = dataset_create_from_upload(
        owner=owner or AnalystFactory(), uploaded_file=upload, force_new=True
    )
    return dataset


def train(dataset, *, features=None, algorithm="kmeans", publish=True, **parameters):
    parameters = {"n_clusters": 4, "random_state": 0, **parameters}
    run = run_execute_inline(
        dataset=dataset,
        user=dataset.owner,
        algorithm=algorithm,
        parameters=parameters,
        features=features or DOC004_FEATURES,
    )
    if publish:
        # The version bump and the signal follow the commit, as they do outside tests.
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = run_publish(run=run, user=dataset.owner)
    return run


@pytest.fixture
def published_run(db):
    """A k-means segmentation of document 004's five features, published."""
    return train(upload_customers())
