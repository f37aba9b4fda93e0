"""Publishing: which run predictions, segment reads and look-ups serve."""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict
from datasets.models import Dataset

from ..models import ClusteringRun
from ..signals import run_published
from .lineage import carry_over_names

Status = ClusteringRun.Status
PUBLISHED_VERSION_KEY = "published-run-version"


def run_publish(*, run: ClusteringRun, user: User | None = None) -> ClusteringRun:
    """Make a succeeded run the published one of its dataset owner's scope, atomically: the
    owner's previously published run is unpublished in the same transaction, and segments
    matched to one of its segments (Jaccard >= 0.5) take that segment's name
    (`carry_over_names`). After the commit
    the cache key `published-run-version` is bumped and `run_published` is sent.
    Conflict when the run has not succeeded."""
    now = timezone.now()
    with transaction.atomic():
        owner_id = Dataset.objects.filter(pk=run.dataset_id).values_list("owner_id", flat=True)[0]
        previous = (
            ClusteringRun.objects.select_related("dataset")
            .filter(dataset__owner_id=owner_id, is_published=True)
            .exclude(pk=run.pk)
            .order_by(F("published_at").desc(nulls_last=True), "-id")
            .first()
        )
        ClusteringRun.objects.filter(dataset__owner_id=owner_id, is_published=True).exclude(
            pk=run.pk
        ).update(is_published=False)
        published = ClusteringRun.objects.filter(pk=run.pk, status=Status.SUCCEEDED).update(
            is_published=True, published_at=now
        )
        if not published:
            current = ClusteringRun.objects.filter(pk=run.pk).values_list("status", flat=True)
            raise Conflict(
                f"Run {run.pk} is {current.first() or 'gone'}; only a succeeded run can be "
                "published."
            )
        # Segments that continue the previously published ones keep their names.
        carry_over_names(run=run, previous=previous)
        run_id = run.pk
        transaction.on_commit(lambda: caches_invalidate(run_id=run_id, published=True))
    run.refresh_from_db()
    return run


def caches_invalidate(*, run_id: int, published: bool) -> None:
    """Bump the version every per-process cache and report cache entry compares against (so
    compiled models, segment reports and charts are read again), then, for the published run,
    tell the `run_published` receivers. Called after the commit of a publication or a rename."""
    try:
        cache.incr(PUBLISHED_VERSION_KEY)
    except ValueError:  # not set yet (or evicted): start from a time so it never goes back
        cache.set(PUBLISHED_VERSION_KEY, time.time_ns() // 1000, timeout=None)
    if published:
        run_published.send(sender=ClusteringRun, run=ClusteringRun.objects.get(pk=run_id))
