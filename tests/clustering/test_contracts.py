"""Every clustering contract of documents 000-004 at its own path: shapes, roles and errors."""

import math

import numpy as np
import pandas as pd
import pytest
from drf_spectacular.generators import SchemaGenerator

from clustering.api.serializers import V1TrainMetricsSerializer, V1TrainSerializer
from clustering.models import ClusteringRun
from clustering.services import run_publish
from datasets.demo import generate_customers
from tests.factories import AnalystFactory, ClusteringRunFactory

from .conftest import dataset_make
from .runs import executed_run

Status = ClusteringRun.Status
pytestmark = pytest.mark.django_db

CLUSTER_ANSWER_KEYS = {
    "success",
    "metrics",
    "cluster_analysis",
    "recommendations",
    "cluster_profiles",
    "centroids",
    "feature_importance",
    "top_features",
    "cluster_summaries",
    "n_clusters",
}


def _published_run(owner, **parameters) -> ClusteringRun:
    return run_publish(run=executed_run(owner, **parameters))


# --- 000: analytics workspace ---------------------------------------------------------------------


def test_workspace_cluster_answers_every_key_of_the_example(analyst_client, analyst):
    dataset_make(owner=analyst, current=True)
    response = analyst_client.post("/api/cluster", {"n_clusters": 3}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= CLUSTER_ANSWER_KEYS | {"clustering_time"}
    assert body["success"] is True
    assert body["n_clusters"] == 3
    assert set(body["metrics"]) >= {"silhouette_score", "davies_bouldin_score"}
    assert set(body["cluster_analysis"]) == {"0", "1", "2"}
    assert set(body["cluster_analysis"]["0"]) >= {"size", "percentage", "statistics"}
    profile = body["cluster_profiles"]["0"]
    assert set(profile) >= {
        "count", "percentage", "mean_values", "median_values", "std_values", "min_values",
        "max_values",
    }  # fmt: skip
    assert "age" in profile["mean_values"]
    assert set(body["top_features"]["0"][0]) >= {"feature"}
    assert body["cluster_summaries"]["1"].startswith("Cluster 1") or body["cluster_summaries"]["1"]
    assert all(isinstance(text, str) and text for text in body["recommendations"].values())
    assert 0 <= max(body["feature_importance"].values()) <= 100


@pytest.mark.parametrize("n_clusters", [1, 11, "three"])
def test_workspace_cluster_bad_k_is_plain_400(analyst_client, analyst, n_clusters):
    dataset_make(owner=analyst, current=True)
    response = analyst_client.post("/api/cluster", {"n_clusters": n_clusters}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert "n_clusters" in response.json()["error"]


def test_workspace_cluster_k_above_row_count_is_plain_400(analyst_client, analyst):
    dataset_make(owner=analyst, rows=6, current=True)
    response = analyst_client.post("/api/cluster", {"n_clusters": 8}, format="json")
    assert response.status_code == 400
    assert "at most 5 clusters" in response.json()["error"]


def _numeric_and_category_frame() -> pd.DataFrame:
    """Two clear segments that differ in age, income and (mostly) region."""
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(2 * n)],
            "age": np.r_[rng.normal(25, 2, n), rng.normal(60, 2, n)].round(1),
            "income": np.r_[rng.normal(40, 3, n), rng.normal(90, 3, n)].round(1),
            "region": ["North"] * n + ["South"] * (n - 6) + ["North"] * 6,
        }
    )


def _assert_top_features_have_feature_mean_std(top_features: dict) -> None:
    entries = [entry for segment in top_features.values() for entry in segment]
    assert entries
    for entry in entries:
        assert list(entry)[:3] == ["feature", "mean", "std"], entry
        assert isinstance(entry["mean"], float), entry
        assert isinstance(entry["std"], float), entry
    categories = [entry for entry in entries if entry["feature"] == "region"]
    assert categories
    for entry in categories:
        assert set(entry) >= {"value", "share", "overall_share", "z_score", "direction"}
        assert entry["mean"] == entry["share"]
        assert entry["std"] == round(math.sqrt(entry["share"] * (1 - entry["share"])), 4)
    age = next(entry for entry in top_features["0"] if entry["feature"] == "age")
    assert age["std"] > 0


