"""The prediction fast path gives the engine's answer: the same labels and confidences as the
engine's reference model and its scikit-learn rebuild, on many random customers, for every
algorithm. Artifacts come from real runs of the real engine."""

import numpy as np
import pandas as pd
import pytest

from clustering.engine import load_model
from clustering.engine.preprocess import category_string
from datasets.selectors import customer_attributes
from profiles.predictor.model import ArtifactError, compile_artifact

from .conftest import train, upload_customers

N_RANDOM = 400


def _random_records(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    genders = ["Male", "Female", "Other"]  # "Other" was never seen: encodes as all zeros
    regions = ["North", "South", "East", "West", "Central", "Coastal", "Mars"]
    return [
        {
            "age": int(rng.integers(18, 101)),
            "gender": genders[int(rng.integers(0, 3))],
            "region": regions[int(rng.integers(0, 7))],
            "annual_income": float(rng.uniform(0, 200)),
            "spending_score": int(rng.integers(1, 101)),
            "purchase_frequency": float(rng.uniform(0, 70)),
            "avg_purchase_amount": float(rng.uniform(5, 300)),
            "tenure_months": int(rng.integers(1, 121)),
        }
        for _ in range(n)
    ]


def _roles(run) -> dict:
    return {column["name"]: column.get("role") for column in run.dataset.schema}


def _predict(model, records: list[dict]) -> tuple[list[int], list[float]]:
    """Labels and unrounded confidences from the encoding and prediction `predict_batch` runs,
    for records given as rows (unknown categories included, which `clean_batch` would refuse)."""
    encoder = model.compiled.encoder
    columns = {column: [r.get(column) for r in records] for column in encoder.numeric_columns}
    for column in encoder.categorical_columns:
        columns[column] = [category_string(r.get(column)) for r in records]
    labels, confidences = model.compiled.predict_columns(columns, n_rows=len(records))
    return labels.tolist(), confidences.tolist()


@pytest.mark.parametrize(
    ("algorithm", "features", "parameters"),
    [
        ("kmeans", None, {}),
        ("kmeans", ["age", "gender", "region", "annual_income", "tenure_months"], {}),
        ("kmeans", None, {"use_pca": True, "pca_components": 3}),
        ("kmeans", None, {"normalize": False}),
        ("minibatch_kmeans", None, {}),
        ("hierarchical", None, {}),
        ("gmm", None, {}),
    ],
)
@pytest.mark.django_db
def test_fast_path_matches_engine_reference_on_random_inputs(algorithm, features, parameters):
    run = train(
        upload_customers(rows=250, seed=5),
        features=features,
        algorithm=algorithm,
        publish=False,
        **parameters,
    )
    records = _random_records(N_RANDOM, seed=sum(map(ord, algorithm)))
    fast = compile_artifact(run.model_artifact, roles=_roles(run), run_id=run.pk)
    reference = load_model(run.model_artifact)

    predicted_labels, predicted_confidences = _predict(fast, records)
    labels, confidences = reference.predict(records)
    sklearn_labels = reference.to_sklearn().predict(pd.DataFrame(records))

    assert predicted_labels == labels.tolist()
    assert predicted_labels == [int(v) for v in sklearn_labels]
    np.testing.assert_allclose(predicted_confidences, confidences, rtol=0, atol=1e-3)
    names = dict(zip(reference.labels.tolist(), reference.names, strict=True))
    assert fast.compiled.names_by_label == names


@pytest.mark.django_db
def test_fast_path_matches_engine_on_training_rows(published_run):
    """Customers the run was trained on land in the cluster their assignment says."""
    from clustering.models import Assignment

    model = compile_artifact(
        published_run.model_artifact, roles=_roles(published_run), run_id=published_run.pk
    )
    assignments = Assignment.objects.filter(run=published_run).select_related("customer")[:100]
    values = customer_attributes(
        dataset=published_run.dataset, row_numbers=[a.customer.row_number for a in assignments]
    )
    rows = [values[a.customer.row_number] for a in assignments]

    predicted, _ = _predict(model, rows)

    agree = sum(p == a.cluster_label for p, a in zip(predicted, assignments, strict=True))
    assert agree >= 98


@pytest.mark.parametrize("artifact", [{}, {"version": 2, "centroids": [[0.0]]}, {"version": 1}])
def test_compile_artifact_refuses_an_unusable_artifact(artifact):
    with pytest.raises(ArtifactError, match="no model"):
        compile_artifact(artifact, roles={})
