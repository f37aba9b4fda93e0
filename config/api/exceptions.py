"""API errors: our own exception types and the handler that renders every error in the shape of
the contract it belongs to.

A view chooses its shape with `error_style`:
- "drf" (default): DRF's own body, `{"detail": ...}` or field errors (a bare list of messages
  becomes `{"detail": "..."}`, so every error body is an object);
- "plain": document 000's `{"error": "..."}`;
- "envelope": document 003's `{"success": false, "error": ..., "message": ..., "metadata": ...}`.

A 429 always answers in document 003's rate-limit shape (section 4: `success`, `error`,
`message`, `retry_after_seconds`, plus `metadata`), whatever the view's style, with
`Retry-After`.
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .envelope import envelope_metadata


class BadRequest(exceptions.APIException):
    """A 400 about the request as a whole, not one field (e.g. an admin acting on themselves)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request cannot be carried out."
    default_code = "bad_request"


class Conflict(exceptions.APIException):
    """The request is valid but the state does not allow it (e.g. nothing published yet)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is not in a state that allows this request."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request could not be processed."
    default_code = "unprocessable"


class Gone(exceptions.APIException):
    """The resource existed but is gone for good (e.g. an expired export)."""

    status_code = status.HTTP_410_GONE
    default_detail = "This resource has expired."
    default_code = "gone"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The uploaded file is too large."
    default_code = "payload_too_large"


def _first_message(detail: Any) -> str:
    """One readable sentence from DRF's nested error detail, naming the field if there is one."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            if key in ("detail", "non_field_errors", "error", "message"):
                return message
            return f"{key}: {message}"
        return "Invalid request."
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid request."
    return str(detail)


STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        # `ValidationError("...")` renders as a bare list in DRF; every error body is an object.
        response.data = {"detail": " ".join(str(message) for message in response.data)}
    view = context.get("view")
    style = getattr(view, "error_style", "drf")
    message = _first_message(response.data)
    if isinstance(exc, exceptions.Throttled):
        response.data = _throttled_body(exc, context)
        response["Retry-After"] = str(response.data["retry_after_seconds"])
    elif style == "plain":
        response.data = {"error": message}
    elif style == "envelope":
        body: dict[str, Any] = {
            "success": False,
            "error": STATUS_TITLES.get(response.status_code, "Error"),
            "message": message,
            "metadata": envelope_metadata(context.get("request")),
        }
        if isinstance(response.data, dict) and not set(response.data) <= {"detail"}:
            body["details"] = response.data
        response.data = body
    return response


def _throttled_body(exc: exceptions.Throttled, context: dict) -> dict[str, Any]:
    """Document 003 section 4's 429 body."""
    retry_after = max(1, math.ceil(exc.wait)) if exc.wait is not None else 1
    return {
        "success": False,
        "error": STATUS_TITLES[429],
        "message": f"Rate limit exceeded. Try again after {retry_after} seconds.",
        "retry_after_seconds": retry_after,
        "metadata": envelope_metadata(context.get("request")),
    }
