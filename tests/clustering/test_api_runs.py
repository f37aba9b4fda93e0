"""The canonical resource API: `/api/v1/runs/` and `/api/v1/datasets/{id}/optimal-k/`."""

import pytest
from django.urls import reverse

from clustering.models import ClusteringRun
from tests.factories import AnalystFactory, ClusteringRunFactory, DatasetFactory

from .conftest import dataset_make
from .runs import executed_run

Status = ClusteringRun.Status
pytestmark = pytest.mark.django_db


def test_run_create_answers_202_with_url_of_queued_run(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        reverse("clustering-api:run-list"),
        {"dataset": dataset.pk, "algorithm": "gmm", "n_clusters": 4, "features": ["age", "gender"]},
        format="json",
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["url"].endswith(reverse("clustering-api:run-detail", args=[body["id"]]))
    assert response["Location"] == body["url"]
    assert body["features"] == ["age", "gender"]
    assert body["parameters"] == {"n_clusters": 4}
    assert set(body["links"]) == {"clusters", "assignments", "publish", "cancel"}


def test_run_create_is_refused_to_plain_users(user_client, user):
    dataset = dataset_make(owner=user)
    response = user_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk}, format="json"
    )
    assert response.status_code == 403
    assert "analyst" in response.json()["detail"]


def test_run_create_on_another_analysts_dataset_is_400(analyst_client):
    dataset = dataset_make(owner=AnalystFactory())
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk}, format="json"
    )
    assert response.status_code == 400
    assert "not found among your datasets" in response.json()["dataset"][0]


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"n_clusters": 1}, "n_clusters", "greater than or equal to 2"),
        ({"n_clusters": 16}, "n_clusters", "less than or equal to 15"),
        ({"features": ["age", "shoe_size"]}, "features", "Unknown feature 'shoe_size'"),
        ({"algorithm": "magic"}, "algorithm", "not a valid choice"),
        ({"linkage": "centroid"}, "linkage", "not a valid choice"),
    ],
)
def test_run_create_bad_parameters_are_400_naming_the_field(
    analyst_client, analyst, payload, field, words
):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk, **payload}, format="json"
    )
    assert response.status_code == 400
    assert words in str(response.json()[field])
    assert not ClusteringRun.objects.exists()


def test_run_create_above_active_cap_is_409(analyst_client, analyst, settings):
    settings.MAX_ACTIVE_RUNS_PER_USER = 1
    dataset = dataset_make(owner=analyst)
    ClusteringRunFactory(dataset=dataset)
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk}, format="json"
    )
    assert response.status_code == 409
    assert "limit is 1" in response.json()["detail"]


def test_run_list_filters_by_status_dataset_and_algorithm(analyst_client, analyst):
    first = ClusteringRunFactory(dataset__owner=analyst, status=Status.SUCCEEDED)
    second = ClusteringRunFactory(dataset__owner=analyst, algorithm="dbscan")
    ClusteringRunFactory()  # another analyst's
    url = reverse("clustering-api:run-list")
    assert analyst_client.get(url).json()["count"] == 2
    by_status = analyst_client.get(url, {"status": "succeeded"}).json()["results"]
    assert [run["id"] for run in by_status] == [first.pk]
    by_dataset = analyst_client.get(url, {"dataset": second.dataset_id}).json()["results"]
    assert [run["id"] for run in by_dataset] == [second.pk]
    by_algorithm = analyst_client.get(url, {"algorithm": "dbscan"}).json()["results"]
    assert [run["id"] for run in by_algorithm] == [second.pk]


def test_run_detail_of_another_analyst_is_404(analyst_client):
    response = analyst_client.get(
        reverse("clustering-api:run-detail", args=[ClusteringRunFactory().pk])
    )
    assert response.status_code == 404


def test_run_detail_of_missing_run_is_404(analyst_client):
    response = analyst_client.get(reverse("clustering-api:run-detail", args=[987654]))
    assert response.status_code == 404
    assert "987654" in response.json()["detail"]


def test_run_detail_admin_sees_any_run(admin_client_api):
    run = ClusteringRunFactory()
    response = admin_client_api.get(reverse("clustering-api:run-detail", args=[run.pk]))
    assert response.status_code == 200
    assert response.json()["id"] == run.pk


