"""fit(): every algorithm recovers known clusters, names follow profiles, stages report."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from clustering.engine import EngineCancelled, EngineInputError, fit
from clustering.engine.interpret import silhouette
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA, make_blobs


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("kmeans", {"n_clusters": 4}),
        ("minibatch_kmeans", {"n_clusters": 4}),
        ("gmm", {"n_clusters": 4}),
        ("hierarchical", {"n_clusters": 4, "linkage": "ward"}),
        ("hierarchical", {"n_clusters": 4, "linkage": "complete"}),
        ("hierarchical", {"n_clusters": 4, "linkage": "average"}),
        ("hierarchical", {"n_clusters": 4, "linkage": "single"}),
        ("dbscan", {}),
    ],
)
def test_fit_recovers_blobs_for_each_algorithm(blobs, algorithm, params):
    frame, truth = blobs
    result = fit(frame, algorithm=algorithm, params=params)
    assert adjusted_rand_score(truth, result.labels) > 0.98
    assert result.metrics["n_clusters"] == 4
    assert result.metrics["silhouette"] > 0.7
    assert len(result.labels) == len(result.confidences) == len(frame)


def test_fit_names_follow_customer_profiles(customers):
    frame, truth = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, algorithm="kmeans", params={"n_clusters": 4})
    assert adjusted_rand_score(truth, result.labels) > 0.98
    name_of_segment = {}
    for segment in range(4):
        label = np.bincount(result.labels[truth == segment]).argmax()
        name_of_segment[segment] = result.cluster(int(label)).name
    assert name_of_segment == {
        0: "High Value Customers",
        1: "Budget Conscious",
        2: "Potential Growth",
        3: "Young Enthusiasts",
    }
    young = result.cluster(int(np.bincount(result.labels[truth == 3]).argmax()))
    assert "Primarily from North region" in young.characteristics
    assert "Younger customers" in young.characteristics


def test_fit_names_are_descriptive_and_unique_when_roles_are_unknown(blobs):
    frame, _ = blobs
    schema = [{"name": c, "dtype": "float64", "kind": "numeric", "role": None} for c in frame]
    result = fit(frame, schema=schema, params={"n_clusters": 4})
    names = [cluster.name for cluster in result.clusters]
    assert len(set(names)) == 4
    assert all(re.fullmatch(r"(High|Low) x\d, (high|low) x\d", name) for name in names), names


def test_fit_leaves_out_ids_unless_asked(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4, "stability": False})
    assert "customer_id" not in result.features
    assert set(result.features) == {
        "age",
        "annual_income",
        "spending_score",
        "purchase_frequency",
        "gender",
        "region",
    }


def test_fit_explains_each_cluster(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4})
    cluster = result.clusters[0]
    assert cluster.size == cluster.profile["count"] == int((result.labels == 0).sum())
    assert cluster.profile["mean_values"]["annual_income"] == pytest.approx(
        frame["annual_income"][result.labels == 0].mean()
    )
    assert set(cluster.profile["category_shares"]["gender"]) == {"Female", "Male"}
    assert cluster.centroid["annual_income"] == pytest.approx(
        frame["annual_income"][result.labels == 0].mean(), rel=1e-4
    )
    assert "gender=Female" in cluster.centroid_scaled
    assert cluster.summary.startswith(f"Cluster 0 ({cluster.name}) contains")
    assert cluster.recommendation
    assert len(cluster.top_features) == 3
    assert sum(result.feature_importance.values()) == pytest.approx(1.0)
    assert "variance ratio" in result.feature_importance_method
    assert result.accuracy > 0.95
    assert result.stability > 0.95
    assert sum(c.percentage for c in result.clusters) == pytest.approx(100.0, abs=0.05)
    assert len(result.recommendations) == 4


def test_fit_confidence_is_high_near_a_centroid_and_bounded(blobs):
    frame, _ = blobs
    result = fit(frame, params={"n_clusters": 4})
    assert result.confidences.min() >= 0
    assert result.confidences.max() <= 100
    assert np.median(result.confidences) > 80


def test_fit_chooses_k_by_silhouette_when_n_clusters_is_absent(blobs):
    frame, _ = blobs
    result = fit(frame, params={"stability": False})
    assert result.parameters["n_clusters"] == 4
    assert any("best silhouette" in note for note in result.notes)


def test_fit_is_reproducible_for_a_random_state(customers):
    frame, _ = customers
    first = fit(frame, params={"n_clusters": 3, "random_state": 7})
    second = fit(frame, params={"n_clusters": 3, "random_state": 7})
    assert np.array_equal(first.labels, second.labels)
    assert first.artifact == second.artifact


def test_fit_dbscan_reports_noise_as_its_own_group(blobs):
    frame, _ = blobs
    outliers = frame.iloc[:3].copy() + 500.0 * np.arange(1, 4)[:, None]
    result = fit(pd.concat([frame, outliers], ignore_index=True), algorithm="dbscan")
    assert (result.labels[-3:] == -1).all()
    noise = result.cluster(-1)
    assert noise.size == result.metrics["n_noise"] >= 3
    assert noise.name == "Outliers (not in any segment)"
    assert (result.confidences[result.labels == -1] == 0).all()
    assert any("eps" in note for note in result.notes)


def test_fit_dbscan_uses_the_given_eps(blobs):
    frame, _ = blobs
    result = fit(frame, algorithm="dbscan", params={"eps": 0.5, "min_samples": 4})
    assert result.parameters["eps"] == 0.5
    assert result.parameters["min_samples"] == 4


def test_fit_dbscan_without_clusters_is_explained(blobs):
    frame, _ = blobs
    with pytest.raises(EngineInputError, match="DBSCAN found 1 cluster"):
        fit(frame, algorithm="dbscan", params={"eps": 100.0})


def test_fit_gmm_gives_soft_memberships(blobs):
    frame, _ = blobs
    result = fit(frame, algorithm="gmm", params={"n_clusters": 4})
    assert result.memberships.shape == (len(frame), 4)
    assert np.allclose(result.memberships.sum(axis=1), 1.0, atol=1e-4)
    assert np.array_equal(result.memberships.argmax(axis=1), result.labels)
    assert result.artifact["gmm"]["covariance_type"] == "full"


def test_fit_hierarchical_samples_above_its_row_limit():
    frame, truth = make_blobs(n_rows=5_200, centers=3)
    result = fit(frame, algorithm="hierarchical", params={"n_clusters": 3, "stability": False})
    assert adjusted_rand_score(truth, result.labels) > 0.98
    assert result.metrics["fitted_rows"] == 5_000
    assert any("sample of 5,000" in note for note in result.notes)
    assert result.artifact["dendrogram"]["n_leaves"] == 5_000


def test_fit_hierarchical_refuses_above_its_row_limit_without_sampling():
    frame, _ = make_blobs(n_rows=5_001, centers=3)
    with pytest.raises(EngineInputError, match="limited to 5,000 rows"):
        fit(frame, algorithm="hierarchical", params={"n_clusters": 3, "allow_sampling": False})


def test_fit_kmeans_switches_to_minibatch_above_the_row_threshold():
    frame, truth = make_blobs(n_rows=100_001, centers=3, n_features=2)
    result = fit(frame, params={"n_clusters": 3, "stability": False})
    assert result.algorithm == "minibatch_kmeans"
    assert adjusted_rand_score(truth, result.labels) > 0.98
    assert result.metrics["silhouette_sample_size"] == 10_000
    assert any("MiniBatch" in note for note in result.notes)


def test_fit_without_normalize_keeps_original_units(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4, "normalize": False})
    assert result.artifact["numeric"]["means"] == [0.0, 0.0, 0.0, 0.0]
    assert result.artifact["numeric"]["scales"] == [1.0, 1.0, 1.0, 1.0]


def test_fit_with_pca_components_runs_in_the_reduced_space(customers):
    frame, truth = customers
    result = fit(
        frame,
        schema=CUSTOMER_SCHEMA,
        params={"n_clusters": 4, "use_pca": True, "pca_components": 2},
    )
    assert len(result.artifact["pca"]["components"]) == 2
    assert len(result.artifact["centroids"][0]) == 2
    assert result.metrics["n_model_features"] == 2
    assert adjusted_rand_score(truth, result.labels) > 0.9


def test_fit_with_pca_variance_keeps_enough_components(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4, "pca_variance": 0.8})
    assert sum(result.artifact["pca"]["explained_variance_ratio"]) >= 0.8


def test_fit_max_iter_and_n_init_are_used(blobs):
    frame, truth = blobs
    result = fit(frame, params={"n_clusters": 4, "max_iter": 50, "n_init": 2})
    assert result.parameters["max_iter"] == 50
    assert adjusted_rand_score(truth, result.labels) > 0.98


def test_fit_reports_progress_in_order(blobs):
    frame, _ = blobs
    seen = []
    fit(
        frame,
        params={"n_clusters": 4},
        progress=lambda percent, stage: seen.append((percent, stage)),
    )
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents)
    assert seen[0] == (5, "preprocessing")
    assert seen[-1] == (100, "done")
    assert "fitting" in [stage for _, stage in seen]


def test_fit_stops_when_cancelled_between_stages(blobs):
    frame, _ = blobs
    stages = []
    with pytest.raises(EngineCancelled):
        fit(
            frame,
            params={"n_clusters": 4},
            progress=lambda percent, stage: stages.append(stage),
            should_cancel=lambda: "fitting" in stages,
        )
    assert stages[-1] == "fitting"


def test_fit_result_is_json_safe(customers):
    frame, _ = customers
    frame.loc[:10, "annual_income"] = np.nan
    result = fit(frame, schema=CUSTOMER_SCHEMA, algorithm="gmm", params={"n_clusters": 3})
    json.dumps(result.artifact, allow_nan=False)
    json.dumps(result.metrics, allow_nan=False)
    json.dumps(result.parameters, allow_nan=False)
    for cluster in result.clusters:
        json.dumps(cluster.__dict__, allow_nan=False)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_clusters": 1}, "n_clusters must be between 2 and 15; got 1"),
        ({"n_clusters": 16}, "n_clusters must be between 2 and 15; got 16"),
        ({"n_clusters": "four"}, "n_clusters must be a whole number"),
        ({"normalize": "yes"}, "normalize must be true or false"),
        ({"linkage": "centroid"}, "Unknown linkage 'centroid'"),
        ({"eps": -1}, "eps must be above 0"),
        ({"n_clusters": 3, "pca_components": 99}, "pca_components must be between 1 and 3"),
        ({"n_clusters": 3, "pca_variance": 1.5}, "pca_variance must be above 0 and at most 1"),
    ],
)
def test_fit_rejects_bad_parameters_in_words(blobs, params, message):
    frame, _ = blobs
    with pytest.raises(EngineInputError, match=message):
        fit(frame, params=params)


def test_fit_rejects_k_not_smaller_than_the_row_count():
    frame, _ = make_blobs(n_rows=8)
    with pytest.raises(EngineInputError, match=r"n_clusters \(8\) must be smaller than the number"):
        fit(frame, params={"n_clusters": 8})


def test_fit_rejects_too_few_rows():
    frame, _ = make_blobs(n_rows=4)
    with pytest.raises(EngineInputError, match="at least 5 rows"):
        fit(frame, params={"n_clusters": 2})


def test_fit_rejects_an_unknown_feature(blobs):
    frame, _ = blobs
    with pytest.raises(
        EngineInputError, match="Unknown feature 'income'; the data has: x0, x1, x2"
    ):
        fit(frame, features=["x0", "income"], params={"n_clusters": 3})


def test_fit_rejects_data_without_a_usable_feature(customers):
    frame, _ = customers
    with pytest.raises(EngineInputError, match="No usable feature"):
        fit(frame[["customer_id"]], schema=CUSTOMER_SCHEMA, params={"n_clusters": 3})


def test_fit_rejects_an_unknown_algorithm(blobs):
    frame, _ = blobs
    with pytest.raises(EngineInputError, match="Unknown algorithm 'spectral'"):
        fit(frame, algorithm="spectral", params={"n_clusters": 3})


def test_fit_notes_ignored_unknown_parameters(blobs):
    frame, _ = blobs
    result = fit(frame, params={"n_clusters": 4, "colour": "blue", "stability": False})
    assert "Ignored unknown parameter(s): colour." in result.notes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_silhouette_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 4)) + (np.arange(300) % 3)[:, None]
    labels = rng.integers(0, 4, 300)
    labels[0] = 9  # a singleton cluster scores 0, as in scikit-learn
    assert silhouette(x, labels) == pytest.approx(silhouette_score(x, labels), abs=1e-5)


def test_fit_names_the_demo_generators_segments_by_their_profiles():
    from datasets.demo import generate_customers

    frame = generate_customers(3_000, seed=1)
    result = fit(frame, params={"n_clusters": 5, "stability": False})  # schema inferred
    assert "customer_id" not in result.features

    def mean(cluster, column):
        return cluster.profile["mean_values"][column]

    richest = max(
        result.clusters, key=lambda c: mean(c, "annual_income") + mean(c, "spending_score")
    )
    poorest = min(
        result.clusters, key=lambda c: mean(c, "annual_income") + mean(c, "spending_score")
    )
    youngest = min(result.clusters, key=lambda c: mean(c, "age"))
    assert richest.name == "High Value Customers"
    assert poorest.name == "Budget Conscious"
    assert youngest.name == "Young Enthusiasts"
    assert "Higher income bracket" in richest.characteristics


def test_fit_dbscan_samples_above_its_row_limit_and_extends_to_every_row():
    frame, truth = make_blobs(n_rows=12_000, centers=3, n_features=2)
    result = fit(frame, algorithm="dbscan", params={"stability": False})
    assert result.metrics["fitted_rows"] == 10_000
    assert any("random sample of 10,000" in note for note in result.notes)
    clustered = result.labels >= 0
    assert clustered.mean() > 0.98
    assert adjusted_rand_score(truth[clustered], result.labels[clustered]) > 0.98


def test_fit_dbscan_says_n_clusters_is_not_used(blobs):
    frame, _ = blobs
    result = fit(frame, algorithm="dbscan", params={"n_clusters": 3, "stability": False})
    assert "n_clusters is not used by DBSCAN: density decides the count." in result.notes
    assert result.metrics["n_clusters"] == 4


def test_fit_clusters_categorical_features_alone(customers):
    frame, _ = customers
    result = fit(frame, schema=CUSTOMER_SCHEMA, features=["region"], params={"n_clusters": 4})
    assert adjusted_rand_score(frame["region"], result.labels) == 1.0
    for cluster in result.clusters:
        region = frame["region"][result.labels == cluster.label].iloc[0]
        assert cluster.profile["mean_values"] == {}
        assert f"Primarily from {region} region" in cluster.characteristics
