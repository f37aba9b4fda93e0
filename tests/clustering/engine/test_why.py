"""Why a customer is in its segment: the contributions add up to the squared-distance difference
between the runner-up and the own segment, the runner-up is the one the model ranks second, and
the features named are the ones that really set the two segments apart."""

import numpy as np
import pandas as pd
import pytest

from clustering.engine import fit, load_model
from clustering.engine.why import explain, typical_values
from common.numbers import number_text
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA
from tests.clustering.engine.test_model import random_customers


def _heavy_tailed_customers(n_rows: int = 900, seed: int = 3) -> pd.DataFrame:
    """Numbers with a long tail (log-scaled at fit time) next to categories."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "spend": rng.lognormal(5, 1.4, n_rows).round(2),
            "orders": rng.lognormal(1.5, 1.0, n_rows).round(),
            "age": rng.uniform(18, 80, n_rows).round(),
            "region": rng.choice(["North", "South", "East"], n_rows),
            "channel": rng.choice(["web", "shop"], n_rows),
        }
    )


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("kmeans", {"n_clusters": 4}),
        ("kmeans", {"n_clusters": 3, "use_pca": True, "pca_components": 3}),
        ("gmm", {"n_clusters": 3}),
        ("hierarchical", {"n_clusters": 3, "linkage": "average"}),
    ],
)
def test_contributions_sum_to_the_squared_distance_difference(algorithm, params):
    frame = _heavy_tailed_customers()
    result = fit(frame, algorithm=algorithm, params=params)
    model = load_model(result.artifact)
    if algorithm == "kmeans" and not params.get("use_pca"):
        assert {"spend", "orders"} <= {
            name
            for name, kind in zip(
                model.encoder.numeric_columns, model.encoder.transforms, strict=True
            )
            if kind == "log1p"
        }
    rows = frame.sample(200, random_state=1)
    x = model.transform(rows)
    explanations = explain(model, rows)
    labels, _ = model.predict(rows)
    for i, explanation in enumerate(explanations):
        own = model.centroids[model.labels.tolist().index(explanation.cluster)]
        other = model.centroids[model.labels.tolist().index(explanation.runner_up)]
        expected = np.sum((x[i] - other) ** 2) - np.sum((x[i] - own) ** 2)
        assert sum(explanation.contributions.values()) == pytest.approx(expected, abs=1e-9)
        assert explanation.squared_margin == pytest.approx(expected, abs=1e-9)
        assert set(explanation.contributions) == set(model.features)
        assert explanation.cluster == labels[i]
        assert explanation.runner_up != explanation.cluster


def test_contributions_sum_on_unseen_and_missing_values(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    rows = random_customers(300, seed=7)  # missing incomes, unknown genders and regions
    x = model.transform(rows)
    distances = model.distances(x)
    for i, explanation in enumerate(explain(model, rows)):
        ranked = np.sort(distances[i])
        assert explanation.distance == pytest.approx(ranked[0], abs=1e-6)
        assert explanation.runner_up_distance == pytest.approx(ranked[1], abs=1e-6)
        assert sum(explanation.contributions.values()) == pytest.approx(
            explanation.runner_up_distance**2 - explanation.distance**2, abs=1e-9
        )
        assert 0 <= explanation.runner_up_share <= 50
        assert all(reason.contribution > 0 for reason in explanation.reasons)


def test_runner_up_of_a_mixture_is_its_second_most_probable_component(customers):
    frame, _ = customers
    model = load_model(
        fit(frame, schema=CUSTOMER_SCHEMA, algorithm="gmm", params={"n_clusters": 4}).artifact
    )
    x = model.transform(frame)
    order = np.argsort(-model.mixture.log_probabilities(x), axis=1)
    own, runner_up = model.own_and_runner_up(x, model.distances(x))
    np.testing.assert_array_equal(own, order[:, 0])
    np.testing.assert_array_equal(runner_up, order[:, 1])


def _two_segments(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Two segments apart in spend and region only; the other features are the same noise."""
    rng = np.random.default_rng(seed)
    segment = np.arange(n_rows) % 2
    return pd.DataFrame(
        {
            "spend": np.where(segment == 0, 1000.0, 100.0) + rng.normal(0, 30, n_rows),
            "region": np.where(
                segment == 0,
                rng.choice(["North", "South"], n_rows, p=[0.9, 0.1]),
                rng.choice(["North", "South"], n_rows, p=[0.1, 0.9]),
            ),
            "tenure": rng.normal(24, 6, n_rows),
            "visits": rng.normal(10, 3, n_rows),
        }
    )


