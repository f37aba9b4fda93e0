"""One API, with or without the trailing slash.

The contracts spell their paths differently (document 004: `/auth/login`, the canonical API:
`/api/v1/runs/`), and clients drop or add the slash. Django's APPEND_SLASH would answer a 301
that loses a POST body, so it is off; instead the path is looked up once more with its trailing
slash toggled, and the request is served by that spelling's API view (a DRF view), as if it had
been sent so, when the path as sent names no route, names a route that is not the API (the
admin's catch-all under `/admin/`), or only fills in a path parameter where the other spelling
is a route of its own (`/api/v1/datasets/upload/` is the upload, not a dataset called "upload").
Pages keep their single spelling."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve
from rest_framework.views import APIView


def _match(path: str, urlconf: str | None) -> ResolverMatch | None:
    try:
        return resolve(path, urlconf=urlconf)
    except Resolver404:
        return None


def serves_api(match: ResolverMatch) -> bool:
    """Whether a route is answered by a DRF view (an APIView or a viewset action)."""
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return isinstance(view, type) and issubclass(view, APIView)


def toggled(path: str) -> str:
    return path[:-1] if path.endswith("/") else f"{path}/"


class TrailingSlashMiddleware:
    """Serves `/x` at the API route `/x/` and the other way round (same method, same body)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path != "/" and self._prefers_other_spelling(path, getattr(request, "urlconf", None)):
            prefix = request.path[: len(request.path) - len(path)]  # SCRIPT_NAME, if any
            request.path_info = toggled(path)
            request.path = prefix + request.path_info
        return self.get_response(request)

    @staticmethod
    def _prefers_other_spelling(path: str, urlconf: str | None) -> bool:
        sent = _match(path, urlconf)
        if sent is not None and serves_api(sent) and not sent.kwargs:
            return False  # the common case, one look-up: an API route with no parameter
        other = _match(toggled(path), urlconf)
        if other is None or not serves_api(other):
            return False
        return sent is None or not serves_api(sent) or len(other.kwargs) < len(sent.kwargs)
