"""Document 003's answers have the seed document's shapes, and the OpenAPI schema types each one.

Two halves: the generated schema gives every document 003 success answer a typed body (an
object with declared properties, its `data` too, and typed items in every list), and the real
answers of a published segmentation carry the seed document's keys and validate against that
schema (OpenAPI 3.0's `nullable` read as JSON Schema's null type)."""

from typing import Any

import jsonschema
import pytest
from rest_framework.test import APIClient

from clustering.models import ClusteringRun
from datasets.models import Customer
from tests.factories import DEFAULT_PASSWORD
from tests.reports.conftest import published_run_make

# Every document 003 operation that answers JSON: (method, path in the schema), success status.
OPERATIONS = {
    ("get", "/api/segments/{segment_type}"): "200",
    ("get", "/api/clusters"): "200",
    ("post", "/api/clusters/run"): "202",
    ("get", "/api/clusters/jobs/{job_id}"): "200",
    ("get", "/api/customers/{customer_id}/segment"): "200",
    ("get", "/api/insights/{segment_type}"): "200",
    ("post", "/api/export/{segment_type}"): "202",
    ("get", "/api/health"): "200",
    ("post", "/api/auth/login"): "200",
}
ENVELOPED = {operation for operation in OPERATIONS if operation[1] not in ("/api/health",)}
ENVELOPED.discard(("post", "/api/auth/login"))
# Free-form by design: the engine's metrics of a run (their keys depend on the algorithm).
FREE_FORM = {"JobResult.metrics"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _keys(names: str) -> set[str]:
    """A set of keys written as one string, as the seed document lists them."""
    return set(names.split())


def _resolve(schema: dict, node: dict) -> tuple[str | None, dict]:
    """(component name, schema) of a node, following one `$ref`."""
    reference = node.get("$ref")
    if not reference:
        return None, node
    name = reference.rsplit("/", 1)[-1]
    return name, schema["components"]["schemas"][name]


def _untyped(schema: dict, node: dict, where: str, seen: frozenset = frozenset()) -> list[str]:
    """Places below `node` whose shape the schema leaves open: an object without properties, a
    list without typed items."""
    name, node = _resolve(schema, node)
    if name in seen:
        return []
    seen = seen | {name} if name else seen
    where = name or where
    problems = []
    for choice in node.get("oneOf", []) + node.get("allOf", []) + node.get("anyOf", []):
        problems += _untyped(schema, choice, where, seen)
    if node.get("type") == "array":
        items = node.get("items") or {}
        if not items:
            problems.append(f"{where}: list without typed items")
        else:
            problems += _untyped(schema, items, where, seen)
    if node.get("type") == "object":
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        if properties:
            for key, child in properties.items():
                if f"{where}.{key}" not in FREE_FORM:
                    problems += _untyped(schema, child, f"{where}.{key}", seen)
        elif isinstance(extra, dict) and extra:
            problems += _untyped(schema, extra, where, seen)
        else:
            problems.append(f"{where}: object without properties")
    return problems


def _response_schema(schema: dict, method: str, path: str, status: str) -> dict:
    content = schema["paths"][path][method]["responses"][status].get("content", {})
    return content.get("application/json", {}).get("schema", {})


def test_schema_types_every_document_003_answer(schema):
    problems = []
    for (method, path), status in OPERATIONS.items():
        body = _response_schema(schema, method, path, status)
        if not body:
            problems.append(f"{method.upper()} {path}: {status} has no JSON body schema")
            continue
        problems += [
            f"{method.upper()} {path}: {p}" for p in _untyped(schema, body, f"{path} {status}")
        ]
        for parameter in schema["paths"][path][method].get("parameters", []):
            if parameter["in"] == "path" and f"{{{parameter['name']}}}" not in path:
                problems.append(f"{method.upper()} {path}: path parameter {parameter['name']}")
        if (method, path) in ENVELOPED:
            _, envelope = _resolve(schema, body)
            assert set(envelope["properties"]) >= {"success", "data", "metadata"}, path
            assert set(envelope["required"]) >= {"success", "data", "metadata"}, path
    assert not problems, "Untyped document 003 answers:\n" + "\n".join(problems)


def _json_schema(schema: dict, node: Any) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema: `$ref`s inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [_json_schema(schema, n) for n in node]
    if not isinstance(node, dict):
        return node
    _, node = _resolve(schema, node)
    converted = {k: _json_schema(schema, v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _assert_matches_schema(schema: dict, response, method: str, path: str) -> dict:
    status = OPERATIONS[(method, path)]
    assert str(response.status_code) == status, response.content
    body = response.json()
    jsonschema.validate(body, _json_schema(schema, _response_schema(schema, method, path, status)))
    if (method, path) in ENVELOPED:
        assert body["success"] is True
        assert set(body["metadata"]) == {"request_id", "timestamp", "api_version"}
    return body


@pytest.fixture
def published(analyst, django_capture_on_commit_callbacks) -> ClusteringRun:
    with django_capture_on_commit_callbacks(execute=True):
        return published_run_make(owner=analyst)


@pytest.mark.django_db
def test_segment_answers_have_the_seed_shapes(schema, published, analyst_client):
    body = _assert_matches_schema(
        schema, analyst_client.get("/api/segments/clv"), "get", "/api/segments/{segment_type}"
    )
    data = body["data"]
    assert set(data) >= {"segmentation_type", "total_records", "limit", "offset", "segments"}
    assert (data["segmentation_type"], data["limit"], data["offset"]) == ("clv", 50, 0)
    for segment in data["segments"]:  # section 1.1's keys
        assert set(segment) >= _keys(
            "clv_tier total_customers avg_purchase_amount avg_frequency avg_clv avg_income"
            " avg_lifespan_years"
        )

    body = _assert_matches_schema(
        schema,
        analyst_client.get("/api/segments/cluster?limit=2"),
        "get",
        "/api/segments/{segment_type}",
    )
    data = body["data"]
    assert set(data["request_summary"]) == {"total_records", "limit", "offset", "has_more"}
    assert data["request_summary"]["has_more"] is True
    assert set(body["links"]) >= {"self", "insights", "export", "cluster_details", "next"}
    for segment in data["segments"]:  # section 2's keys the demo data has columns for
        assert set(segment) >= _keys(
            "cluster_id cluster_label cluster_name cluster_priority customer_count"
            " customer_percentage demographics financial_metrics behavioral_metrics metadata"
        )
        assert set(segment["demographics"]) >= _keys(
            "avg_age age_range_min age_range_max predominant_gender gender_distribution regions"
        )
        assert set(segment["financial_metrics"]) >= _keys(
            "avg_income median_income income_range avg_purchase_amount total_purchases"
            " avg_purchase_frequency avg_clv"
        )
        assert "avg_customer_lifespan_months" in segment["behavioral_metrics"]
        assert set(segment["metadata"]) >= {"created_at", "description"}

    body = _assert_matches_schema(
        schema, analyst_client.get("/api/insights/clv"), "get", "/api/insights/{segment_type}"
    )
    data = body["data"]
    assert set(data) >= {"segmentation_type", "generated_at", "insights", "key_metrics"}
    for insight in data["insights"]:
        assert set(insight) >= {"title", "description", "severity", "recommendation"}
    assert set(data["key_metrics"]) >= {"total_customers", "avg_clv", "revenue_concentration"}


@pytest.mark.django_db
def test_cluster_and_customer_answers_have_the_seed_shapes(schema, published, analyst_client):
    body = _assert_matches_schema(
        schema, analyst_client.get("/api/clusters"), "get", "/api/clusters"
    )
    data = body["data"]
    assert data["total_clusters"] == len(data["clusters"]) == published.clusters.count()
    for cluster in data["clusters"]:  # section 1.2's keys
        assert set(cluster) >= _keys(
            "cluster_id cluster_label cluster_name customer_count avg_income avg_purchase_amount"
            " description"
        )

    job_id = f"job_clust_{published.created_at:%Y%m%d}_{published.pk}"
    body = _assert_matches_schema(
        schema,
        analyst_client.get(f"/api/clusters/jobs/{job_id}"),
        "get",
        "/api/clusters/jobs/{job_id}",
    )
    assert (body["data"]["job_id"], body["data"]["status"]) == (job_id, "completed")
    assert body["data"]["result"]["n_clusters"] == published.clusters.count()

    customer = Customer.objects.filter(dataset=published.dataset).order_by("row_number")[5]
    body = _assert_matches_schema(
        schema,
        analyst_client.get(f"/api/customers/{customer.external_id}/segment?include_insights=true"),
        "get",
        "/api/customers/{customer_id}/segment",
    )
    data = body["data"]
    assert set(data) >= {"customer_id", "segments", "insights"}
    assert set(data["segments"]) >= _keys(
        "gender region age_group income_bracket cluster_id cluster_label purchase_tier clv_tier"
        " calculated_clv"
    )
    assert set(data["insights"]) == {"value_score", "churn_risk", "product_affinity"}


@pytest.mark.django_db
def test_run_and_export_answers_have_the_seed_shapes(schema, published, analyst_client):
    body = _assert_matches_schema(
        schema,
        analyst_client.post(
            "/api/clusters/run",
            {"dataset_id": published.dataset_id, "n_clusters": 3, "algorithm": "kmeans"},
            format="json",
        ),
        "post",
        "/api/clusters/run",
    )
    assert set(body["data"]) >= {"job_id", "status", "message", "estimated_time_seconds"}
    assert body["data"]["status"] == "processing"

    body = _assert_matches_schema(
        schema,
        analyst_client.post(
            "/api/export/clv",
            {"format": "csv", "filters": {"min_customers": 1}},
            format="json",
        ),
        "post",
        "/api/export/{segment_type}",
    )
    assert set(body["data"]) >= _keys(
        "export_id status format estimated_size_mb download_url expires_at"
    )


@pytest.mark.django_db
def test_health_and_login_answers_have_the_seed_shapes(schema, analyst):
    client = APIClient()
    body = _assert_matches_schema(schema, client.get("/api/health"), "get", "/api/health")
    assert set(body) == {"status", "timestamp", "components"}
    assert set(body["components"]) == {"database", "cache", "api_version"}

    response = client.post(
        "/api/auth/login",
        {"username": analyst.email, "password": DEFAULT_PASSWORD},
        format="json",
    )
    body = _assert_matches_schema(schema, response, "post", "/api/auth/login")
    assert set(body) >= {"access_token", "token_type", "expires_in", "refresh_token"}
