"""Reads of clustering runs, clusters and assignments. Every run look-up is owner-scoped: another
analyst's run does not exist for the caller (404, never 403); admins see every run."""

import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import Http404

from accounts.models import User
from clustering import engine
from clustering.engine.sampling import sample_rows
from config.errors import Conflict, Gone
from config.storage import data_storage
from datasets.models import Dataset
from datasets.selectors import current_dataset_required, dataset_population_frame

from .features import features_clean
from .models import Assignment, Cluster, ClusteringRun, RunComparison

NOTHING_PUBLISHED = (
    "No segmentation has been published yet. An analyst must run a clustering and publish "
    "it (POST /api/clusters/run, or POST /api/v1/runs/ then .../publish/)."
)
NOTHING_CLUSTERED = (
    "No clustering performed on your current dataset yet: POST /api/cluster with "
    '{"n_clusters": 3} first.'
)
K_SWEEP_CACHE_S = 24 * 3600  # a dataset never changes after upload; its sha256 is in the key


def run_list(*, user: User) -> QuerySet[ClusteringRun]:
    """Runs of the caller's own datasets (all runs for an admin), newest first."""
    runs = ClusteringRun.objects.select_related("dataset", "created_by")
    if getattr(user, "is_admin_role", False):
        return runs
    return runs.filter(dataset__owner=user)


def run_get(*, user: User, pk: int | str) -> ClusteringRun:
    """The caller's run with this id; Http404 when it does not exist or is not theirs."""
    try:
        return run_list(user=user).get(pk=int(pk))
    except (ClusteringRun.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(f"Clustering run {pk} was not found among your runs.") from None


def run_active_count(*, user: User) -> int:
    """How many queued or running runs the user started (the per-user cap counts these)."""
    return ClusteringRun.objects.filter(
        created_by=user, status__in=ClusteringRun.ACTIVE_STATUSES
    ).count()


def published_run_get(*, user: User | None = None) -> ClusteringRun | None:
    """The run that predictions, `/clusters`, segment reports and customer look-ups read.

    Rule: the most recently published succeeded run, platform-wide (each owner has at most one
    published run; the newest publication wins). `user` is accepted so a per-scope rule can be
    added without changing callers; today every caller sees the same run."""
    return (
        ClusteringRun.objects.select_related("dataset")
        .filter(is_published=True, status=ClusteringRun.Status.SUCCEEDED)
        .order_by(F("published_at").desc(nulls_last=True), "-id")
        .first()
    )


def published_run_required(*, user: User | None = None) -> ClusteringRun:
    """The published run, else a Conflict (409) saying how one gets published."""
    run = published_run_get(user=user)
    if run is None:
        raise Conflict(NOTHING_PUBLISHED)
    return run


def latest_succeeded_run_get(*, user: User, dataset_id: int) -> ClusteringRun | None:
    """The caller's newest succeeded run of a dataset (document 000's "clustering performed")."""
    return (
        run_list(user=user)
        .filter(dataset_id=dataset_id, status=ClusteringRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def workspace_run_required(*, user: User) -> ClusteringRun:
    """Document 000's "clustering performed": the caller's newest succeeded run of their current
    dataset. A 400 (ValidationError) saying what to do without a current dataset ("No data
    loaded") or without a run of it ("No clustering performed"); never another's or the
    published run."""
    dataset = current_dataset_required(user=user)
    run = latest_succeeded_run_get(user=user, dataset_id=dataset.pk)
    if run is None:
        raise ValidationError(NOTHING_CLUSTERED)
    return run


def cluster_list(*, run: ClusteringRun) -> QuerySet[Cluster]:
    """The run's clusters ordered by label (DBSCAN's noise group -1 first)."""
    return Cluster.objects.filter(run=run).order_by("label")


def publication_change(*, run: ClusteringRun, user: User) -> dict[str, Any]:
    """What publishing `run` changes for every user: the run they see now (`current`, None when
    nothing is published) and its segments next to this run's (name, size, share of customers)."""
    current = published_run_get(user=user)

    def segments(of: ClusteringRun | None) -> list[dict[str, Any]]:
        if of is None:
            return []
        return [
            {"label": c.label, "name": c.name, "size": c.size, "percentage": c.percentage}
            for c in cluster_list(run=of)
        ]

    return {
        "current": current,
        "current_segments": segments(current),
        "segments": segments(run),
        "is_current": current is not None and current.pk == run.pk,
    }


def assignment_list(*, run: ClusteringRun, cluster: int | None = None) -> QuerySet[Assignment]:
    """The run's assignments in customer row order, optionally of one cluster label only."""
    assignments = (
        Assignment.objects.filter(run=run)
        .select_related("customer")
        .order_by("customer__row_number")
    )
    if cluster is not None:
        assignments = assignments.filter(cluster_label=cluster)
    return assignments


def assignment_frame(*, run: ClusteringRun) -> pd.DataFrame:
    """Every assignment of the run as columns (row_number, external_id, cluster_label,
    confidence), in row order; read as tuples, never as model instances (1M rows)."""
    rows = (
        Assignment.objects.filter(run=run)
        .order_by("customer__row_number")
        .values_list("customer__row_number", "customer__external_id", "cluster_label", "confidence")
    )
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=20_000)),
        columns=["row_number", "external_id", "cluster_label", "confidence"],
    )
    if frame.empty:
        return frame.astype(
            {"row_number": np.int64, "cluster_label": np.int64, "confidence": np.float64}
        )
    return frame