def test_run_clusters_and_assignments_are_paginated_and_filterable(analyst_client, analyst):
    run = executed_run(analyst)
    clusters = analyst_client.get(reverse("clustering-api:run-clusters", args=[run.pk])).json()
    assert clusters["count"] == 3
    first = clusters["results"][0]
    assert set(first) >= {"label", "name", "size", "centroid", "profile", "summary"}
    url = reverse("clustering-api:run-assignments", args=[run.pk])
    page = analyst_client.get(url, {"page_size": 50}).json()
    assert page["count"] == 240
    assert len(page["results"]) == 50
    assert page["results"][0] == {
        "row_number": 0,
        "customer_id": "C0000001",
        "cluster": page["results"][0]["cluster"],
        "confidence": page["results"][0]["confidence"],
    }
    only = analyst_client.get(url, {"cluster": first["label"], "page_size": 500}).json()
    assert only["count"] == first["size"]
    assert {row["cluster"] for row in only["results"]} == {first["label"]}
    bad = analyst_client.get(url, {"cluster": "many"})
    assert bad.status_code == 400


def test_run_dendrogram_is_png_for_hierarchical_run(analyst_client, analyst):
    run = executed_run(analyst, algorithm="hierarchical", linkage="average")
    response = analyst_client.get(reverse("clustering-api:run-dendrogram", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_run_dendrogram_of_kmeans_run_is_409(analyst_client, analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.SUCCEEDED)
    response = analyst_client.get(reverse("clustering-api:run-dendrogram", args=[run.pk]))
    assert response.status_code == 409
    assert "only hierarchical runs" in response.json()["detail"]


def test_run_publish_makes_run_the_published_one(analyst_client, analyst):
    run = executed_run(analyst)
    response = analyst_client.post(reverse("clustering-api:run-publish", args=[run.pk]))
    assert response.status_code == 200
    assert response.json()["is_published"] is True


def test_run_publish_of_queued_run_is_409(analyst_client, analyst):
    run = ClusteringRunFactory(dataset__owner=analyst)
    response = analyst_client.post(reverse("clustering-api:run-publish", args=[run.pk]))
    assert response.status_code == 409
    assert "only a succeeded run" in response.json()["detail"]


def test_run_cancel_of_queued_run_is_200_cancelled(analyst_client, analyst):
    run = ClusteringRunFactory(dataset__owner=analyst)
    response = analyst_client.post(reverse("clustering-api:run-cancel", args=[run.pk]))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_run_cancel_of_finished_run_is_409(analyst_client, analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.FAILED)
    response = analyst_client.post(reverse("clustering-api:run-cancel", args=[run.pk]))
    assert response.status_code == 409


def test_run_cancel_of_another_analysts_run_is_404(analyst_client):
    response = analyst_client.post(
        reverse("clustering-api:run-cancel", args=[ClusteringRunFactory().pk])
    )
    assert response.status_code == 404


def test_dataset_optimal_k_answers_metrics_per_k(analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    url = reverse("clustering-api:dataset-optimal-k", args=[dataset.pk])
    body = analyst_client.get(url, {"k_max": 6, "features": "age,annual_income"}).json()
    assert body["k_range"] == [2, 3, 4, 5, 6]
    for key in ("inertias", "silhouette_scores", "davies_bouldin_scores"):
        assert len(body[key]) == 5
    assert body["optimal_k"] in body["k_range"]
    assert body["dataset"] == dataset.pk


@pytest.mark.parametrize(
    ("query", "words"),
    [({"k_min": 6, "k_max": 4}, "larger than k_min"), ({"features": "shoe_size"}, "shoe_size")],
)
def test_dataset_optimal_k_bad_query_is_400(analyst_client, analyst, query, words):
    dataset = dataset_make(owner=analyst)
    url = reverse("clustering-api:dataset-optimal-k", args=[dataset.pk])
    response = analyst_client.get(url, query)
    assert response.status_code == 400
    assert words in str(response.json())


def test_dataset_optimal_k_of_another_analysts_dataset_is_404(analyst_client):
    dataset = dataset_make(owner=AnalystFactory())
    url = reverse("clustering-api:dataset-optimal-k", args=[dataset.pk])
    assert analyst_client.get(url).status_code == 404


def test_run_create_hierarchical_above_its_limit_without_sampling_is_400(analyst_client, analyst):
    dataset = DatasetFactory(
        owner=analyst,
        n_rows=6_000,
        parquet_file="datasets/big.parquet",
        schema=[{"name": "age", "kind": "numeric", "role": "age"}],
    )
    response = analyst_client.post(
        reverse("clustering-api:run-list"),
        {
            "dataset": dataset.pk,
            "algorithm": "hierarchical",
            "n_clusters": 3,
            "allow_sampling": False,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "limited to 5,000 rows" in str(response.json())


def test_run_dendrogram_error_asked_as_png_is_labelled_json(analyst_client, analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.SUCCEEDED)
    url = reverse("clustering-api:run-dendrogram", args=[run.pk])
    response = analyst_client.get(url, {"format": "png"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert "only hierarchical runs" in response.json()["detail"]
