"""Document 003 `GET /api/segments/{type}` and `GET /api/insights/{type}`: envelope, every type,
pagination, sorting, errors, scopes and caching, on a run fitted by the real services."""

import io

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_key_create
from clustering.models import Cluster
from reports import segments
from reports.selectors import PUBLISHED_VERSION_KEY, segment_view
from tests.factories import AnalystFactory

from .conftest import published_run_make
from .frames import demo_frame, demo_schema

pytestmark = pytest.mark.django_db

DOC_CLV_KEYS = {
    "clv_tier",
    "total_customers",
    "avg_purchase_amount",
    "avg_frequency",
    "avg_clv",
    "avg_income",
    "avg_lifespan_years",
}


def _get(client, path, **params):
    return client.get(path, params)


@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_segments_every_type_answers_envelope_covering_every_customer(
    user_client, shared_run, segment_type
):
    response = _get(user_client, f"/api/segments/{segment_type}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True
    assert body["metadata"]["request_id"]
    assert body["metadata"]["api_version"] == "1.0"
    data = body["data"]
    assert data["segmentation_type"] == segment_type
    count = "customer_count" if segment_type == "cluster" else "total_customers"
    assert sum(s[count] for s in data["segments"]) == shared_run.dataset.n_rows
    assert data["request_summary"] == {
        "total_records": len(data["segments"]),
        "limit": 50,
        "offset": 0,
        "has_more": False,
    }
    assert body["links"]["insights"] == f"/api/insights/{segment_type}"
    assert body["links"]["export"] == f"/api/export/{segment_type}"


def test_segments_clv_has_document_fields_and_four_tiers(user_client, shared_run):
    data = _get(user_client, "/api/segments/clv").json()["data"]
    assert [s["clv_tier"] for s in data["segments"]] == ["Platinum", "Gold", "Silver", "Bronze"]
    assert set(data["segments"][0]) >= DOC_CLV_KEYS
    assert data["segments"][0]["avg_clv"] > data["segments"][-1]["avg_clv"]


def test_segments_cluster_records_match_the_runs_clusters(user_client, shared_run):
    data = _get(user_client, "/api/segments/cluster").json()["data"]
    clusters = {c.label: c for c in Cluster.objects.filter(run=shared_run)}
    assert {s["cluster_id"] for s in data["segments"]} == set(clusters)
    for record in data["segments"]:
        cluster = clusters[record["cluster_id"]]
        assert record["cluster_name"] == cluster.name
        assert record["customer_count"] == cluster.size
        assert record["metadata"]["description"] == cluster.summary
        assert {"avg_age", "predominant_gender", "gender_distribution", "regions"} <= set(
            record["demographics"]
        )
        assert {"avg_income", "median_income", "income_range", "avg_clv"} <= set(
            record["financial_metrics"]
        )
    assert sorted(s["cluster_priority"] for s in data["segments"]) == [1, 2, 3]


def test_segments_type_is_case_insensitive(user_client, shared_run):
    response = _get(user_client, "/api/segments/Gender")
    assert response.status_code == 200
    assert response.json()["data"]["segmentation_type"] == "gender"


def test_segments_pagination_pages_with_links_and_has_more(user_client, shared_run):
    first = _get(user_client, "/api/segments/region", limit=2).json()
    assert len(first["data"]["segments"]) == 2
    assert first["data"]["request_summary"]["has_more"] is True
    assert "offset=2" in first["links"]["next"]
    assert "prev" not in first["links"]
    last = _get(user_client, "/api/segments/region", limit=2, offset=4).json()
    assert last["data"]["request_summary"] == {
        "total_records": 6,
        "limit": 2,
        "offset": 4,
        "has_more": False,
    }
    assert "next" not in last["links"]
    assert "offset=2" in last["links"]["prev"]
    names = [s["region"] for s in first["data"]["segments"] + last["data"]["segments"]]
    assert len(set(names)) == 4


def test_segments_offset_past_the_end_is_an_empty_page(user_client, shared_run):
    data = _get(user_client, "/api/segments/gender", offset=100).json()["data"]
    assert data["segments"] == []
    assert data["request_summary"]["has_more"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort_order": "sideways"}, "sort_order"),
    ],
)
def test_segments_bad_paging_is_400_naming_the_field(user_client, shared_run, params, field):
    response = _get(user_client, "/api/segments/gender", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["message"].startswith(field)


@pytest.mark.parametrize("order", ["ASC", "asc", "DESC"])
def test_segments_sort_by_whitelisted_field_sorts(user_client, shared_run, order):
    data = _get(
        user_client, "/api/segments/region", sort_by="total_customers", sort_order=order
    ).json()["data"]
    counts = [s["total_customers"] for s in data["segments"]]
    assert counts == sorted(counts, reverse=order.upper() == "DESC")


def test_segments_sort_cluster_by_nested_metric(user_client, shared_run):
    data = _get(
        user_client, "/api/segments/cluster", sort_by="avg_income", sort_order="ASC"
    ).json()["data"]
    incomes = [s["financial_metrics"]["avg_income"] for s in data["segments"]]
    assert incomes == sorted(incomes)


@pytest.mark.parametrize("sort_by", ["password", "total_customers; DROP TABLE x", "__class__"])
def test_segments_sort_by_outside_whitelist_is_400(user_client, shared_run, sort_by):
    response = _get(user_client, "/api/segments/gender", sort_by=sort_by)
    assert response.status_code == 400
    assert "choose one of gender, segment_name, total_customers" in response.json()["message"]


def test_segments_unknown_type_is_400_listing_types(user_client, shared_run):
    response = _get(user_client, "/api/segments/shoe_size")
    assert response.status_code == 400
    assert "Invalid segmentation type 'shoe_size'" in response.json()["message"]


def test_segments_type_missing_its_role_is_400_naming_the_role(
    analyst, django_capture_on_commit_callbacks
):
    frame = demo_frame(300)
    with django_capture_on_commit_callbacks(execute=True):
        published_run_make(
            owner=analyst, frame=frame, schema=demo_schema(frame, without=("tenure",))
        )
    client = APIClient()
    client.force_authenticate(analyst)
    response = _get(client, "/api/segments/clv")
    assert response.status_code == 400
    assert "role 'tenure'" in response.json()["message"]
    assert _get(client, "/api/segments/gender").status_code == 200


def test_segments_anonymous_is_401(api_client, shared_run):
    assert _get(api_client, "/api/segments/gender").status_code == 401


def test_segments_api_key_without_scope_is_403_with_scope_200(api_client, user, shared_run):
    _, without = api_key_create(owner=user, name="no segments", scopes=["predict"])
    _, with_scope = api_key_create(owner=user, name="segments", scopes=["segments:read"])
    response = api_client.get("/api/segments/gender", HTTP_X_API_KEY=without)
    assert response.status_code == 403
    assert "segments:read" in response.json()["message"]
    assert api_client.get("/api/segments/gender", HTTP_X_API_KEY=with_scope).status_code == 200


def test_segment_view_cached_until_published_version_changes(published_run):
    before = segment_view(run=published_run, segment_type="gender")
    # Replace the Parquet copy with half the rows: a cached answer does not read it.
    half = demo_frame(300)
    buffer = io.BytesIO()
    half.to_parquet(buffer, index=False)
    with published_run.dataset.parquet_file.open("wb") as handle:
        handle.write(buffer.getvalue())
    assert segment_view(run=published_run, segment_type="gender") == before
    cache.set(PUBLISHED_VERSION_KEY, (cache.get(PUBLISHED_VERSION_KEY) or 0) + 1)
    after = segment_view(run=published_run, segment_type="gender")
    assert sum(s["total_customers"] for s in after) == 300


def test_segments_follow_a_new_publication(
    user_client, shared_run, django_capture_on_commit_callbacks
):
    assert _get(user_client, "/api/segments/gender").json()["data"]["segments"]
    other = AnalystFactory()
    with django_capture_on_commit_callbacks(execute=True):
        published_run_make(owner=other, frame=demo_frame(200, seed=5))
    data = _get(user_client, "/api/segments/gender").json()["data"]
    assert sum(s["total_customers"] for s in data["segments"]) == 200


@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_insights_every_type_has_findings_and_key_metrics(user_client, shared_run, segment_type):
    response = user_client.get(f"/api/insights/{segment_type}")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert data["segmentation_type"] == segment_type
    assert data["generated_at"].endswith("Z")
    assert data["key_metrics"]["total_customers"] == shared_run.dataset.n_rows
    assert data["key_metrics"]["revenue_concentration"].startswith("Gini coefficient: 0.")
    assert data["insights"]
    for insight in data["insights"]:
        assert set(insight) == {"title", "description", "severity", "recommendation", "rule"}
        assert insight["severity"] in ("high", "medium", "low")


def test_insights_cluster_findings_use_cluster_names(user_client, shared_run):
    names = set(Cluster.objects.filter(run=shared_run).values_list("name", flat=True))
    data = user_client.get("/api/insights/cluster").json()["data"]
    largest = next(i for i in data["insights"] if i["rule"] == "largest_segment")
    assert largest["title"].removeprefix("Largest segment: ") in names