def test_workspace_top_features_carry_feature_mean_std_for_numbers_and_categories(
    analyst_client, analyst
):
    dataset_make(owner=analyst, frame=_numeric_and_category_frame(), current=True)
    clustered = analyst_client.post("/api/cluster", {"n_clusters": 2}, format="json")
    assert clustered.status_code == 200, clustered.content
    _assert_top_features_have_feature_mean_std(clustered.json()["top_features"])
    stored = analyst_client.get("/api/cluster-data").json()["top_features"]
    assert stored == clustered.json()["top_features"]


def test_workspace_top_features_are_typed_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    items = schema["WorkspaceAnalysis"]["properties"]["top_features"]["additionalProperties"]
    assert items["items"]["$ref"] == "#/components/schemas/WorkspaceTopFeature"
    entry = schema["WorkspaceTopFeature"]
    assert set(entry["required"]) == {"feature", "mean", "std"}
    assert {"value", "share", "overall_share"} <= set(entry["properties"])


def test_workspace_cluster_without_loaded_data_is_plain_400(analyst_client):
    response = analyst_client.post("/api/cluster", {"n_clusters": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("No data loaded")


def test_workspace_cluster_above_sync_limit_points_to_async_route(
    analyst_client, analyst, settings
):
    settings.SYNC_CLUSTER_MAX_ROWS = 100
    dataset_make(owner=analyst, current=True)
    response = analyst_client.post("/api/cluster", {"n_clusters": 3}, format="json")
    assert response.status_code == 400
    assert "POST /api/v1/runs/" in response.json()["error"]


def test_workspace_cluster_data_reads_latest_clustering(analyst_client, analyst):
    dataset_make(owner=analyst, current=True)
    assert analyst_client.get("/api/cluster-data").status_code == 400
    analyst_client.post("/api/cluster", {"n_clusters": 2}, format="json")
    analyst_client.post("/api/cluster", {"n_clusters": 4}, format="json")
    response = analyst_client.get("/api/cluster-data")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CLUSTER_ANSWER_KEYS
    assert body["n_clusters"] == 4


def test_workspace_cluster_data_before_clustering_is_plain_400(analyst_client, analyst):
    dataset_make(owner=analyst, current=True)
    response = analyst_client.get("/api/cluster-data")
    assert response.status_code == 400
    assert "No clustering performed" in response.json()["error"]


def test_workspace_optimal_clusters_answers_scores_per_k(analyst_client, analyst):
    dataset_make(owner=analyst, current=True)
    response = analyst_client.get("/api/optimal-clusters")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert list(body["silhouette_scores"]) == [str(k) for k in range(2, 11)]
    assert body["chart_data"]["x"] == list(range(2, 11))
    assert body["optimal_k"] in body["chart_data"]["x"]
    assert body["analysis_time"] >= 0


def test_workspace_optimal_clusters_without_loaded_data_is_plain_400(analyst_client):
    response = analyst_client.get("/api/optimal-clusters")
    assert response.status_code == 400
    assert "No data loaded" in response.json()["error"]


# --- 001: stateless analysis ----------------------------------------------------------------------


def _customers(rows: int = 60) -> list[dict]:
    frame = generate_customers(rows, seed=3)
    return [
        {
            "id": i + 1,
            "age": int(row.age),
            "gender": row.gender,
            "income": float(row.annual_income) * 1000,
            "purchases": int(row.purchase_frequency),
            "region": row.region,
        }
        for i, row in enumerate(frame.itertuples())
    ]


def test_analyze_chooses_k_and_describes_clusters(analyst_client):
    customers = _customers()
    response = analyst_client.post("/api/analyze", {"customerData": customers}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"clusters", "featureImportance", "accuracy"}
    assert 2 <= len(body["clusters"]) <= 10
    cluster = body["clusters"][0]
    assert set(cluster) >= {"clusterId", "customers", "centroid", "clusterName", "characteristics"}
    assert set(cluster["centroid"]) >= {"age", "income", "purchases"}
    assert "id" not in body["featureImportance"]
    assert sum(len(c["customers"]) for c in body["clusters"]) == len(customers)
    assert 0 <= body["accuracy"] <= 1


def test_analyze_with_k_stores_nothing(analyst_client):
    body = {"customerData": _customers(), "n_clusters": 3}
    response = analyst_client.post("/api/analyze", body, format="json")
    assert response.status_code == 200
    assert len(response.json()["clusters"]) == 3
    assert not ClusteringRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "customerData"),
        ({"customerData": [{"age": 1}]}, "customerData"),
        ({"customerData": "many"}, "customerData"),
        ({"customerData": _customers(8), "n_clusters": 9}, "at most 7"),
        ({"customerData": [{"age": [1]}, {"age": 2}, {"age": 3}]}, "plain values"),
    ],
)
def test_analyze_bad_body_is_400(analyst_client, body, words):
    response = analyst_client.post("/api/analyze", body, format="json")
    assert response.status_code == 400
    assert words in str(response.json())


