"""Id columns are never features unless forced, and a run that says little about the customers
(one segment holding nearly everyone, features all ids, dates or free text) carries warnings in
its API answers. Datasets are real uploads, so kinds and roles come from the ingest."""

import pytest
from django.urls import reverse

from clustering.models import ClusteringRun
from clustering.services import run_execute
from tests.e2e.data import dataset_upload, shop_csv

pytestmark = pytest.mark.django_db

RUNS = "clustering-api:run-list"


def run_detail(client, run_id: int) -> dict:
    return client.get(reverse("clustering-api:run-detail", args=[run_id])).json()


def test_upload_gives_customer_id_the_id_role(analyst):
    dataset = dataset_upload(analyst, shop_csv())
    column = next(c for c in dataset.schema if c["name"] == "CustomerID")
    assert column["role"] == "customer_id"


def test_run_on_only_the_id_column_is_400_naming_it_and_how_to_force(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv())

    response = analyst_client.post(
        reverse(RUNS), {"dataset": dataset.pk, "features": ["CustomerID"]}, format="json"
    )

    assert response.status_code == 400
    message = response.json()["features"][0]
    assert "'CustomerID'" in message
    assert '"force_features": true' in message
    assert not ClusteringRun.objects.exists()


def test_document_003_run_on_only_the_id_column_is_400_in_its_envelope(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv())

    response = analyst_client.post(
        "/api/clusters/run", {"dataset_id": dataset.pk, "features": ["CustomerID"]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert "'CustomerID' identifies customers" in body["message"]
    assert "force_features" in body["message"]


def test_id_column_named_with_others_is_left_out_with_a_warning(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv())

    response = analyst_client.post(
        reverse(RUNS),
        {"dataset": dataset.pk, "n_clusters": 3, "features": ["CustomerID", "age", "annual_spend"]},
        format="json",
    )

    assert response.status_code == 202
    body = response.json()
    assert body["features"] == ["age", "annual_spend"]
    assert len(body["warnings"]) == 1
    assert "'CustomerID' was left out" in body["warnings"][0]
    run_execute(run_id=body["id"])
    assert run_detail(analyst_client, body["id"])["warnings"] == body["warnings"]


def test_forced_id_run_succeeds_with_warnings_on_the_run(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv())

    response = analyst_client.post(
        reverse(RUNS),
        {
            "dataset": dataset.pk,
            "n_clusters": 3,
            "features": ["CustomerID"],
            "force_features": True,
        },
        format="json",
    )
    assert response.status_code == 202
    run_execute(run_id=response.json()["id"])

    body = run_detail(analyst_client, response.json()["id"])
    assert body["status"] == "succeeded"
    assert body["features"] == ["CustomerID"]
    warnings = " ".join(body["warnings"])
    assert "'CustomerID' is an id column used as a feature" in warnings
    assert "is an id, a date or free text" in warnings


def test_run_with_one_segment_holding_nearly_everyone_carries_a_warning(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv(dominant=True))

    response = analyst_client.post(
        "/api/clusters/run",
        {"dataset_id": dataset.pk, "n_clusters": 2, "features": ["age", "annual_spend"]},
        format="json",
    )
    assert response.status_code == 202
    run_id = response.json()["data"]["run_id"]
    run_execute(run_id=run_id)

    run = run_detail(analyst_client, run_id)
    assert len(run["warnings"]) == 1
    assert "One segment holds 98.0% of the customers (196 of 200)" in run["warnings"][0]
    job = ClusteringRun.objects.get(pk=run_id)
    job_id = f"job_clust_{job.created_at:%Y%m%d}_{run_id}"
    result = analyst_client.get(f"/api/clusters/jobs/{job_id}").json()["data"]["result"]
    assert result["warnings"] == run["warnings"]


def test_document_004_train_answer_carries_the_warnings(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv(dominant=True))

    response = analyst_client.post(
        "/train",
        {"dataset_id": dataset.pk, "n_clusters": 2, "features": ["age", "annual_spend"]},
        format="json",
    )

    assert response.status_code == 200
    assert "One segment holds 98.0%" in response.json()["warnings"][0]


def test_ordinary_run_has_no_warnings(analyst_client, analyst):
    dataset = dataset_upload(analyst, shop_csv())

    response = analyst_client.post(
        "/train",
        {"dataset_id": dataset.pk, "n_clusters": 3, "features": ["age", "annual_spend"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["warnings"] == []
