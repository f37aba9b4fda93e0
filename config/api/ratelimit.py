"""`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (document 003 section
4.2) on every throttled response, with no work in the views.

The throttles of `accounts/throttles.py` call `rate_limit_record` with their numbers; the
middleware copies the tightest one onto the response (200s and 429s alike)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

REQUEST_ATTRIBUTE = "rate_limit"


@dataclass(frozen=True)
class RateLimitState:
    limit: int  # requests allowed in the window
    remaining: int  # requests left in the window after this one
    reset_at: int  # epoch seconds when the window ends


def rate_limit_record(request: Any, *, limit: int, remaining: int, reset_at: int) -> None:
    """Remember a throttle's numbers on the Django request; the tightest throttle wins."""
    django_request = getattr(request, "_request", request)  # a DRF Request wraps the Django one
    current = getattr(django_request, REQUEST_ATTRIBUTE, None)
    if current is None or remaining < current.remaining:
        setattr(
            django_request,
            REQUEST_ATTRIBUTE,
            RateLimitState(limit=limit, remaining=max(0, remaining), reset_at=reset_at),
        )


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        state: RateLimitState | None = getattr(request, REQUEST_ATTRIBUTE, None)
        if state is not None:
            response["X-RateLimit-Limit"] = str(state.limit)
            response["X-RateLimit-Remaining"] = str(state.remaining)
            response["X-RateLimit-Reset"] = str(state.reset_at)
        return response
