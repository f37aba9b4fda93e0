"""Segment names: an analyst renames one segment of a succeeded run. The name is the one every
read uses: the cluster row (segment reports, look-ups, exports) and the run's model artifact
(predictions)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import User
from clustering import engine
from clustering.engine.words import renamed_in_text

from ..models import Cluster, ClusteringRun
from .publish import caches_invalidate

logger = logging.getLogger(__name__)
NAME_MAX_LENGTH = Cluster._meta.get_field("name").max_length


def cluster_name_clean(*, run: ClusteringRun, label: int, name: object) -> str:
    """The name as it will be saved (spaces around it dropped); ValidationError keyed `name`
    when it is empty, too long or already the name of another segment of the run."""
    cleaned = str(name if name is not None else "").strip()
    if not cleaned:
        raise ValidationError({"name": ["Give the segment a name: it cannot be empty."]})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": [
                    f"A segment name has at most {NAME_MAX_LENGTH} characters; this one has "
                    f"{len(cleaned)}."
                ]
            }
        )
    taken = Cluster.objects.filter(run_id=run.pk, name__iexact=cleaned).exclude(label=label).first()
    if taken is not None:
        raise ValidationError(
            {
                "name": [
                    f"Another segment of run {run.pk} is already called “{taken.name}”; "
                    "choose a name no other segment of the run has."
                ]
            }
        )
    return cleaned


def cluster_rename(*, run: ClusteringRun, label: int | str, name: object, by: User) -> Cluster:
    """Rename segment `label` of a succeeded run and mark the name as the analyst's own
    (`name_edited`); its summary and recommendation quote the new name. The run's model
    artifact carries the new name too, so predictions answer with it; the caches that hold names
    (compiled models, segment reports and charts) are invalidated after the commit, as a
    publication invalidates them. Http404 for a label the run does not have; ValidationError
    (keyed `name`) for a name that cannot be used."""
    with transaction.atomic():
        # The run row is the lock: two renames of one run check uniqueness one after the other.
        locked = ClusteringRun.objects.select_for_update().filter(pk=run.pk).first()
        if locked is None or locked.status != ClusteringRun.Status.SUCCEEDED:
            raise Http404(f"Run {run.pk} has no segments to rename: only a succeeded run has.")
        try:
            cluster = Cluster.objects.get(run_id=run.pk, label=int(label))
        except (Cluster.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(f"Run {run.pk} has no segment {label}.") from None
        cleaned = cluster_name_clean(run=locked, label=cluster.label, name=name)
        old = cluster.name
        cluster.name = cleaned
        cluster.name_edited = True
        # The texts written at fit time quote the name; they speak of the new one from now on.
        cluster.summary = renamed_in_text(cluster.summary, old=old, new=cleaned)
        cluster.recommendation = renamed_in_text(cluster.recommendation, old=old, new=cleaned)
        cluster.save(update_fields=["name", "name_edited", "summary", "recommendation"])
        if locked.model_artifact:
            locked.model_artifact = engine.artifact_with_names(
                locked.model_artifact, {cluster.label: cleaned}
            )
            locked.save(update_fields=["model_artifact"])
        logger.info(
            "Run %s: segment %s renamed to %r by user %s.", run.pk, cluster.label, cleaned, by.pk
        )
        run_id, published = locked.pk, locked.is_published
        transaction.on_commit(lambda: caches_invalidate(run_id=run_id, published=published))
    run.model_artifact = locked.model_artifact
    return cluster
