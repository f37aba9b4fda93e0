"""The API documentation pages. ReDoc's script is served by this site from the sidecar package
(`config.pages.assets.redoc_js`), its page (templates/drf_spectacular/redoc.html) links no
outside fonts, and its Content-Security-Policy lets the browser load nothing from another host."""

from typing import Any

from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response

from config.pages.assets import redoc_url

# ReDoc styles itself with inline <style> elements (styled-components), draws icons as data:
# URLs and runs its search index in a blob: worker: none of these is another host.
REDOC_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class RedocView(SpectacularRedocView):
    """ReDoc served from this site only (scripts, styles, fonts: self; no CDN, no Google Fonts)."""

    schema = None  # a documentation page, not an operation of the API

    @staticmethod
    def _redoc_standalone() -> str:
        return redoc_url()

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response
