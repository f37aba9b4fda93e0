"""The API routes as the URL resolver serves them, for the tests that hold the schema and
docs/architecture.md to them.

"API route" means a route served by a DRF view. Not part of the API, and so not walked: the
Django admin back office (its own namespace), static files, the schema and docs views
themselves, and server-rendered pages and OAuth endpoints (plain Django views). DRF views marked
`schema = None` (DRF's own way to leave a view out, e.g. a router's root) are left out too.
"""

import re

from rest_framework.views import APIView

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
NOT_API_NAMESPACES = {"admin"}
NOT_API_MODULE_PREFIXES = ("drf_spectacular.", "django.contrib.staticfiles", "django.views.static")


def regex_to_templates(regex: str) -> list[str]:
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


def pattern_templates(pattern) -> list[str]:
    if type(pattern).__name__ == "RegexPattern":
        return regex_to_templates(str(pattern))
    return [re.sub(r"<(?:\w+:)?\w+>", "{}", str(pattern))]


def walk(patterns, prefixes: tuple[str, ...] = ("",)):
    """(paths, callback) of every route outside the non-API namespaces; a route whose regex
    has an optional part is served at several paths."""
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_API_NAMESPACES or entry.app_name in NOT_API_NAMESPACES:
                continue
            joined = tuple(p + t for p in prefixes for t in pattern_templates(entry.pattern))
            yield from walk(entry.url_patterns, joined)
        elif isinstance(entry, URLPattern):
            if "format" in entry.pattern.regex.groupindex:
                continue  # format-suffix twins of routes that are walked anyway
            paths = tuple("/" + p + t for p in prefixes for t in pattern_templates(entry.pattern))
            yield paths, entry.callback


def view_class(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def is_api_view(callback) -> bool:
    cls = view_class(callback)
    if cls is None or not issubclass(cls, APIView):
        return False
    if cls.__module__.startswith(NOT_API_MODULE_PREFIXES):
        return False
    return getattr(cls, "schema", True) is not None


def methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route: its method -> action map
        return {method.lower() for method in actions} & HTTP_METHODS
    cls = view_class(callback)
    return {method for method in HTTP_METHODS if hasattr(cls, method)}


def api_routes() -> list[tuple[tuple[str, ...], object]]:
    """(paths, callback) of every API route the resolver serves."""
    from django.urls import get_resolver

    return [(paths, cb) for paths, cb in walk(get_resolver().url_patterns) if is_api_view(cb)]
