"""Scripts served from installed packages, so no page loads anything from the internet: plotly.js
(`plotly`) and ReDoc (`drf-spectacular-sidecar`, its one outside image pointed at our favicon);
and the favicon at /favicon.ico for clients that ask there instead of reading the icon link."""

import gzip
import importlib.metadata
from functools import lru_cache

import plotly
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET
from plotly.offline import get_plotlyjs

PLOTLY_VERSION = plotly.__version__
FAVICON = "img/favicon.svg"
REDOC_VERSION = importlib.metadata.version("drf-spectacular-sidecar")
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# ReDoc's side menu shows Redocly's logo from their CDN (no option turns it off); ours instead.
REDOC_OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# Script URLs carry the package version, so a year of caching is safe: an upgrade changes the URL.
SCRIPT_CACHE_S = 365 * 24 * 3600


@lru_cache(maxsize=1)
def _plotly_bodies() -> tuple[bytes, bytes]:
    """The ~4.6 MB script and its gzip (~1.4 MB), built once per process."""
    raw = get_plotlyjs().encode()
    return raw, gzip.compress(raw, compresslevel=6)


def plotly_url() -> str:
    """Where pages load plotly.js from (the URL changes with the package version)."""
    return reverse("pages:plotly-js", kwargs={"version": PLOTLY_VERSION})


@lru_cache(maxsize=1)
def _redoc_bodies() -> tuple[bytes, bytes]:
    """ReDoc's ~1.1 MB standalone bundle without its outside image, and its gzip."""
    path = finders.find(REDOC_BUNDLE)
    if path is None:
        raise Http404("ReDoc is not installed (drf-spectacular-sidecar).")
    with open(path, encoding="utf-8") as bundle:
        text = bundle.read().replace(REDOC_OUTSIDE_LOGO, staticfiles_storage.url(FAVICON))
    raw = text.encode()
    return raw, gzip.compress(raw, compresslevel=6)


def redoc_url() -> str:
    """Where the ReDoc page loads its script from (the URL changes with the package version)."""
    return reverse("pages:redoc-js", kwargs={"version": REDOC_VERSION})


@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    """plotly.min.js of the installed version, gzipped when the browser accepts it."""
    if version != PLOTLY_VERSION:
        raise Http404("Only the installed plotly.js version is served.")
    return _script(request, *_plotly_bodies())


@require_GET
def redoc_js(request: HttpRequest, version: str) -> HttpResponse:
    """redoc.standalone.js of the installed sidecar, gzipped when the browser accepts it."""
    if version != REDOC_VERSION:
        raise Http404("Only the installed ReDoc version is served.")
    return _script(request, *_redoc_bodies())


def _script(request: HttpRequest, raw: bytes, packed: bytes) -> HttpResponse:
    """A versioned script: gzipped when accepted, cached for a year (its URL has the version)."""
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(packed if accepts_gzip else raw, content_type="text/javascript")
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={SCRIPT_CACHE_S}, immutable"
    return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: the static SVG icon (every page links it too)."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url(FAVICON))
