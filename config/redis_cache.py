"""The Redis cache as the service uses it: a cache, never a dependency.

When Redis cannot be reached, every cache call is skipped (a read is a miss, a write does
nothing) instead of failing the request, and one warning a minute is logged while it lasts.
What degrades: cached reports and k sweeps are recomputed, the published-run version reads
None (each process keeps the models it has compiled until Redis answers again), and throttles
count on the database (`accounts.throttles.rate_counter_hit`). `/api/health` still answers 503.
The connection pool reconnects by itself once Redis is back."""

import logging
import sys
import threading
import time
from typing import Any

from django_redis.cache import RedisCache

logger = logging.getLogger(__name__)
WARNING_INTERVAL_S = 60.0


class _OutageLog:
    """Stands in for django-redis's logger of ignored errors: one warning a minute, no trace."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -WARNING_INTERVAL_S

    def exception(self, *_: Any, **__: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < WARNING_INTERVAL_S:
                return
            self._last = now
        logger.warning(
            "Redis is unreachable (%s): the cache is skipped and throttles count on the "
            "database until it answers again.",
            sys.exc_info()[1],
        )


class DegradingRedisCache(RedisCache):
    """django-redis's cache with connection errors ignored and logged as above."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._ignore_exceptions = True
        self._log_ignored_exceptions = True
        self.logger = _OutageLog()  # type: ignore[assignment]