def run_labels_dask_frame(*, run: ClusteringRun) -> Any:
    """A distributed run's assignments as a dask DataFrame read from its Parquet parts by the
    Dask workers: index the row number (known divisions, so it lines up with
    `datasets.selectors.dataset_dask_frame`), columns `cluster_label` and `confidence`. Gone
    (410) when the parts are missing. Imports dask: called only by what computes with Dask."""
    import dask.dataframe as dd

    storage = data_storage()
    parts = storage.parquet_parts(run.assignments_key)
    if not parts:
        raise Gone(
            f"The assignments of run {run.pk} are missing from the data root; run the "
            "clustering again."
        )
    return dd.read_parquet(
        [storage.url(part) for part in parts],
        index="row",
        calculate_divisions=True,
        storage_options=storage.storage_options or None,
    )


def dataset_k_sweep(
    *, dataset: Dataset, features: list[str] | None = None, k_min: int = 2, k_max: int = 10
) -> dict[str, Any]:
    """Inertia, silhouette, Davies-Bouldin and Calinski-Harabasz per k, the elbow and the best k
    (by silhouette) on one dataset. Above SYNC_CLUSTER_MAX_ROWS rows the sweep runs on a random
    sample of that many rows (`sample_size` says so), since it answers inline. Cached per
    dataset contents, features and k range. ValidationError for unknown features or too few rows."""
    # Named columns as given: a published run's forced id features are swept like the run.
    chosen = features_clean(schema=dataset.schema, features=features, force_ids=True)
    max_rows = settings.SYNC_CLUSTER_MAX_ROWS
    key_source = json.dumps([dataset.pk, dataset.sha256, chosen, k_min, k_max, max_rows])
    key = "k-sweep:" + hashlib.sha256(key_source.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    if dataset.n_rows <= k_min:
        raise ValidationError(
            {
                "k_min": [
                    f"The dataset has {dataset.n_rows} rows: too few to compare {k_min} or "
                    "more clusters."
                ]
            }
        )
    # A dataset above one process gives an even sample of max_rows rows straight from its parts.
    frame, _ = dataset_population_frame(dataset=dataset, columns=chosen, sample_rows=max_rows)
    if len(frame) > max_rows:
        frame = frame.iloc[sample_rows(len(frame), max_rows, seed=0)].reset_index(drop=True)
    k_max = min(k_max, len(frame) - 1)
    try:
        result = engine.sweep_k(
            frame,
            schema=dataset.schema,
            features=chosen,
            k_min=k_min,
            k_max=k_max,
            random_state=0,
        )
    except engine.EngineInputError as exc:
        raise ValidationError(str(exc)) from None
    sweep = k_sweep_dict(result, n_rows=dataset.n_rows)
    cache.set(key, sweep, timeout=K_SWEEP_CACHE_S)
    return sweep


def k_sweep_dict(result: Any, *, n_rows: int) -> dict[str, Any]:
    """The engine's KSweepResult as plain JSON-safe lists."""
    return {
        "k_range": [int(k) for k in result.k_values],
        "inertias": [_float(v) for v in result.inertias],
        "silhouette_scores": [_float(v) for v in result.silhouettes],
        "davies_bouldin_scores": [_float(v) for v in result.davies_bouldin],
        "calinski_harabasz_scores": [_float(v) for v in result.calinski_harabasz],
        "smallest_segment_shares": [float(v) for v in result.smallest_shares],
        "optimal_k": int(result.optimal_k),
        "passed_over": list(result.passed_over),
        "elbow_k": None if result.elbow_k is None else int(result.elbow_k),
        "sample_size": int(result.n_samples),
        "silhouette_sample_size": int(result.silhouette_sample_size),
        "n_rows": n_rows,
        "notes": list(result.notes),
    }


def _float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, 6) if np.isfinite(value) else None


