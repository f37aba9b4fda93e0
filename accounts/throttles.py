"""Throttles (document 003 section 4), counted on the store every process shares.

Each throttle is a fixed-window counter: the window is `duration` seconds aligned to the epoch,
and every request adds one, atomically, to the counter of (scope, client, window):
- on Redis, `cache.add` + `cache.incr` (Redis INCR is atomic); while Redis cannot be reached
  (`config.redis_cache` skips the calls and logs a warning), on the database as below;
- on the database cache, a row of `RateCounter` upserted with `INSERT ... ON CONFLICT DO UPDATE
  SET count = count + 1 RETURNING count` (Django's database cache increments by
  read-then-write, which loses concurrent hits).

Rates are read from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` on every request (env:
`THROTTLE_USER`, `THROTTLE_ANON`, `THROTTLE_CLUSTER_RUN`, `THROTTLE_EXPORT`, `THROTTLE_LOGIN`,
`THROTTLE_REGISTER`). Each throttle records its numbers for the `X-RateLimit-*` headers
(`config.api.ratelimit`). The client address comes from `REMOTE_ADDR` unless
`TRUSTED_PROXY_COUNT` (DRF's `NUM_PROXIES`) says how many proxies' `X-Forwarded-For` to trust.
"""

import hashlib
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from rest_framework import throttling
from rest_framework.settings import api_settings

from config.api.ratelimit import rate_limit_record

from .models import RateCounter


def _uses_redis() -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def rate_counter_hit(*, key: str, expires_at: int) -> int:
    """Add one to the counter `key` (which lives until epoch second `expires_at`) and return
    its new value. Atomic across processes: two concurrent hits always count two."""
    if _uses_redis():
        count = _redis_hit(key=key, expires_at=expires_at)
        if count is not None:
            return count
        # Redis is unreachable (the cache skipped the calls and logged a warning): count on the
        # database meanwhile, so throttles keep holding and requests keep being served.
    expires = datetime.fromtimestamp(expires_at, tz=UTC)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    # One statement adds the hit or opens the window (PostgreSQL and SQLite >= 3.35 both have
    # INSERT ... ON CONFLICT ... RETURNING): no read-then-write, so no hit is lost.
    upsert = (
        f'INSERT INTO {table} ("key", "count", "expires_at") VALUES (%s, 1, %s) '  # noqa: S608 - our own table name
        f'ON CONFLICT ("key") DO UPDATE SET "count" = {table}."count" + 1 RETURNING "count"'
    )
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost and connection.vendor == "postgresql":
            # A count lost in a server crash is harmless; waiting for the disk on every
            # throttled request is not (~1-3 ms a request). Only this counter's transaction.
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(upsert, [key, connection.ops.adapt_datetimefield_value(expires)])
        (count,) = cursor.fetchone()
        if count == 1:  # a new window: drop the finished ones (cheap, indexed)
            RateCounter.objects.filter(expires_at__lt=datetime.now(tz=UTC)).delete()
        return count


def _redis_hit(*, key: str, expires_at: int) -> int | None:
    """`rate_counter_hit` on Redis; None while Redis cannot be reached."""
    timeout = max(1, expires_at - int(time.time()) + 1)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens the window again
        added = cache.add(key, 1, timeout=timeout)  # None: Redis went away meanwhile
        return None if added is None else 1


def _digest(value: str) -> str:
    """A short fixed-length stand-in for user-typed values (usernames) in counter keys."""
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _client_address(throttle: throttling.SimpleRateThrottle, request) -> str:
    """REMOTE_ADDR, or the forwarded address when TRUSTED_PROXY_COUNT proxies are trusted.
    A server may hand over no address at all (some WSGI test clients, unix sockets): those
    clients share one bucket rather than escaping the throttle."""
    return str(throttle.get_ident(request) or "unknown")


class FixedWindowRateThrottle(throttling.SimpleRateThrottle):
    """Base of our throttles: an atomic fixed-window counter that records X-RateLimit numbers."""

    reset_at: int = 0
    now: int = 0

    def get_rate(self) -> str | None:
        # Read per request rather than at import, so settings overrides and env take effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.now = int(time.time())
        window_start = self.now - self.now % self.duration
        self.reset_at = window_start + self.duration
        count = rate_counter_hit(key=f"{ident}:{window_start}", expires_at=self.reset_at)
        rate_limit_record(
            request,
            limit=self.num_requests,
            remaining=self.num_requests - count,
            reset_at=self.reset_at,
        )
        return count <= self.num_requests

    def wait(self) -> float:
        return float(max(1, self.reset_at - self.now))


class UserRateThrottle(FixedWindowRateThrottle):
    """100 requests/hour per signed-in user by default (`THROTTLE_USER`)."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # AnonRateThrottle counts these
        return f"throttle:{self.scope}:{request.user.pk}"


class AnonRateThrottle(FixedWindowRateThrottle):
    """Anonymous clients, per client address (`THROTTLE_ANON`)."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:{self.scope}:{_digest(_client_address(self, request))}"


class _PerUserScopedThrottle(FixedWindowRateThrottle):
    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return f"throttle:{self.scope}:{request.user.pk}"
        return f"throttle:{self.scope}:anon:{_digest(_client_address(self, request))}"


class ClusterRunThrottle(_PerUserScopedThrottle):
    """Starting clustering runs: 10/hour per user by default (`THROTTLE_CLUSTER_RUN`)."""

    scope = "cluster_run"


class ExportThrottle(_PerUserScopedThrottle):
    """Creating exports: 20/hour per user by default (`THROTTLE_EXPORT`)."""

    scope = "export"


class _CredentialThrottle(FixedWindowRateThrottle):
    """Keyed on the username in the body AND the client address: guessing one account's
    password from one address is capped, and every attempt (failed ones too) counts."""

    def get_cache_key(self, request, view) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username") or data.get("email") or ""
        username = str(username).strip().lower()
        ident = _client_address(self, request)
        return f"throttle:{self.scope}:{_digest(username + '|' + ident)}"


class LoginThrottle(_CredentialThrottle):
    """Log-in attempts per username and client address (`THROTTLE_LOGIN`, 10/minute)."""

    scope = "login"


class RegisterThrottle(_CredentialThrottle):
    """Registrations per username and client address (`THROTTLE_REGISTER`, 10/hour)."""

    scope = "register"
