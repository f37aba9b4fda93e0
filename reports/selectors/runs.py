"""Which run a report reads (the published one for document 003; document 000's workspace run is
`clustering.selectors.workspace_run_required`), its cluster names, and the whole run as one
JSON-ready report."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from clustering.models import ClusteringRun
from clustering.selectors import cluster_list, published_run_get
from config.errors import Conflict


def report_run_get(*, user: User) -> ClusteringRun:
    """The published run the caller's reports read; Conflict (409) while nothing is published."""
    run = published_run_get(user=user)
    if run is None:
        raise Conflict(
            "No segmentation is published yet. An analyst must run and publish a clustering "
            "before segment reports exist."
        )
    return run


def cluster_names(*, run: ClusteringRun) -> dict[int, str]:
    """Cluster name per label of the run."""
    return {c.label: c.name for c in cluster_list(run=run)}


def run_report(*, run: ClusteringRun) -> dict[str, Any]:
    """Everything of a run in one JSON-ready dict: run, dataset, metrics, feature importance,
    clusters (names, sizes, centroids, profiles, characteristics, summaries, recommendations),
    and document 000's keyed views of the same (cluster_analysis, recommendations, ...)."""
    clusters = [
        {
            "label": c.label,
            "name": c.name,
            "size": c.size,
            "percentage": c.percentage,
            "centroid": c.centroid,
            "profile": c.profile,
            "characteristics": c.characteristics,
            "top_features": c.top_features,
            "summary": c.summary,
            "recommendation": c.recommendation,
        }
        for c in cluster_list(run=run)
    ]
    return {
        "run": {
            "id": run.pk,
            "algorithm": run.algorithm,
            "parameters": run.parameters,
            "features": run.features,
            "n_samples": run.n_samples,
            "is_published": run.is_published,
            "created_at": run.created_at,
            "finished_at": run.finished_at,
        },
        "dataset": {
            "id": run.dataset_id,
            "name": run.dataset.name,
            "rows": run.dataset.n_rows,
            "columns": run.dataset.n_columns,
        },
        "metrics": run.metrics,
        "feature_importance": run.feature_importance,
        "n_clusters": len(clusters),
        "clusters": clusters,
        "cluster_analysis": {
            str(c["label"]): {"size": c["size"], "percentage": c["percentage"]} for c in clusters
        },
        "recommendations": {str(c["label"]): c["recommendation"] for c in clusters},
        "cluster_summaries": {str(c["label"]): c["summary"] for c in clusters},
        "cluster_profiles": {str(c["label"]): c["profile"] for c in clusters},
        "centroids": {str(c["label"]): c["centroid"] for c in clusters},
        "top_features": {str(c["label"]): c["top_features"] for c in clusters},
        "generated_at": timezone.now(),
    }