def comparison_view(comparison: RunComparison) -> dict[str, Any]:
    """A comparison as the API and the run page show it: the stored lineage with the segments'
    current names, the transitions that are not empty, and each segment's match."""
    view: dict[str, Any] = {
        "id": comparison.pk,
        "old_run": comparison.old_run_id,
        "new_run": comparison.new_run_id,
        "status": comparison.status,
        "progress": comparison.progress,
        "stage": comparison.stage,
        "error": comparison.error,
        "basis": None,
        "features": [],
        "counts": None,
        "pairs": [],
        "old_segments": [],
        "new_segments": [],
        "transitions": [],
    }
    result = comparison.result or {}
    if comparison.status != RunComparison.Status.SUCCEEDED or not result:
        return view
    old_names = dict(
        Cluster.objects.filter(run_id=comparison.old_run_id).values_list("label", "name")
    )
    new_names = dict(
        Cluster.objects.filter(run_id=comparison.new_run_id).values_list("label", "name")
    )
    pairs = result["pairs"]
    old_match = {p["old_label"]: p["new_label"] for p in pairs}
    new_match = {p["new_label"]: p["old_label"] for p in pairs}
    old_labels, new_labels = result["old"]["labels"], result["new"]["labels"]
    view.update(
        basis=result["basis"],
        features=result.get("features", []),
        counts=result["counts"],
        pairs=[
            {
                **p,
                "old_name": old_names.get(p["old_label"], f"Segment {p['old_label']}"),
                "new_name": new_names.get(p["new_label"], f"Segment {p['new_label']}"),
            }
            for p in pairs
        ],
        old_segments=[
            {
                "label": label,
                "name": old_names.get(label, f"Segment {label}"),
                "size": size,
                "left": out,
                "matched_to": old_match.get(label),
            }
            for label, size, out in zip(
                old_labels, result["old"]["sizes"], result["old"]["left"], strict=True
            )
        ],
        new_segments=[
            {
                "label": label,
                "name": new_names.get(label, f"Segment {label}"),
                "size": size,
                "entered": entered,
                "matched_to": new_match.get(label),
            }
            for label, size, entered in zip(
                new_labels, result["new"]["sizes"], result["new"]["entered"], strict=True
            )
        ],
        transitions=[
            {"from_label": old_labels[i], "to_label": new_labels[j], "customers": count}
            for i, row in enumerate(result["transitions"])
            for j, count in enumerate(row)
            if count
        ],
    )
    return view


class ComparisonNames:
    """The current segment names of a comparison's two runs, for its movers."""

    def __init__(self, comparison: RunComparison) -> None:
        self.old = dict(
            Cluster.objects.filter(run_id=comparison.old_run_id).values_list("label", "name")
        )
        self.new = dict(
            Cluster.objects.filter(run_id=comparison.new_run_id).values_list("label", "name")
        )

    def mover(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            **row,
            "from_name": self.old.get(row["from_label"], f"Segment {row['from_label']}"),
            "to_name": self.new.get(row["to_label"], f"Segment {row['to_label']}"),
        }

    def movers_frame(self, movers: pd.DataFrame) -> pd.DataFrame:
        """external_id, from_label, from_segment, to_label, to_segment (names), one row a mover."""
        return pd.DataFrame(
            {
                "external_id": movers["external_id"],
                "from_label": movers["from_label"],
                "from_segment": movers["from_label"].map(self.old).fillna(""),
                "to_label": movers["to_label"],
                "to_segment": movers["to_label"].map(self.new).fillna(""),
            }
        )


def comparison_names(comparison: RunComparison) -> ComparisonNames:
    return ComparisonNames(comparison)


class FrameRows:
    """A DataFrame as a sequence of row dicts for the paginators: only the page is converted."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return len(self.frame)

    def count(self) -> int:
        return len(self.frame)

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice):
            raise TypeError("FrameRows is sliced by pages only.")
        rows = self.frame.iloc[index].to_dict("records")
        return [{key: _plain(value) for key, value in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
