"""The report cache: entries keyed per (run, kind, name, published version), shared by every
process. The clustering services bump `published-run-version` on every publication, so a new
publication never reads an older answer; entries also expire after `REPORT_CACHE_TTL_S`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from clustering.models import ClusteringRun
from clustering.services import PUBLISHED_VERSION_KEY

REPORT_CACHE_TTL_S = 24 * 3600  # default; results of a run never change, the key carries the run


def published_version() -> int:
    """The publication counter the clustering services bump (0 before any publication)."""
    return int(cache.get(PUBLISHED_VERSION_KEY) or 0)


def cache_key(*, run: ClusteringRun, kind: str, name: str) -> str:
    """The cache key of one report entry of a run at the current published version."""
    return f"reports:{kind}:run{run.pk}:{name}:v{published_version()}"


def cached(key: str, compute: Any) -> Any:
    """The cached value of `key`, else `compute()` stored under it for REPORT_CACHE_TTL_S."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, getattr(settings, "REPORT_CACHE_TTL_S", REPORT_CACHE_TTL_S))
    return value
