"""Document 003's response envelope: `{"success", "data", "metadata", "links"?}`."""

from typing import Any

from django.utils import timezone
from rest_framework.response import Response

from .request_id import current_request_id

API_VERSION = "1.0"


def envelope_metadata(request: Any = None) -> dict[str, Any]:
    request_id = getattr(request, "request_id", None) or current_request_id()
    return {
        "request_id": request_id,
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "api_version": API_VERSION,
    }


def envelope(
    data: Any,
    *,
    request: Any = None,
    status: int = 200,
    links: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A successful answer wrapped the way document 003 writes it."""
    body: dict[str, Any] = {"success": True, "data": data, "metadata": envelope_metadata(request)}
    if links:
        body["links"] = links
    return Response(body, status=status, headers=headers)
