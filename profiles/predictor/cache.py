"""Compiled models kept per process: each run's model is compiled at most once per process and
published version. Keyed by run id and the shared cache key `published-run-version`, so a publish
in any process invalidates them (and the `run_published` signal clears this process at once)."""

import threading
from typing import Any

from django.core.cache import cache

from clustering.models import Cluster, ClusteringRun
from clustering.selectors import published_run_get
from clustering.services import PUBLISHED_VERSION_KEY

from .model import RunModel, compile_artifact


class _ProcessCache:
    """Compiled models and published-run look-ups of one process, valid for one version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: Any = _UNSEEN
        self.models: dict[int, RunModel] = {}
        self.published: dict[Any, int | None] = {}

    def sync(self) -> None:
        """Drop everything when a run was published (in any process) since the last look."""
        version = cache.get(PUBLISHED_VERSION_KEY)
        if version != self.version:
            with self.lock:
                self.models = {}
                self.published = {}
                self.version = version

    def clear(self) -> None:
        with self.lock:
            self.models = {}
            self.published = {}
            self.version = _UNSEEN


_UNSEEN = object()
_cache = _ProcessCache()


def process_cache_clear(**_: Any) -> None:
    """Forget every compiled model of this process (also the `run_published` receiver)."""
    _cache.clear()


def run_model_get(*, run: ClusteringRun) -> RunModel:
    """The compiled model of a run: compiled at most once per process and published version."""
    _cache.sync()
    model = _cache.models.get(run.pk)
    if model is None:
        roles = {column["name"]: column.get("role") for column in run.dataset.schema or []}
        profiles = dict(Cluster.objects.filter(run=run).values_list("label", "profile"))
        model = compile_artifact(
            run.model_artifact,
            roles=roles,
            run_id=run.pk,
            profiles=profiles,
            statistics=run.dataset.statistics,
            dataset_name=run.dataset.name,
        )
        _cache.models[run.pk] = model
    return model


def published_model_get(*, user: Any) -> RunModel | None:
    """The compiled model of the run published for this user, or None when none is published.
    Costs one shared-cache read when warm; the database only after a publish."""
    _cache.sync()
    run_id = _cache.published.get(user.pk, _UNSEEN)
    if run_id is None:
        return None
    if run_id is not _UNSEEN and run_id in _cache.models:
        return _cache.models[run_id]
    run = published_run_get(user=user)
    _cache.published[user.pk] = run.pk if run is not None else None
    return run_model_get(run=run) if run is not None else None
