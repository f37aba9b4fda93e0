"""Document 003 `GET /api/customers/{id}/segment`: rule-based segments and the published
cluster of one customer of the published segmentation's dataset, in 003's envelope."""

import pytest

from clustering.models import Assignment
from datasets.models import Customer
from datasets.selectors import customer_attributes

from .conftest import train, upload_customers


def _url(customer_id) -> str:
    return f"/api/customers/{customer_id}/segment"


@pytest.mark.django_db
def test_customer_segment_answers_segments_and_cluster_in_envelope(published_run, user_client):
    customer = Customer.objects.filter(dataset=published_run.dataset).order_by("row_number")[7]
    attributes = customer_attributes(
        dataset=published_run.dataset, row_numbers=[customer.row_number]
    )[customer.row_number]

    response = user_client.get(_url(customer.external_id))

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert set(body["metadata"]) >= {"request_id", "timestamp", "api_version"}
    data = body["data"]
    assert str(data["customer_id"]) == customer.external_id
    segments = data["segments"]
    assignment = Assignment.objects.get(run=published_run, customer=customer)
    assert segments["cluster_id"] == assignment.cluster_label
    assert (
        segments["cluster_label"] == published_run.clusters.get(label=assignment.cluster_label).name
    )
    assert segments["gender"] == attributes["gender"]
    assert segments["region"] == attributes["region"]
    assert segments["age_group"] in {"Under 18", "18-25", "26-40", "41-55", "56+"}
    assert (
        segments["income_bracket"].endswith("Income (<30k)")
        or "Income" in segments["income_bracket"]
    )
    assert segments["clv_tier"] in {"Platinum", "Gold", "Silver", "Bronze"}
    expected_clv = (
        attributes["avg_purchase_amount"]
        * attributes["purchase_frequency"]
        * attributes["tenure_months"]
        / 12
    )
    assert segments["calculated_clv"] == pytest.approx(expected_clv, abs=0.01)
    assert "insights" not in data


@pytest.mark.django_db
def test_customer_segment_of_a_customer_without_assignment_has_no_cluster(
    published_run, user_client
):
    customer = Customer.objects.filter(dataset=published_run.dataset).order_by("row_number")[3]
    Assignment.objects.filter(run=published_run, customer=customer).delete()

    response = user_client.get(_url(customer.external_id))

    assert response.status_code == 200
    segments = response.json()["data"]["segments"]
    assert segments["cluster_id"] is None
    assert segments["cluster_label"] is None


@pytest.mark.django_db
def test_customer_segment_includes_insights_when_asked(published_run, user_client):
    customer = Customer.objects.filter(dataset=published_run.dataset).first()

    data = user_client.get(_url(customer.external_id), {"include_insights": "true"}).json()["data"]

    assert 0 <= data["insights"]["value_score"] <= 100
    assert data["insights"]["churn_risk"] in {"Low", "Medium", "High"}
    assert data["insights"]["product_affinity"] == []


@pytest.mark.django_db
def test_customer_segment_of_unknown_customer_is_404_in_envelope(published_run, user_client):
    response = user_client.get(_url("NO-SUCH-CUSTOMER"))

    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert "NO-SUCH-CUSTOMER" in body["message"]
    assert "request_id" in body["metadata"]


@pytest.mark.django_db
def test_customer_segment_without_published_run_is_409_in_envelope(user_client):
    response = user_client.get(_url("C0000001"))

    assert response.status_code == 409
    assert response.json()["success"] is False
    assert "published first" in response.json()["message"]


@pytest.mark.django_db
def test_customer_segment_reads_only_the_published_datasets_customers(user_client):
    unpublished = upload_customers(seed=9, rows=50)
    train(upload_customers(seed=3), n_clusters=3)
    stray = Customer.objects.create(
        dataset=unpublished, external_id="ONLY-ELSEWHERE", row_number=99
    )

    response = user_client.get(_url(stray.external_id))

    assert response.status_code == 404


@pytest.mark.django_db
def test_customer_segment_bad_include_insights_is_400_in_envelope(published_run, user_client):
    customer = Customer.objects.filter(dataset=published_run.dataset).first()

    response = user_client.get(_url(customer.external_id), {"include_insights": "maybe"})

    assert response.status_code == 400
    assert response.json()["success"] is False


@pytest.mark.django_db
def test_customer_segment_tiers_agree_with_the_segment_tables(published_run, user_client):
    from datasets.selectors import dataset_frame_load
    from reports.segments import SegmentRules, derive_customers

    dataset = published_run.dataset
    frame = dataset_frame_load(dataset=dataset)
    rules = SegmentRules.from_overrides(None)
    tables = {
        kind: derive_customers(frame, segment_type=kind, schema=dataset.schema, rules=rules).frame
        for kind in ("purchase_tier", "clv")
    }
    for customer in Customer.objects.filter(dataset=dataset).order_by("row_number")[:25]:
        segments = user_client.get(_url(customer.external_id)).json()["data"]["segments"]
        row = customer.row_number
        assert segments["purchase_tier"] == tables["purchase_tier"].iloc[row]["purchase_tier"]
        assert segments["clv_tier"] == tables["clv"].iloc[row]["clv_tier"]
