"""The OpenAPI schema and the URL routes agree: every API route is documented, with each method
it serves, and the schema documents no path or method that does not exist.

"API route" means a route served by a DRF view. Not part of the API, and so not walked: the
Django admin back office (its own namespace), static files, the schema and docs views
themselves, and server-rendered pages and OAuth endpoints (plain Django views). DRF views marked
`schema = None` (DRF's own way to leave a view out, e.g. a router's root) are left out too.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
NOT_API_NAMESPACES = {"admin"}
NOT_API_MODULE_PREFIXES = ("drf_spectacular.", "django.contrib.staticfiles", "django.views.static")


def _regex_to_templates(regex: str) -> list[str]:
    """`^api/v1/users/(?P<pk>[^/.]+)/?$` -> `["api/v1/users/{}/", "api/v1/users/{}"]`: named
    groups become `{}`, escapes are undone, and an optional character (`x?`) gives two paths."""
    variants = [""]
    i = 0
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            depth, j = 0, i
            while j < len(regex):
                if regex[j] == "(" and regex[j - 1 : j] != "\\":
                    depth += 1
                elif regex[j] == ")" and regex[j - 1 : j] != "\\":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            token, i = "{}", j + 1
        elif regex[i] == "\\" and i + 1 < len(regex):
            token, i = regex[i + 1], i + 2
        else:
            token, i = regex[i], i + 1
        if regex.startswith("?", i):  # optional: with and without it
            variants = [v + t for v in variants for t in (token, "")]
            i += 1
        else:
            variants = [v + token for v in variants]
    return variants


def _pattern_templates(pattern) -> list[str]:
    if type(pattern).__name__ == "RegexPattern":
        return _regex_to_templates(str(pattern))
    return [re.sub(r"<(?:\w+:)?\w+>", "{}", str(pattern))]


def _walk(patterns, prefixes: tuple[str, ...] = ("",)):
    """(paths, callback) of every route outside the non-API namespaces; a route whose regex
    has an optional part is served at several paths."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_API_NAMESPACES or entry.app_name in NOT_API_NAMESPACES:
                continue
            joined = tuple(p + t for p in prefixes for t in _pattern_templates(entry.pattern))
            yield from _walk(entry.url_patterns, joined)
        elif isinstance(entry, URLPattern):
            if "format" in entry.pattern.regex.groupindex:
                continue  # format-suffix twins of routes that are walked anyway
            paths = tuple("/" + p + t for p in prefixes for t in _pattern_templates(entry.pattern))
            yield paths, entry.callback


def _view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _is_api_view(callback) -> bool:
    view_class = _view_class(callback)
    if view_class is None or not issubclass(view_class, APIView):
        return False
    if view_class.__module__.startswith(NOT_API_MODULE_PREFIXES):
        return False
    return getattr(view_class, "schema", True) is not None


def _methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route: its method -> action map
        return {method.lower() for method in actions} & HTTP_METHODS
    view_class = _view_class(callback)
    return {method for method in HTTP_METHODS if hasattr(view_class, method)}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def routes() -> list[tuple[tuple[str, ...], object]]:
    return list(_walk(get_resolver().url_patterns))


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
    assert _regex_to_templates(r"^api/v1/users/(?P<pk>[^/.]+)/$") == ["api/v1/users/{}/"]
    assert _regex_to_templates(r"^a/(?P<x>(\d+|z))/b\.csv$") == ["a/{}/b.csv"]
    assert _regex_to_templates(r"^profiles/?$") == ["profiles/", "profiles"]


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
