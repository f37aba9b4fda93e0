"""Document 003's customer look-up, additions: the customer's actual values next to its
segment's typical ones (`compared_with_segment`), and ids found regardless of case and
surrounding spaces when that names one customer (exact match wins; otherwise 409)."""

import pytest

from clustering.models import Assignment
from datasets.demo import generate_customers
from datasets.models import Customer
from datasets.selectors import customer_attributes

from .conftest import DOC004_FEATURES, train, upload_customers

pytestmark = pytest.mark.django_db


def _url(customer_id: str) -> str:
    return f"/api/customers/{customer_id}/segment"


def _customer(run, row: int = 7) -> Customer:
    return Customer.objects.filter(dataset=run.dataset).order_by("row_number")[row]


def test_lookup_shows_actual_values_next_to_the_segments_typical_ones(published_run, user_client):
    customer = _customer(published_run)
    attributes = customer_attributes(
        dataset=published_run.dataset, row_numbers=[customer.row_number]
    )[customer.row_number]
    label = Assignment.objects.get(run=published_run, customer=customer).cluster_label
    profile = published_run.clusters.get(label=label).profile

    response = user_client.get(_url(customer.external_id))

    assert response.status_code == 200
    rows = {row["column"]: row for row in response.json()["data"]["compared_with_segment"]}
    assert list(rows)[: len(DOC004_FEATURES)] == DOC004_FEATURES
    age = rows["age"]
    assert age["role"] == "age"
    assert age["is_feature"] is True
    assert age["value"] == attributes["age"]
    assert age["typical_is"] == "median"
    assert age["segment_typical"] == pytest.approx(profile["median_values"]["age"])
    assert age["segment_mean"] == pytest.approx(profile["mean_values"]["age"])
    gender = rows["gender"]
    assert gender["value"] == attributes["gender"]
    assert gender["typical_is"] == "most common"
    shares = profile["category_shares"]["gender"]
    assert gender["segment_typical"] == max(shares, key=shares.get)
    assert gender["segment_share"] == pytest.approx(100 * max(shares.values()), abs=0.05)
    # A column behind a bracket that the run did not cluster on: the value, no typical one.
    tenure = rows["tenure_months"]
    assert tenure["is_feature"] is False
    assert tenure["value"] == attributes["tenure_months"]
    assert tenure["segment_typical"] is None
    assert tenure["typical_is"] is None


@pytest.mark.parametrize("typed", ["  {id}  ", "{lower}", " {lower}\t"])
def test_lookup_finds_an_id_regardless_of_case_and_spaces(published_run, user_client, typed):
    customer = _customer(published_run)
    text = typed.format(id=customer.external_id, lower=customer.external_id.lower())
    assert text != customer.external_id

    response = user_client.get(_url(text))

    assert response.status_code == 200
    assert response.json()["data"]["customer_id"] == customer.external_id


@pytest.fixture
def run_with_ids_differing_in_case(db):
    frame = generate_customers(120, seed=3)
    frame.loc[0, "customer_id"] = "ab-1"
    frame.loc[1, "customer_id"] = "AB-1"
    return train(upload_customers(frame=frame), n_clusters=3)


def test_lookup_exact_id_wins_over_one_differing_in_case(
    run_with_ids_differing_in_case, user_client
):
    for typed, row in (("ab-1", 0), ("AB-1", 1), (" AB-1 ", 1)):
        response = user_client.get(_url(typed))
        assert response.status_code == 200
        customer = Customer.objects.get(
            dataset=run_with_ids_differing_in_case.dataset, row_number=row
        )
        assert response.json()["data"]["customer_id"] == customer.external_id


def test_lookup_of_an_id_matching_several_only_by_case_is_409(
    run_with_ids_differing_in_case, user_client
):
    response = user_client.get(_url("Ab-1"))

    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False
    assert "'Ab-1' is ambiguous" in body["message"]
    assert "'AB-1'" in body["message"]
    assert "'ab-1'" in body["message"]
    assert "exactly as written" in body["message"]


def test_lookup_of_an_unknown_id_is_still_404(published_run, user_client):
    response = user_client.get(_url("  nobody-42 "))

    assert response.status_code == 404
    assert "'nobody-42' is not in the published segmentation" in response.json()["message"]


def test_schema_documents_the_comparison_and_the_ambiguous_409(user_client):
    schema = user_client.get("/api/schema/", {"format": "json"}).json()

    fields = schema["components"]["schemas"]["CustomerComparison"]["properties"]
    assert {"column", "value", "segment_typical", "typical_is"} <= set(fields)
    segment = schema["components"]["schemas"]["CustomerSegment"]["properties"]
    assert "compared_with_segment" in segment
    operation = schema["paths"]["/api/customers/{customer_id}/segment"]["get"]
    assert "ambiguous" in operation["responses"]["409"]["description"]
