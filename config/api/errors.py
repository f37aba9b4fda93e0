"""Django's error views for the API: a JSON body for API clients, never a traceback.

Browsers asking for a page (Accept: text/html, outside /api/) keep Django's own HTML pages."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from .envelope import envelope_metadata


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "") and not request.path.startswith("/api/")


def server_error(request: HttpRequest) -> HttpResponse:
    """500: what happened is in the logs under the request id, not in the answer."""
    if _wants_html(request):
        return defaults.server_error(request)
    metadata = envelope_metadata(request)
    body = {
        "success": False,
        "error": "Internal Server Error",
        "message": "The server failed to answer this request. Quote request id "
        f"{metadata['request_id']} when reporting it.",
        "detail": "Internal server error.",
        "metadata": metadata,
    }
    return JsonResponse(body, status=500)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a path no route serves."""
    if _wants_html(request):
        return defaults.page_not_found(request, exception)
    body = {
        "success": False,
        "error": "Not Found",
        "message": f"No endpoint at {request.path}; see /api/docs/ for the list.",
        "detail": "Not found.",
        "metadata": envelope_metadata(request),
    }
    return JsonResponse(body, status=404)
