"""Segment names through the API: an uploaded RFM table gets the customer-value vocabulary with
the segments' real figures; document 004's demographic data keeps its own vocabulary; the tenure
role is detected and can be set like any other."""

import re

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from clustering.engine.words import income, rfm
from clustering.engine.words.figures import number
from clustering.models import Assignment
from datasets.demo import generate_rfm_customers
from datasets.models import Dataset
from tests.datasets.conftest import csv_file

from .conftest import dataset_make

pytestmark = pytest.mark.django_db

RFM_NAMES = {name for name, _ in rfm.PROFILES}
DOCUMENT_004_NAMES = {name for name, _ in income.ROLE_NAMES} | {income.MAINSTREAM}
QUALIFIED = re.compile(r"^(?P<base>.+?)(?: \((?P<qualifier>[^()]*)\))?$")


def base_name(name: str) -> str:
    return QUALIFIED.match(name)["base"]


@pytest.fixture
def rfm_frame() -> pd.DataFrame:
    return generate_rfm_customers(3000, seed=1)


@pytest.fixture
def rfm_dataset_id(analyst_client, rfm_frame) -> int:
    content = rfm_frame.to_csv(index=False).encode()
    response = analyst_client.post(
        "/api/v1/datasets/", {"file": csv_file(content, "orders.csv")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_generated_rfm_table_is_heavy_tailed(rfm_frame):
    assert 0.55 <= (rfm_frame["frequency"] == 1).mean() <= 0.65
    assert rfm_frame["monetary"].mean() > 1.5 * rfm_frame["monetary"].median()  # lognormal spend
    assert (rfm_frame["recency_days"] <= rfm_frame["tenure_days"]).all()


def test_upload_detects_the_customer_value_roles(analyst_client, rfm_dataset_id):
    schema = analyst_client.get(f"/api/v1/datasets/{rfm_dataset_id}/").json()["schema"]
    assert {column["name"]: column["role"] for column in schema} == {
        "customer_id": "customer_id",
        "recency_days": "recency",
        "frequency": "frequency",
        "monetary": "monetary",
        "tenure_days": "tenure",
    }


def test_rfm_run_gets_customer_value_names_with_real_figures(
    analyst_client, rfm_dataset_id, rfm_frame
):
    response = analyst_client.post(
        "/api/v1/clustering/train",
        {"dataset_id": rfm_dataset_id, "algorithm": "kmeans", "n_clusters": 4},
        format="json",
    )
    assert response.status_code == 201, response.content
    run_id = response.json()["run_id"]
    clusters = analyst_client.get(
        reverse("clustering-api:run-clusters", args=[run_id]), {"page_size": 100}
    ).json()["results"]

    names = [cluster["name"] for cluster in clusters]
    assert len(set(names)) == 4
    assert {base_name(name) for name in names} <= RFM_NAMES, names
    assigned = dict(
        Assignment.objects.filter(run_id=run_id).values_list("customer_id", "cluster_label")
    )
    labels = pd.Series(assigned).sort_index().to_numpy()  # customer ids follow row numbers
    for cluster in clusters:
        members = rfm_frame[labels == cluster["label"]]
        recency, frequency = members["recency_days"].mean(), members["frequency"].mean()
        spent = members["monetary"].mean()
        quoted = (
            f"last purchase {number(recency)} days ago on average, {number(frequency)} purchases, "
            f"{number(spent)} spent"
        )
        assert f'"{cluster["name"]}" ({quoted})' in cluster["recommendation"]
        assert cluster["characteristics"][:3] == [
            f"Last purchase {number(recency)} days ago on average "
            f"(all customers: {number(rfm_frame['recency_days'].mean())})",
            f"{number(frequency)} purchases on average "
            f"(all customers: {number(rfm_frame['frequency'].mean())})",
            f"{number(spent)} spent on average "
            f"(all customers: {number(rfm_frame['monetary'].mean())})",
        ]

    by_value = sorted(clusters, key=lambda c: -c["profile"]["mean_values"]["monetary"])
    assert base_name(by_value[0]["name"]) in {"Champions", "Loyal", "Can't lose them"}
    lapsed = max(clusters, key=lambda c: c["profile"]["mean_values"]["recency_days"])
    assert base_name(lapsed["name"]) in {"Lost", "Hibernating", "About to sleep", "At risk"}


def test_document_004_train_keeps_its_vocabulary(analyst_client, analyst, user_client):
    dataset_make(owner=analyst, rows=600, current=True)
    response = analyst_client.post("/train", {"n_clusters": 5}, format="json")
    assert response.status_code == 200, response.content
    names = [cluster["cluster_name"] for cluster in user_client.get("/clusters").json()["clusters"]]
    assert len(set(names)) == 5
    assert set(names) <= DOCUMENT_004_NAMES, names
    assert not any(name.startswith("Segment") for name in names)


def test_tenure_role_can_be_set_through_the_api(analyst_client, rfm_dataset_id):
    url = f"/api/v1/datasets/{rfm_dataset_id}/columns/"
    cleared = analyst_client.patch(url, {"roles": {"tenure_days": None}}, format="json")
    assert cleared.status_code == 200, cleared.content
    moved = analyst_client.patch(url, {"roles": {"frequency": "tenure"}}, format="json")
    assert moved.status_code == 200, moved.content
    roles = {column["name"]: column["role"] for column in moved.json()["schema"]}
    assert roles["frequency"] == "tenure"
    assert roles["tenure_days"] is None


def test_tenure_role_can_be_set_on_the_dataset_page(analyst, analyst_client, rfm_dataset_id):
    dataset = Dataset.objects.get(pk=rfm_dataset_id)
    names = [column["name"] for column in dataset.schema]
    data = {f"role_{i}": column.get("role") or "" for i, column in enumerate(dataset.schema)}
    data[f"role_{names.index('tenure_days')}"] = ""
    data[f"role_{names.index('recency_days')}"] = "tenure"
    browser = Client()
    browser.force_login(analyst)

    response = browser.post(reverse("pages:dataset-detail", args=[dataset.pk]), data)

    assert response.status_code == 302
    dataset.refresh_from_db()
    roles = {column["name"]: column.get("role") for column in dataset.schema}
    assert roles["recency_days"] == "tenure"
    assert roles["tenure_days"] is None
