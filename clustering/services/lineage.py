"""Lineage between two succeeded runs of one owner: computed by `engine.lineage`, kept once per
pair of runs as a `RunComparison` (summary JSON + the movers in a Parquet file), in the request
up to LINEAGE_INLINE_MAX_ROWS customers and on a Celery worker above; and the carry-over of
segment names when a run is published."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from clustering.engine import artifact_with_names
from clustering.engine.lineage import (
    CARRY_OVER_JACCARD,
    Lineage,
    SegmentPair,
    carried_names,
    compare_assignments,
)
from clustering.engine.words import renamed_in_text
from config.errors import BadRequest, Conflict, DomainError, ServiceUnavailable
from config.storage import data_storage
from datasets.selectors import dataset_fits_one_process

from ..models import Assignment, Cluster, ClusteringRun, RunComparison

logger = logging.getLogger(__name__)

LINEAGE_INLINE_MAX_ROWS = 200_000  # default; the setting of the same name overrides it
Status = RunComparison.Status


def _inline_limit() -> int:
    return int(getattr(settings, "LINEAGE_INLINE_MAX_ROWS", LINEAGE_INLINE_MAX_ROWS))


def _rows(run: ClusteringRun) -> int:
    return int(run.n_samples or run.dataset.n_rows or 0)


def comparison_pair(
    *, run: ClusteringRun, other: ClusteringRun
) -> tuple[ClusteringRun, ClusteringRun]:
    """(old, new): the two runs in the order they were created, after checking they can be
    compared: two different succeeded runs of datasets of one owner. Both runs were looked up
    for the caller already (another user's run is a 404 before this)."""
    if run.pk == other.pk:
        raise BadRequest(
            f"Run {run.pk} compared with itself has nothing to show; pick another run."
        )
    if run.dataset.owner_id != other.dataset.owner_id:
        raise BadRequest(
            f"Runs {run.pk} and {other.pk} belong to different owners; only runs of one owner's "
            "datasets can be compared."
        )
    for one in (run, other):
        if one.status != ClusteringRun.Status.SUCCEEDED:
            raise Conflict(f"Run {one.pk} is {one.status}; only succeeded runs can be compared.")
    old, new = sorted((run, other), key=lambda r: (r.created_at, r.pk))
    return old, new


def _assignment_arrays(run: ClusteringRun) -> tuple[np.ndarray, np.ndarray]:
    """(external ids, cluster labels) of every assignment of the run, read as tuples."""
    rows = Assignment.objects.filter(run=run).values_list("customer__external_id", "cluster_label")
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=20_000)), columns=["external_id", "cluster_label"]
    )
    return (
        frame["external_id"].to_numpy(dtype=object),
        frame["cluster_label"].to_numpy(dtype=np.int64),
    )


def _centroids(run: ClusteringRun) -> dict[int, dict[str, Any]]:
    return dict(Cluster.objects.filter(run=run).values_list("label", "centroid"))


def lineage_compute(*, old: ClusteringRun, new: ClusteringRun) -> Lineage:
    """The lineage from `old` to `new` straight from the database. ValidationError when the runs
    share neither a customer nor a numeric feature (nothing to match segments on)."""
    old_keys, old_labels = _assignment_arrays(old)
    new_keys, new_labels = _assignment_arrays(new)
    features = [name for name in new.features if name in set(old.features)] or None
    lineage = compare_assignments(
        old_keys,
        old_labels,
        new_keys,
        new_labels,
        old_centroids=_centroids(old),
        new_centroids=_centroids(new),
        features=features,
    )
    if not lineage.n_shared and not any(p.distance is not None for p in lineage.pairs):
        raise ValidationError(
            f"Runs {old.pk} and {new.pk} share no customer (external id) and no numeric feature, "
            "so their segments cannot be matched. Compare runs of one dataset, or of datasets "
            "with the same customer ids or the same features."
        )
    return lineage


def lineage_document(lineage: Lineage, *, features: list[str]) -> dict[str, Any]:
    """The JSON kept in `RunComparison.result` (labels only; names are read when shown)."""
    return {
        "basis": lineage.basis,
        "features": features,
        "old": {"labels": lineage.old_labels, "sizes": lineage.old_sizes, "left": lineage.left},
        "new": {
            "labels": lineage.new_labels,
            "sizes": lineage.new_sizes,
            "entered": lineage.entered,
        },
        "pairs": [
            {
                "old_label": p.old_label,
                "new_label": p.new_label,
                "shared": p.shared,
                "jaccard": p.jaccard,
                "distance": p.distance,
                "centroid_shift": p.centroid_shift,
            }
            for p in lineage.pairs
        ],
        "transitions": lineage.transitions.tolist(),
        "counts": {
            "old": lineage.n_old,
            "new": lineage.n_new,
            "shared": lineage.n_shared,
            "moved": lineage.n_moved,
            "entered": int(sum(lineage.entered)),
            "left": int(sum(lineage.left)),
        },
    }


