"""API errors: the handler that renders every error in the shape of the contract it belongs to.

Services raise Django's `ValidationError` for bad input and the domain errors of
`config.errors` (each with its status and sentence) for the rest; they are mapped here.

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
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError, NotAuthenticated

from .envelope import envelope_metadata


def _as_api_exception(exc: DomainError) -> exceptions.APIException:
    """A domain error as DRF's exception of the same status, keeping its structured detail."""
    if isinstance(exc, NotAuthenticated):
        return exceptions.AuthenticationFailed(exc.detail or exc.message)
    api_exc = exceptions.APIException(exc.detail if exc.detail is not None else exc.message)
    api_exc.status_code = exc.status
    return api_exc


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
    retry_after = getattr(exc, "retry_after", None) if isinstance(exc, DomainError) else None
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DomainError):
        exc = _as_api_exception(exc)

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
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
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