def test_top_features_are_the_ones_planted_to_differ():
    frame = _two_segments()
    result = fit(frame, params={"n_clusters": 2, "feature_transform": "none"})
    model = load_model(result.artifact)
    profiles = {cluster.label: cluster.profile for cluster in result.clusters}
    typical = typical_values(model, profiles)
    customer = {"spend": 1010.0, "region": "North", "tenure": 24.0, "visits": 10.0}
    (explanation,) = explain(model, customer, typical=typical)
    top = [reason.feature for reason in explanation.reasons]
    assert top[:2] == ["spend", "region"]
    spend = explanation.reasons[0]
    own, other = explanation.cluster_name, explanation.runner_up_name
    assert spend.segment_typical == pytest.approx(
        profiles[explanation.cluster]["median_values"]["spend"]
    )
    assert spend.runner_up_typical < 200 < 900 < spend.segment_typical
    assert spend.sentence == (
        f"spend 1,010 vs typical {number_text(spend.segment_typical)} in {own} and "
        f"{number_text(spend.runner_up_typical)} in {other}"
    )
    region = explanation.reasons[1]
    assert region.value == "North"
    assert region.typical_is == "share"
    assert region.segment_typical > 80 > 20 > region.runner_up_typical
    assert region.sentence.startswith("region North: ")
    assert f" % of {own} and " in region.sentence
    assert region.sentence.endswith(f" % of {other}")


def _artifact(**extra: object) -> dict:
    """A one-feature model written by hand: spend, centres 980 (Champions) and 85 (Loyal)."""
    return {
        "version": 1,
        "algorithm": "kmeans",
        "features": ["spend"],
        "numeric": {"columns": ["spend"], "medians": [900.0], "means": [0.0], "scales": [1.0]},
        "categorical": {"columns": [], "categories": []},
        "centroids": [[980.0], [85.0]],
        "labels": [0, 1],
        "names": ["Champions", "Loyal"],
        **extra,
    }


def test_sentence_in_original_units_with_each_segments_typical_value():
    model = load_model(_artifact())
    typical = typical_values(
        model, {0: {"median_values": {"spend": 980}}, 1: {"median_values": {"spend": 85}}}
    )
    (explanation,) = explain(model, {"spend": 1240}, typical=typical)
    assert explanation.runner_up_name == "Loyal"
    assert explanation.margin == pytest.approx((1240 - 85) - (1240 - 980))
    assert explanation.squared_margin == pytest.approx(1155**2 - 260**2)
    assert explanation.runner_up_share == pytest.approx(100 * 260 / (260 + 1155))
    (reason,) = explanation.reasons
    assert reason.sentence == "spend 1,240 vs typical 980 in Champions and 85 in Loyal"
    assert explanation.as_dict()["runner_up"] == {"cluster": 1, "cluster_name": "Loyal"}


def test_missing_value_is_said_with_the_median_it_counts_as():
    model = load_model(_artifact())
    (explanation,) = explain(model, {"spend": None})
    (reason,) = explanation.reasons
    assert reason.value is None
    assert (
        reason.sentence == "spend missing (taken as 900) vs centre 980 in Champions and 85 in Loyal"
    )


def test_one_cluster_has_no_explanation():
    model = load_model(_artifact(centroids=[[980.0]], labels=[0], names=["Everyone"]))
    assert explain(model, {"spend": 10}) == [None]


def test_stored_own_label_is_explained_against_the_best_other(customers):
    frame, _ = customers
    model = load_model(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact)
    rows = frame.head(50)
    labels, _ = model.predict(rows)
    stored = [(int(label) + 1) % 4 for label in labels]  # never the nearest centre
    for explanation, label in zip(explain(model, rows, own_labels=stored), stored, strict=True):
        assert explanation.cluster == label
        assert explanation.squared_margin < 0  # the runner-up is nearer: said, not hidden
        assert sum(explanation.contributions.values()) == pytest.approx(
            explanation.squared_margin, abs=1e-9
        )
    assert explain(model, rows.head(1), own_labels=[-1]) == [None]  # noise: no centre
