"""Django's error views for the API: a JSON body for API clients, never a traceback.

Browsers asking for a page (Accept: text/html, outside the API's paths) get the site's own HTML
pages. `NotFoundMiddleware` sends every 404 here whatever DEBUG says, so even the development
server never shows Django's technical 404 page (which lists every route)."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views import defaults

from .envelope import envelope_metadata

# Paths of the JSON API (the seed documents' /auth/... and /admin/users too): always JSON.
API_PATH_PREFIXES = ("/api/", "/auth/", "/admin/users", "/admin/stats")


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "") and not request.path.startswith(
        API_PATH_PREFIXES
    )


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
    """404 for a path no route serves (or an object a page did not find): the site's 404 page
    for a browser, JSON for everyone else."""
    if _wants_html(request):
        message = exception.args[0] if exception and exception.args else ""
        context = {"request_path": request.path, "message": message}
        if not isinstance(message, str):  # the resolver's {"tried": [...]}: never shown
            context["message"] = ""
        return render(request, "404.html", context, status=404)
    body = {
        "success": False,
        "error": "Not Found",
        "message": f"No endpoint at {request.path}; see /api/docs/ for the list.",
        "detail": "Not found.",
        "metadata": envelope_metadata(request),
    }
    return JsonResponse(body, status=404)


class NotFoundMiddleware:
    """Answers every 404 through `not_found`, DEBUG or not: a path no route serves, and an
    Http404 a page raises. Without it DEBUG (config.settings.dev, `make run`) shows Django's
    technical 404 page to browsers and API clients alike. DRF views answer their own 404s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # With DEBUG off Django calls handler404 itself; only DEBUG needs this second look-up.
        if settings.DEBUG:
            try:
                resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return not_found(request, exception)
        return None