def test_analyze_above_sync_limit_is_400(analyst_client, settings):
    settings.SYNC_CLUSTER_MAX_ROWS = 10
    response = analyst_client.post("/api/analyze", {"customerData": _customers(20)}, format="json")
    assert response.status_code == 400
    assert "POST /api/v1/runs/" in str(response.json())


def test_analyze_is_refused_to_plain_users(user_client):
    response = user_client.post("/api/analyze", {"customerData": _customers(10)}, format="json")
    assert response.status_code == 403


def test_recommendations_follow_the_analysis(analyst_client, user_client):
    analysis = analyst_client.post(
        "/api/analyze", {"customerData": _customers(), "n_clusters": 3}, format="json"
    ).json()
    response = user_client.post("/api/recommendations", {"analysis": analysis}, format="json")
    assert response.status_code == 200
    advice = response.json()["recommendations"]
    assert len(advice) == 3
    assert all(isinstance(text, str) and text for text in advice)


def test_recommendations_are_written_from_names_when_analysis_has_none(user_client):
    analysis = {
        "clusters": [
            {"clusterId": 0, "clusterName": "High Value Customers", "customers": [{}] * 3},
            {"clusterId": 1, "clusterName": "Mystery Group", "customers": [{}] * 7},
        ]
    }
    response = user_client.post("/api/recommendations", {"analysis": analysis}, format="json")
    advice = response.json()["recommendations"]
    assert advice[0].startswith('"Mystery Group" (Core Segment - 70.0%)')  # the largest first
    assert "High Value Customers" in advice[1]


@pytest.mark.parametrize("analysis", [{}, {"clusters": []}, {"clusters": ["x"]}])
def test_recommendations_without_clusters_is_400(user_client, analysis):
    response = user_client.post("/api/recommendations", {"analysis": analysis}, format="json")
    assert response.status_code == 400
    assert "analysis" in response.json()


# --- 002: v1 clustering ---------------------------------------------------------------------------


