"""The OpenAPI schema and the URL routes agree: every API route is documented, with each method
it serves, and the schema documents no path or method that does not exist. What counts as an
API route is said in `tests/contracts/routes.py`."""

import re

import pytest
from django.urls import get_resolver

from tests.contracts.routes import HTTP_METHODS, regex_to_templates, walk
from tests.contracts.routes import is_api_view as _is_api_view
from tests.contracts.routes import methods as _methods


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def routes() -> list[tuple[tuple[str, ...], object]]:
    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _schema_operations(schema: dict) -> dict[str, set[str]]:
    return {
        _normalise(path): {method for method in operations if method in HTTP_METHODS}
        for path, operations in schema["paths"].items()
    }


def test_regex_routes_become_templates():
    assert regex_to_templates(r"^api/v1/users/(?P<pk>[^/.]+)/$") == ["api/v1/users/{}/"]
    assert regex_to_templates(r"^a/(?P<x>(\d+|z))/b\.csv$") == ["a/{}/b.csv"]
    assert regex_to_templates(r"^profiles/?$") == ["profiles/", "profiles"]


@pytest.mark.django_db
def test_every_api_route_and_method_is_in_the_schema(routes, schema):
    documented = _schema_operations(schema)
    missing = []
    for paths, callback in routes:
        if not _is_api_view(callback):
            continue
        served = _methods(callback)
        best = max((documented.get(path, set()) for path in paths), key=len)
        if served - best:
            missing.append(f"{paths[0]}: {sorted(served - best)}")
    assert not missing, "Routes missing from the OpenAPI schema:\n" + "\n".join(sorted(missing))


@pytest.mark.django_db
def test_schema_lists_no_route_or_method_that_does_not_exist(routes, schema):
    served: dict[str, set[str]] = {}
    for paths, callback in routes:
        for path in paths:
            served.setdefault(path, set()).update(_methods(callback))
    phantom = []
    for path, methods in sorted(_schema_operations(schema).items()):
        if path not in served:
            phantom.append(f"{path}: no such route")
        elif methods - served[path]:
            phantom.append(f"{path}: {sorted(methods - served[path])} not served")
    assert not phantom, "The schema documents what is not served:\n" + "\n".join(phantom)


@pytest.mark.django_db
def test_the_schema_documents_the_accounts_contracts(schema):
    paths = set(schema["paths"])
    for path in [
        "/auth/register",
        "/auth/login",
        "/auth/me",
        "/users/me/profile",
        "/users/me",
        "/admin/users",
        "/admin/users/{id}",
        "/admin/users/{id}/role",
        "/admin/users/{id}/toggle-active",
        "/admin/stats",
        "/api/auth/login",
        "/api/health",
        "/api/v1/",
        "/api/v1/auth/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/api-keys/",
        "/api/v1/auth/api-keys/{id}/",
        "/api/v1/users/",
    ]:
        assert path in paths, path
