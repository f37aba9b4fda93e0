"""What the artifact keeps of the training rows: each numeric feature's range in original units
and each segment's median confidence; an artifact saved before they existed still loads."""

import json

import numpy as np
import pytest

from clustering.engine import fit, load_model
from clustering.engine.compiled import confidence_from_distances, nearest_other
from clustering.engine.ranges import TrainingRanges, typical_confidences
from datasets.demo import generate_customers

FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]


@pytest.fixture(scope="module")
def fitted():
    frame = generate_customers(400, seed=1)
    frame.loc[3, "annual_income"] = np.nan  # a gap: the range is of the values there are
    return frame, fit(frame, features=FEATURES, params={"n_clusters": 4})


def test_the_artifact_keeps_each_numeric_features_training_range(fitted):
    frame, result = fitted
    artifact = result.artifact
    columns = artifact["numeric"]["columns"]

    assert json.loads(json.dumps(artifact, allow_nan=False)) == artifact
    assert artifact["ranges"]["minimums"] == [float(frame[name].min()) for name in columns]
    assert artifact["ranges"]["maximums"] == [float(frame[name].max()) for name in columns]
    ranges = load_model(artifact).ranges
    assert ranges.bounds("annual_income") == (
        frame["annual_income"].min(),
        frame["annual_income"].max(),
    )
    assert ranges.bounds("gender") is None


def test_the_artifact_keeps_each_segments_median_training_confidence(fitted):
    _, result = fitted
    artifact = result.artifact
    expected = [
        round(float(np.median(result.confidences[result.labels == label])), 2)
        for label in artifact["labels"]
    ]

    assert artifact["typical_confidences"] == expected
    assert load_model(artifact).typical_confidence == dict(
        zip(artifact["labels"], expected, strict=True)
    )


def test_an_artifact_without_ranges_or_typical_confidences_loads_without_them(fitted):
    _, result = fitted
    old = {
        key: value
        for key, value in result.artifact.items()
        if key not in ("ranges", "typical_confidences")
    }

    model = load_model(old)

    assert model.ranges is None
    assert model.typical_confidence == {}
    labels, _ = model.predict({"age": 30, "gender": "Male", "annual_income": 50})
    assert labels[0] in model.labels


@pytest.mark.parametrize(
    "ranges",
    [None, "broken", {"minimums": [1.0]}, {"minimums": [1, 2], "maximums": ["a", "b"]}],
)
def test_a_damaged_ranges_part_gives_no_ranges(ranges):
    artifact = {"numeric": {"columns": ["age", "income"]}, "ranges": ranges}
    assert TrainingRanges.of(artifact) is None


def test_typical_confidences_are_per_centroid_label_with_none_for_an_empty_one():
    labels = np.array([0, 0, 0, 2, 2])
    confidences = np.array([10.0, 30.0, 80.0, 50.0, 70.0], dtype=np.float32)

    assert typical_confidences(labels, confidences, [0, 1, 2]) == [30.0, None, 60.0]


def test_the_runner_up_is_the_centre_the_confidence_is_measured_against():
    distances = np.array([[1.0, 4.0, 2.0], [3.0, 0.5, 0.6], [2.0, 2.0, 9.0]])
    own = np.array([0, 1, 0])

    runner_up = nearest_other(distances, own)

    assert runner_up.tolist() == [2, 2, 1]
    rows = np.arange(3)
    ratio = distances[rows, own] / distances[rows, runner_up]
    np.testing.assert_allclose(confidence_from_distances(distances, own), (1 - ratio) * 100)
    assert nearest_other(np.array([[1.0], [2.0]]), np.array([0, 0])).tolist() == [0, 0]


def test_predict_columns_runner_up_agrees_with_predict_columns(fitted):
    frame, result = fitted
    model = load_model(result.artifact)
    rows = frame.head(50)
    columns = {name: rows[name].tolist() for name in FEATURES}

    labels, confidences = model.predict_columns(columns, n_rows=50)
    labels2, confidences2, runner_ups = model.predict_columns_runner_up(columns, n_rows=50)

    assert labels2.tolist() == labels.tolist()
    np.testing.assert_array_equal(confidences2, confidences)
    assert (runner_ups != labels).all()