def test_v1_train_hierarchical_answers_run_with_metrics(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    body = {"dataset_id": dataset.pk, "linkage": "ward", "n_clusters": 4, "use_pca": False}
    response = analyst_client.post("/api/v1/clustering/train", body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["algorithm"] == "hierarchical"
    assert answer["linkage"] == "ward"
    assert answer["n_clusters"] == 4
    assert set(answer["metrics"]) == {
        "silhouette_score", "cluster_sizes", "n_samples", "n_encoded_features",
    }  # fmt: skip
    assert answer["metrics"]["n_samples"] == 240
    assert answer["links"]["dendrogram"].endswith(f"/api/v1/runs/{answer['run_id']}/dendrogram.png")


def test_v1_train_answer_has_the_documented_fields(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        "/api/v1/clustering/train", {"dataset_id": dataset.pk, "n_clusters": 3}, format="json"
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == set(V1TrainSerializer().fields)
    assert set(answer["metrics"]) == set(V1TrainMetricsSerializer().fields)


def test_v1_train_with_pca_records_components(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    body = {"dataset_id": dataset.pk, "n_clusters": 3, "use_pca": True, "pca_components": 2}
    response = analyst_client.post("/api/v1/clustering/train", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["pca_components"] == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"n_clusters": 16}, "n_clusters"),
        ({"n_clusters": 3, "linkage": "median"}, "linkage"),
        ({"n_clusters": 3, "features": ["nope"]}, "Unknown feature 'nope'"),
    ],
)
def test_v1_train_bad_parameters_are_400(analyst_client, analyst, body, words):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        "/api/v1/clustering/train", {"dataset_id": dataset.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert words in str(response.json())


def test_v1_train_on_another_analysts_dataset_is_404(analyst_client):
    dataset = dataset_make(owner=AnalystFactory())
    response = analyst_client.post(
        "/api/v1/clustering/train", {"dataset_id": dataset.pk, "n_clusters": 3}, format="json"
    )
    assert response.status_code == 404
    assert not ClusteringRun.objects.exists()


def test_v1_train_on_an_unknown_dataset_is_404(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        "/api/v1/clustering/train",
        {"dataset_id": dataset.pk + 1000, "n_clusters": 3},
        format="json",
    )
    assert response.status_code == 404
    assert "dataset" in str(response.json()).lower()
    assert not ClusteringRun.objects.exists()


@pytest.mark.parametrize("components", [0, 1])
def test_v1_train_pca_components_below_2_is_400(analyst_client, analyst, components):
    dataset = dataset_make(owner=analyst)
    body = {"dataset_id": dataset.pk, "n_clusters": 3, "use_pca": True}
    response = analyst_client.post(
        "/api/v1/clustering/train", {**body, "pca_components": components}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "pca_components" in response.json()
    assert "greater than or equal to 2" in str(response.json()["pca_components"])
    assert not ClusteringRun.objects.exists()


def test_v1_runs_segments_and_dendrogram_of_a_dataset(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    train = analyst_client.post(
        "/api/v1/clustering/train", {"dataset_id": dataset.pk, "n_clusters": 3}, format="json"
    ).json()
    runs = analyst_client.get(f"/api/v1/clustering/runs/{dataset.pk}").json()
    assert [run["id"] for run in runs["runs"]] == [train["run_id"]]
    segments = analyst_client.get(
        f"/api/v1/clustering/segments/{train['run_id']}", {"page_size": 100}
    ).json()
    assert segments["count"] == 240
    assert len(segments["segments"]) == 100
    assert set(segments["segments"][0]) == {"row_number", "customer_id", "cluster", "confidence"}
    assert sum(cluster["size"] for cluster in segments["clusters"]) == 240
    png = analyst_client.get(f"/api/v1/clustering/dendrogram/{train['run_id']}")
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")


def test_v1_run_reads_of_another_analyst_are_404(analyst_client):
    run = ClusteringRunFactory(status=Status.SUCCEEDED, algorithm="hierarchical")
    for url in (
        f"/api/v1/clustering/runs/{run.dataset_id}",
        f"/api/v1/clustering/segments/{run.pk}",
        f"/api/v1/clustering/dendrogram/{run.pk}",
    ):
        assert analyst_client.get(url).status_code == 404, url


# --- 003: external REST ---------------------------------------------------------------------------


def test_external_clusters_without_publication_is_409_envelope(user_client):
    response = user_client.get("/api/clusters")
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False
    assert "published" in body["message"]
    assert set(body["metadata"]) >= {"request_id", "timestamp", "api_version"}


def test_external_clusters_lists_published_clusters(user_client, analyst):
    run = _published_run(analyst)
    response = user_client.get("/api/clusters")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"]["total_clusters"] == 3
    cluster = body["data"]["clusters"][0]
    assert set(cluster) >= {
        "cluster_id", "cluster_label", "cluster_name", "customer_count", "avg_income",
        "avg_purchase_amount", "description",
    }  # fmt: skip
    assert body["data"]["run_id"] == run.pk
    bare = user_client.get("/api/clusters", {"include_stats": "false", "include_metadata": "no"})
    assert set(bare.json()["data"]["clusters"][0]) == {
        "cluster_id",
        "cluster_label",
        "cluster_name",
    }


def test_external_run_queues_job_and_job_is_polled(analyst_client, analyst):
    dataset_make(owner=analyst, current=True)
    body = {"n_clusters": 5, "algorithm": "kmeans", "features": ["annual_income", "age"],
            "normalize": True, "random_state": 42}  # fmt: skip
    response = analyst_client.post("/api/clusters/run", body, format="json")
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert data["job_id"].startswith("job_clust_")
    assert data["status"] == "processing"
    assert data["estimated_time_seconds"] > 0
    job = analyst_client.get(f"/api/clusters/jobs/{data['job_id']}")
    assert job.status_code == 200
    assert job.json()["data"]["status"] == "processing"
    run = ClusteringRun.objects.get(pk=data["run_id"])
    assert run.publish_on_success is True
    assert run.parameters == {"n_clusters": 5, "random_state": 42, "normalize": True}


def test_external_job_answers_result_once_completed(analyst_client, analyst):
    run = _published_run(analyst)
    job_id = f"job_clust_{run.created_at:%Y%m%d}_{run.pk}"
    data = analyst_client.get(f"/api/clusters/jobs/{job_id}").json()["data"]
    assert data["status"] == "completed"
    assert data["result"]["n_clusters"] == 3
    assert len(data["result"]["clusters"]) == 3


@pytest.mark.parametrize("job_id", ["job_clust_20260112_999999", "nonsense", "42"])
def test_external_job_unknown_is_404_envelope(analyst_client, job_id):
    response = analyst_client.get(f"/api/clusters/jobs/{job_id}")
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_external_job_of_another_analyst_is_404(analyst_client):
    run = ClusteringRunFactory()
    response = analyst_client.get(f"/api/clusters/jobs/job_clust_{run.created_at:%Y%m%d}_{run.pk}")
    assert response.status_code == 404


def test_external_run_without_loaded_data_is_400_envelope(analyst_client):
    response = analyst_client.post("/api/clusters/run", {"n_clusters": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "No data loaded" in response.json()["message"]


def test_external_run_is_throttled_at_its_own_rate(analyst_client, analyst, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "cluster_run": "1/hour",
        },
    }
    settings.MAX_ACTIVE_RUNS_PER_USER = 10
    dataset_make(owner=analyst, current=True)
    first = analyst_client.post("/api/clusters/run", {"n_clusters": 3}, format="json")
    second = analyst_client.post("/api/clusters/run", {"n_clusters": 3}, format="json")
    assert first.status_code == 202
    assert second.status_code == 429
    assert second.json()["retry_after_seconds"] >= 1


def test_external_run_is_refused_to_plain_users(user_client):
    response = user_client.post("/api/clusters/run", {"n_clusters": 3}, format="json")
    assert response.status_code == 403
    assert response.json()["success"] is False


# --- 004: backend ---------------------------------------------------------------------------------


def test_backend_train_publishes_and_answers_metrics(analyst_client, analyst, user_client):
    dataset_make(owner=analyst, current=True)
    response = analyst_client.post("/train", {"n_clusters": 5}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Model trained successfully"
    assert body["n_clusters"] == 5
    assert body["silhouette_score"] is not None
    assert body["inertia"] > 0
    assert body["published"] is True
    run = ClusteringRun.objects.get(pk=body["run_id"])
    assert run.features == ["age", "gender", "annual_income", "spending_score",
                            "purchase_frequency"]  # fmt: skip

    clusters = user_client.get("/clusters").json()
    assert clusters["n_clusters"] == 5
    assert clusters["total_customers"] == 240
    assert set(clusters["clusters"][0]) >= {
        "cluster_id", "cluster_name", "size", "avg_age", "avg_income", "avg_spending_score",
        "avg_purchase_frequency",
    }  # fmt: skip
    assert clusters["clusters"][0]["avg_age"] > 0


def test_backend_train_is_refused_to_plain_users(user_client):
    response = user_client.post("/train", {}, format="json")
    assert response.status_code == 403


def test_backend_train_without_loaded_data_is_400(analyst_client):
    response = analyst_client.post("/train", {}, format="json")
    assert response.status_code == 400
    assert "No data loaded" in str(response.json())


def test_backend_clusters_without_publication_is_409(user_client):
    response = user_client.get("/clusters")
    assert response.status_code == 409


def test_backend_elbow_of_published_run_for_plain_users(user_client, analyst):
    _published_run(analyst)
    response = user_client.get("/elbow")
    assert response.status_code == 200
    body = response.json()
    assert body["k_range"] == list(range(2, 11))
    assert len(body["inertias"]) == len(body["silhouette_scores"]) == 9
    assert body["inertias"][0] >= body["inertias"][-1]
    assert body["optimal_k"] in body["k_range"]


def test_backend_elbow_with_nothing_to_analyse_is_409(user_client):
    assert user_client.get("/elbow").status_code == 409


def test_contract_reads_need_authentication(api_client):
    for method, url in (
        ("get", "/api/clusters"),
        ("get", "/clusters"),
        ("get", "/elbow"),
        ("get", "/api/optimal-clusters"),
        ("post", "/api/analyze"),
        ("post", "/train"),
        ("get", "/api/v1/runs/"),
    ):
        assert getattr(api_client, method)(url).status_code == 401, url
