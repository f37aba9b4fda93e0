"""The compiled model is the one place the artifact is applied: training's encoding, the run's
confidences, frames, records, one record and checked columns all give the same numbers."""

import numpy as np
import pandas as pd
import pytest

from clustering.engine import Prediction, fit, load_model
from clustering.engine.compiled import FeatureTransform, confidence_from_distances
from clustering.engine.preprocess import prepare
from clustering.engine.values import category_string
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA
from tests.clustering.engine.test_model import random_customers


@pytest.mark.parametrize("params", [{}, {"use_pca": True, "pca_components": 3}])
def test_training_matrix_is_the_compiled_transform_of_the_training_rows(customers, params):
    frame, _ = customers
    prepared = prepare(frame, schema=CUSTOMER_SCHEMA, features=None, **params)
    model = load_model(
        fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4, **params}).artifact
    )
    np.testing.assert_allclose(prepared.matrix, model.transform(frame), rtol=0, atol=1e-5)


def test_run_confidences_are_the_compiled_rule_on_the_fitted_labels(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, algorithm="gmm", params={"n_clusters": 4})
    model = load_model(result.artifact)
    distances = model.distances(model.transform(frame))
    expected = confidence_from_distances(distances, result.labels)
    np.testing.assert_allclose(result.confidences, expected, rtol=0, atol=1e-3)


@pytest.mark.parametrize("algorithm", ["kmeans", "gmm"])
def test_record_frame_and_columns_predict_alike(customers, algorithm):
    frame, _ = customers
    model = load_model(
        fit(frame, schema=CUSTOMER_SCHEMA, algorithm=algorithm, params={"n_clusters": 4}).artifact
    )
    new = random_customers(200, seed=3).dropna()
    frame_labels, frame_confidences = model.predict_frame(new)
    records = new.to_dict("records")
    encoder = model.encoder
    columns = {name: [r[name] for r in records] for name in encoder.numeric_columns}
    for name in encoder.categorical_columns:
        columns[name] = [category_string(r[name]) for r in records]
    column_labels, column_confidences = model.predict_columns(columns, n_rows=len(records))

    assert np.array_equal(frame_labels, column_labels)
    np.testing.assert_allclose(frame_confidences, column_confidences, rtol=0, atol=1e-9)
    for i, record in enumerate(records[:20]):
        one = model.predict_record(record)
        assert isinstance(one, Prediction)
        assert one.label == frame_labels[i]
        assert one.confidence == pytest.approx(frame_confidences[i])
        assert len(one.distances) == len(model.centroids)
        nearest = int(np.argmin(one.distances))
        if algorithm == "kmeans":
            assert model.labels[nearest] == one.label


def test_missing_and_infinite_numbers_are_imputed_with_the_median():
    transform = FeatureTransform.of(
        {
            "numeric": {"columns": ["a"], "medians": [5.0], "means": [1.0], "scales": [2.0]},
            "categorical": {"columns": ["g"], "categories": [["x", "y"]]},
            "pca": None,
        }
    )
    values = np.array([[np.nan], [np.inf], [3.0]])
    codes = [np.array([1, -1, 0])]
    encoded = transform.encode(values, codes, n_rows=3)
    assert encoded.tolist() == [[2.0, 0.0, 1.0], [2.0, 0.0, 0.0], [1.0, 1.0, 0.0]]


def test_confidence_rule_of_noise_ties_and_one_cluster():
    distances = np.array([[1.0, 4.0], [2.0, 2.0], [0.0, 0.0], [3.0, 1.0]])
    own = np.array([0, 0, 0, -1])
    assert confidence_from_distances(distances, own).tolist() == [75.0, 0.0, 0.0, 0.0]
    assert confidence_from_distances(np.ones((2, 1)), np.array([0, 0])).tolist() == [0.0, 0.0]
    assert confidence_from_distances(distances.astype(np.float32), own).dtype == np.float32


def test_frame_without_a_feature_column_imputes_it(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    new = random_customers(10, seed=4)
    without = new.drop(columns=["age"])
    with_median = new.assign(age=model.artifact["numeric"]["medians"][0])
    assert np.array_equal(model.predict(without)[0], model.predict(with_median)[0])
    assert isinstance(model.transform(pd.DataFrame(new)), np.ndarray)