def _movers_save(comparison_id: int, movers: pd.DataFrame) -> str:
    frame = pd.DataFrame(
        {
            "external_id": movers["key"].astype(str),
            "from_label": movers["from_label"].astype(np.int64),
            "to_label": movers["to_label"].astype(np.int64),
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    # A fresh name per computation: a second delivery never overwrites a file being read.
    storage = data_storage()
    key = storage.available_key(f"comparisons/{comparison_id}-{uuid.uuid4().hex[:8]}.parquet")
    storage.write_bytes(key, buffer.getvalue())
    return key


def run_comparison_execute(*, comparison_id: int) -> None:
    """Compute a queued comparison. Idempotent: one that is no longer queued (a second delivery)
    is left alone. Input the runs cannot be compared on fails it with the reason."""
    claimed = RunComparison.objects.filter(pk=comparison_id, status=Status.QUEUED)
    if not claimed.update(status=Status.RUNNING, started_at=timezone.now(), progress=10):
        return
    comparison = RunComparison.objects.select_related("old_run", "new_run").get(pk=comparison_id)
    old, new = comparison.old_run, comparison.new_run
    try:
        RunComparison.objects.filter(pk=comparison_id).update(stage="matching segments")
        lineage = lineage_compute(old=old, new=new)
        features = sorted(
            {name for pair in lineage.pairs for name in pair.centroid_shift},
            key=lambda name: (new.features.index(name) if name in new.features else 0, name),
        )
        document = lineage_document(lineage, features=features)
        RunComparison.objects.filter(pk=comparison_id).update(progress=80, stage="storing movers")
        movers_name = _movers_save(comparison_id, lineage.movers)
    except (ValidationError, DomainError) as exc:
        message = " ".join(getattr(exc, "messages", None) or [str(exc)])
        RunComparison.objects.filter(pk=comparison_id).update(
            status=Status.FAILED, error=message, finished_at=timezone.now()
        )
        return
    except BaseException:
        RunComparison.objects.filter(pk=comparison_id).update(
            status=Status.FAILED,
            error="The comparison could not be computed; ask again to retry.",
            finished_at=timezone.now(),
        )
        raise
    RunComparison.objects.filter(pk=comparison_id).update(
        status=Status.SUCCEEDED,
        progress=100,
        stage="done",
        result=document,
        movers_file=movers_name,
        finished_at=timezone.now(),
    )


def run_comparison_get_or_start(
    *, user: User, run: ClusteringRun, other: ClusteringRun
) -> RunComparison:
    """The comparison of two of the caller's runs (either order: the older run is `old`), made
    once per pair: computed in the request when both runs have at most LINEAGE_INLINE_MAX_ROWS
    customers, else queued for a worker (the answer is then queued or running: poll again).
    A comparison that failed answers Conflict with the reason once and is forgotten, so asking
    again retries it. ValidationError when the runs have nothing to match on."""
    old, new = comparison_pair(run=run, other=other)
    comparison = RunComparison.objects.filter(old_run=old, new_run=new).first()
    if comparison is not None and _abandoned(comparison):
        comparison.delete()  # its worker stopped or lost the message: start it again
        comparison = None
    if comparison is None:
        try:
            with transaction.atomic():
                comparison = RunComparison.objects.create(
                    old_run=old, new_run=new, requested_by=user
                )
        except IntegrityError:  # asked twice at once: the other request made it
            return RunComparison.objects.get(old_run=old, new_run=new)
        if max(_rows(old), _rows(new)) > _inline_limit():
            _comparison_enqueue(comparison)
            return comparison
        run_comparison_execute(comparison_id=comparison.pk)
        comparison.refresh_from_db()
        if comparison.status == Status.FAILED:
            message = comparison.error
            comparison.delete()
            raise ValidationError(message)
        return comparison
    if comparison.status == Status.FAILED:
        message = comparison.error
        comparison.delete()
        raise Conflict(
            f"The comparison of runs {old.pk} and {new.pk} failed: {message} Ask again to retry."
        )
    return comparison


LINEAGE_TIME_LIMIT_S = 1800  # default; the setting of the same name overrides it


def _abandoned(comparison: RunComparison) -> bool:
    """Queued or running for longer than the job's time limit (plus a minute): no worker will
    finish it."""
    if comparison.status not in (Status.QUEUED, Status.RUNNING):
        return False
    limit_s = int(getattr(settings, "LINEAGE_TIME_LIMIT_S", LINEAGE_TIME_LIMIT_S)) + 60
    return comparison.created_at < timezone.now() - timedelta(seconds=limit_s)


def movers_file_delete(sender: Any, instance: RunComparison, **kwargs: Any) -> None:
    """post_delete of a comparison (itself, or with one of its runs): its movers file goes too."""
    if instance.movers_file:
        instance.movers_file.delete(save=False)


def _comparison_enqueue(comparison: RunComparison) -> None:
    from ..tasks import run_comparison_task  # tasks import the services

    def send() -> None:
        try:
            run_comparison_task.delay(comparison.pk)
        except BrokerError as exc:
            logger.warning("Could not queue comparison %s: %s", comparison.pk, exc)
            RunComparison.objects.filter(pk=comparison.pk).delete()
            raise ServiceUnavailable(
                "The job queue cannot be reached right now, so the comparison was not started. "
                "Try again in a minute; if it keeps failing, tell an administrator."
            ) from exc

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send)
    else:
        send()


def comparison_movers(
    comparison: RunComparison, *, from_label: int | None = None, to_label: int | None = None
) -> pd.DataFrame:
    """The movers of a finished comparison (external_id, from_label, to_label), in the old run's
    order, optionally only those from one old segment and/or to one new segment."""
    if comparison.status != Status.SUCCEEDED or not comparison.movers_file:
        raise Conflict(
            f"The comparison of runs {comparison.old_run_id} and {comparison.new_run_id} is "
            f"{comparison.status}; its movers are listed once it has succeeded."
        )
    with data_storage().open(comparison.movers_file.name, "rb") as handle:
        movers = pd.read_parquet(handle)
    if from_label is not None:
        movers = movers[movers["from_label"] == from_label]
    if to_label is not None:
        movers = movers[movers["to_label"] == to_label]
    return movers.reset_index(drop=True)


# --- Name carry-over on publish ------------------------------------------------------------------


def _stored_pairs(*, old: ClusteringRun, new: ClusteringRun) -> list[SegmentPair] | None:
    comparison = RunComparison.objects.filter(
        old_run=old, new_run=new, status=Status.SUCCEEDED
    ).first()
    if comparison is None:
        return None
    return [
        SegmentPair(
            old_label=p["old_label"],
            new_label=p["new_label"],
            shared=p["shared"],
            jaccard=p["jaccard"],
            distance=p["distance"],
            centroid_shift=p["centroid_shift"],
        )
        for p in comparison.result.get("pairs", [])
    ]


def names_carried_over(
    *, run: ClusteringRun, previous: ClusteringRun | None, threshold: float = CARRY_OVER_JACCARD
) -> tuple[dict[int, str], list[Cluster]]:
    """(label -> name `run`'s segments take from `previous` when `run` is published, `run`'s
    clusters), without writing anything: what `carry_over_names` saves and the publish
    confirmation page shows."""
    clusters = list(Cluster.objects.filter(run=run).order_by("label"))
    if previous is None or previous.pk == run.pk:
        return {}, clusters
    if previous.status != ClusteringRun.Status.SUCCEEDED:
        return {}, clusters
    pairs = _stored_pairs(old=previous, new=run)
    if pairs is None and not all(
        dataset_fits_one_process(dataset=one.dataset) for one in (run, previous)
    ):
        # Matching reads every assignment of both runs: for datasets this large only a stored
        # comparison (the comparison job, POST .../compare/) is used, never one in the request.
        return {}, clusters
    if pairs is None:
        try:
            pairs = lineage_compute(old=previous, new=run).pairs
        except ValidationError:  # nothing shared: nothing carries over
            return {}, clusters
    old_names = dict(Cluster.objects.filter(run=previous).values_list("label", "name"))
    renamed = carried_names(
        pairs,
        old_names=old_names,
        new_names={c.label: c.name for c in clusters},
        locked={c.label for c in clusters if c.name_edited},
        threshold=threshold,
    )
    return renamed, clusters


def owner_published_run_get(*, run: ClusteringRun) -> ClusteringRun | None:
    """The run published now by the owner of `run`'s dataset, other than `run`: the one whose
    names `run` carries over when it is published."""
    return (
        ClusteringRun.objects.select_related("dataset")
        .filter(dataset__owner_id=run.dataset.owner_id, is_published=True)
        .exclude(pk=run.pk)
        .order_by(F("published_at").desc(nulls_last=True), "-id")
        .first()
    )


def carry_over_names(
    *, run: ClusteringRun, previous: ClusteringRun | None, threshold: float = CARRY_OVER_JACCARD
) -> dict[int, str]:
    """Give the segments of `run` (being published) the names of `previous` (the run published
    before it): a segment matched to an old one with a Jaccard overlap of at least `threshold`
    takes the old name, unless an analyst renamed it (`Cluster.name_edited`). Names stay unique
    within the run. Returns label -> new name of the segments renamed."""
    renamed, clusters = names_carried_over(run=run, previous=previous, threshold=threshold)
    changed = []
    for cluster in clusters:
        if cluster.label in renamed:
            old = cluster.name
            cluster.name = renamed[cluster.label][: Cluster._meta.get_field("name").max_length]
            cluster.summary = renamed_in_text(cluster.summary, old=old, new=cluster.name)
            cluster.recommendation = renamed_in_text(
                cluster.recommendation, old=old, new=cluster.name
            )
            changed.append(cluster)
    if not changed:
        return renamed
    Cluster.objects.bulk_update(changed, ["name", "summary", "recommendation"])
    # Predictions answer with the names of the model artifact: it carries the new ones too.
    artifact = ClusteringRun.objects.filter(pk=run.pk).values_list("model_artifact", flat=True)[0]
    if artifact:
        names = {cluster.label: cluster.name for cluster in changed}
        ClusteringRun.objects.filter(pk=run.pk).update(
            model_artifact=artifact_with_names(artifact, names)
        )
    return renamed
