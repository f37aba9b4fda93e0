"""The JSON artifact and load_model: the numpy fast path equals scikit-learn on random inputs."""

import json

import numpy as np
import pandas as pd
import pytest

from clustering.engine import EngineInputError, fit, load_model
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA, make_blobs


def random_customers(n_rows: int, *, seed: int) -> pd.DataFrame:
    """New customers over and beyond the training ranges: missing values, unseen categories."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(0, 150, n_rows)
    income[rng.random(n_rows) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "age": rng.uniform(15, 90, n_rows).round(),
            "gender": rng.choice(["Female", "Male", "Other", None], n_rows),
            "region": rng.choice(["North", "South", "East", "West", "Mars"], n_rows),
            "annual_income": income,
            "spending_score": rng.uniform(0, 100, n_rows),
            "purchase_frequency": rng.uniform(0, 35, n_rows),
        }
    )


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("kmeans", {"n_clusters": 4}),
        ("kmeans", {"n_clusters": 5, "normalize": False}),
        ("kmeans", {"n_clusters": 4, "use_pca": True, "pca_components": 3}),
        ("gmm", {"n_clusters": 4}),
        ("hierarchical", {"n_clusters": 4, "linkage": "average"}),
        ("dbscan", {}),
    ],
)
def test_model_fast_predict_equals_sklearn_reference_on_random_inputs(customers, algorithm, params):
    frame, _ = customers
    result = fit(
        frame, schema=CUSTOMER_SCHEMA, algorithm=algorithm, params={**params, "stability": False}
    )
    model = load_model(json.loads(json.dumps(result.artifact)))
    reference = model.to_sklearn()
    new = random_customers(1_000, seed=1)

    labels, confidences = model.predict(new)
    assert np.array_equal(labels, reference.predict(new))
    assert np.allclose(model.transform(new), reference[:-1].transform(new), atol=1e-9)
    assert ((confidences >= 0) & (confidences <= 100)).all()


def test_model_predicts_the_training_rows_as_fitted(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4})
    labels, confidences = load_model(result.artifact).predict(frame)
    assert np.array_equal(labels, result.labels)
    assert np.allclose(confidences, result.confidences, atol=1e-3)


def test_model_predicts_one_record_like_a_frame(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    new = random_customers(20, seed=2)
    frame_labels, frame_confidences = model.predict(new)
    for i, record in enumerate(new.to_dict("records")):
        label, confidence = model.predict(record)
        assert label[0] == frame_labels[i]
        assert confidence[0] == pytest.approx(frame_confidences[i])


def test_model_treats_missing_keys_and_text_numbers_like_missing_values(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    sparse = model.predict({"annual_income": "95", "spending_score": 85})
    imputed = model.predict(
        {
            "annual_income": 95.0,
            "spending_score": 85.0,
            "age": model.artifact["numeric"]["medians"][0],
            "purchase_frequency": model.artifact["numeric"]["medians"][3],
        }
    )
    assert sparse[0][0] == imputed[0][0]
    assert sparse[1][0] == pytest.approx(imputed[1][0])


def test_model_names_clusters_as_at_training(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4})
    model = load_model(result.artifact)
    label, _ = model.predict(
        {
            "age": 36,
            "gender": "Female",
            "region": "South",
            "annual_income": 97,
            "spending_score": 88,
            "purchase_frequency": 21,
        }
    )
    assert model.name_of(int(label[0])) == "High Value Customers"
    assert model.names == tuple(c.name for c in result.clusters)


def test_model_artifact_is_plain_json(blobs):
    frame, _ = blobs
    artifact = fit(frame, algorithm="hierarchical", params={"n_clusters": 4}).artifact
    text = json.dumps(artifact, allow_nan=False)
    assert json.loads(text) == artifact
    assert artifact["version"] == 1
    assert artifact["algorithm"] == "hierarchical"
    assert artifact["labels"] == [0, 1, 2, 3]
    assert len(artifact["dendrogram"]["linkage"]) == len(frame) - 1


def test_model_artifact_matches_the_documented_transform(customers):
    frame, _ = customers
    artifact = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact
    assert artifact["numeric"]["columns"] == [
        "age",
        "annual_income",
        "spending_score",
        "purchase_frequency",
    ]
    assert artifact["categorical"] == {
        "columns": ["gender", "region"],
        "categories": [["Female", "Male"], ["East", "North", "South", "West"]],
    }
    assert artifact["encoded_feature_names"][-1] == "region=West"
    assert artifact["numeric"]["means"][1] == pytest.approx(frame["annual_income"].mean())
    assert artifact["numeric"]["scales"][1] == pytest.approx(frame["annual_income"].std(ddof=0))


@pytest.mark.parametrize(
    "artifact", [{}, None, {"version": 1}, {"version": 1, "algorithm": "kmeans", "features": []}]
)
def test_load_model_refuses_an_unusable_artifact(artifact):
    with pytest.raises(EngineInputError, match="no usable model"):
        load_model(artifact)


def test_load_model_refuses_another_format_version():
    frame, _ = make_blobs(n_rows=60)
    artifact = {**fit(frame, params={"n_clusters": 4}).artifact, "version": 99}
    with pytest.raises(EngineInputError, match="format 99"):
        load_model(artifact)


def test_model_refuses_records_that_are_not_objects(blobs):
    frame, _ = blobs
    model = load_model(fit(frame, params={"n_clusters": 4}).artifact)
    with pytest.raises(EngineInputError, match="must be an object"):
        model.predict([1, 2, 3])


def test_model_treats_infinite_values_as_missing(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    infinite = model.predict({"annual_income": float("inf"), "spending_score": "-inf"})
    missing = model.predict({})
    assert infinite[0][0] == missing[0][0]
    assert np.isfinite(infinite[1]).all()
