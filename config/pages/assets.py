"""plotly.js served from the installed `plotly` package: nothing is loaded from the internet."""

import gzip
from functools import lru_cache

import plotly
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from plotly.offline import get_plotlyjs

PLOTLY_VERSION = plotly.__version__
# The URL carries the package version, so a year of caching is safe: an upgrade changes the URL.
PLOTLY_CACHE_S = 365 * 24 * 3600


@lru_cache(maxsize=1)
def _plotly_bodies() -> tuple[bytes, bytes]:
    """The ~4.6 MB script and its gzip (~1.4 MB), built once per process."""
    raw = get_plotlyjs().encode()
    return raw, gzip.compress(raw, compresslevel=6)


def plotly_url() -> str:
    """Where pages load plotly.js from (the URL changes with the package version)."""
    return reverse("pages:plotly-js", kwargs={"version": PLOTLY_VERSION})


@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    """plotly.min.js of the installed version, gzipped when the browser accepts it."""
    if version != PLOTLY_VERSION:
        raise Http404("Only the installed plotly.js version is served.")
    raw, packed = _plotly_bodies()
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(packed if accepts_gzip else raw, content_type="text/javascript")
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={PLOTLY_CACHE_S}, immutable"
    return response
