"""feature_transform: heavy-tailed numeric features are log-scaled (or Yeo-Johnson) from the data,
the choice travels in the artifact and every path that applies the model applies it."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from clustering.engine import EngineInputError, fit, load_model
from clustering.engine.compiled import apply_numeric_transform, invert_numeric_transform
from clustering.engine.fitting import TRANSFORMED_KMEANS_STARTS
from clustering.engine.preprocess import prepare
from datasets.demo import generate_rfm_customers

RFM = ["recency_days", "frequency", "monetary", "tenure_days"]


@pytest.fixture(scope="module")
def rfm():
    return generate_rfm_customers(10_000, seed=0)


@pytest.fixture(scope="module")
def rfm_auto(rfm):
    return fit(rfm, params={"n_clusters": 4, "stability": False})


def test_auto_log_scales_the_heavy_tailed_features_and_records_it(rfm_auto):
    numeric = rfm_auto.artifact["numeric"]
    chosen = dict(zip(numeric["columns"], numeric["transforms"], strict=True))
    assert chosen == {
        "recency_days": "none",
        "frequency": "log1p",
        "monetary": "log1p",
        "tenure_days": "none",
    }
    assert rfm_auto.parameters["feature_transform"] == "auto"


def test_the_explanation_says_what_was_done(rfm_auto):
    notes = [note for note in rfm_auto.notes if "log-scaled" in note]
    assert len(notes) == 2
    assert notes[1].startswith("monetary: log-scaled, skewness ")
    skewness = float(notes[1].rsplit(" ", 1)[1])
    assert skewness > 5


def test_prediction_of_a_training_row_equals_its_assignment(rfm, rfm_auto):
    model = load_model(rfm_auto.artifact)
    labels, confidences = model.predict(rfm)
    assert (labels == rfm_auto.labels).all()
    assert np.allclose(confidences, rfm_auto.confidences, atol=1e-3)
    records = rfm.head(200).to_dict("records")
    assert (model.predict(records)[0] == rfm_auto.labels[:200]).all()
    one = model.predict_record(records[7])
    assert one.label == rfm_auto.labels[7]


def test_the_scikit_learn_reference_applies_the_same_transform(rfm, rfm_auto):
    reference = load_model(rfm_auto.artifact).to_sklearn()
    assert (reference.predict(rfm) == rfm_auto.labels).all()


def test_centroids_stay_in_original_units(rfm, rfm_auto):
    for cluster in rfm_auto.clusters:
        members = rfm["monetary"][rfm_auto.labels == cluster.label]
        assert members.min() <= cluster.centroid["monetary"] <= members.max()
        assert cluster.profile["mean_values"]["monetary"] == pytest.approx(members.mean())


def test_auto_gives_balanced_segments_that_agree_on_overlapping_samples(rfm, rfm_auto):
    shares = np.bincount(rfm_auto.labels) / len(rfm)
    assert shares.min() >= 0.05
    order = np.random.default_rng(1).permutation(len(rfm))
    first, second = np.sort(order[:7_000]), np.sort(order[3_000:])
    shared = np.intersect1d(first, second)
    params = {"n_clusters": 4, "stability": False}
    a = fit(rfm.iloc[first].reset_index(drop=True), params=params)
    b = fit(rfm.iloc[second].reset_index(drop=True), params=params)
    agreement = adjusted_rand_score(
        a.labels[np.searchsorted(first, shared)], b.labels[np.searchsorted(second, shared)]
    )
    assert agreement >= 0.9


def test_none_keeps_the_results_of_before():
    """Figures of this fit taken before feature_transform existed."""
    frame = generate_rfm_customers(2_000, seed=3)
    result = fit(frame, params={"n_clusters": 4, "feature_transform": "none"})
    assert np.bincount(result.labels).tolist() == [638, 1056, 269, 37]
    assert result.metrics["inertia"] == pytest.approx(2239.239258, abs=1e-5)
    assert set(result.artifact["numeric"]["transforms"]) == {"none"}
    assert not any("log-scaled" in note for note in result.notes)


def test_an_artifact_without_transforms_predicts_as_none():
    frame = generate_rfm_customers(2_000, seed=3)
    result = fit(frame, params={"n_clusters": 4, "feature_transform": "none"})
    old = {**result.artifact, "numeric": dict(result.artifact["numeric"])}
    del old["numeric"]["transforms"], old["numeric"]["lambdas"]
    labels, _ = load_model(old).predict(frame)
    assert (labels == result.labels).all()


def test_heavy_tails_with_negative_values_get_yeo_johnson():
    rng = np.random.default_rng(0)
    balance = np.concatenate([rng.lognormal(5, 1.5, 950), -rng.lognormal(2, 0.5, 50)])
    frame = pd.DataFrame({"balance": balance, "age": rng.normal(40, 10, 1000)})
    prepared = prepare(frame, schema=None, features=None)
    numeric = prepared.transform["numeric"]
    assert numeric["transforms"] == ["yeo_johnson", "none"]
    assert any(note.startswith("balance: Yeo-Johnson") for note in prepared.notes)
    lam = numeric["lambdas"][0]
    there = apply_numeric_transform(balance, "yeo_johnson", lam)
    assert np.allclose(invert_numeric_transform(there, "yeo_johnson", lam), balance)


def test_log1p_round_trips_and_answers_a_negative_value():
    values = np.array([-3.0, 0.0, 0.5, 10.0, 1e6])
    there = apply_numeric_transform(values, "log1p")
    assert np.isfinite(there).all()
    assert np.allclose(invert_numeric_transform(there, "log1p"), values)


def test_an_unknown_feature_transform_is_refused():
    frame = generate_rfm_customers(100, seed=0)
    with pytest.raises(EngineInputError, match="feature_transform"):
        fit(frame, params={"n_clusters": 3, "feature_transform": "log"})


def test_a_damaged_transform_list_is_refused(rfm_auto):
    damaged = {**rfm_auto.artifact, "numeric": dict(rfm_auto.artifact["numeric"])}
    damaged["numeric"]["transforms"] = ["log1p"]
    with pytest.raises(EngineInputError, match="damaged"):
        load_model(damaged)


def test_overlapping_samples_agree_above_the_small_data_size():
    """16,100-row samples: above the size where k-means gets 10 starts by default."""
    frame = generate_rfm_customers(23_000, seed=0)
    order = np.random.default_rng(1).permutation(len(frame))
    first, second = np.sort(order[:16_100]), np.sort(order[6_900:])
    shared = np.intersect1d(first, second)
    params = {"n_clusters": 4, "stability": False}
    a = fit(frame.iloc[first].reset_index(drop=True), params=params)
    b = fit(frame.iloc[second].reset_index(drop=True), params=params)
    assert a.parameters["n_init"] == TRANSFORMED_KMEANS_STARTS == 10
    assert min(np.bincount(a.labels)) >= 0.05 * len(first)
    agreement = adjusted_rand_score(
        a.labels[np.searchsorted(first, shared)], b.labels[np.searchsorted(second, shared)]
    )
    assert agreement >= 0.9


def test_none_keeps_one_start_above_the_small_data_size():
    frame = generate_rfm_customers(12_000, seed=0)
    params = {"n_clusters": 4, "stability": False, "feature_transform": "none"}
    assert fit(frame, params=params).parameters["n_init"] is None
