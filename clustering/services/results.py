"""Turning an engine result into rows: Cluster rows, Assignment rows (bulk: PostgreSQL COPY, or
large executemany batches on SQLite) and the run's result fields. Called inside the run's one
results transaction (see execute.py)."""

import io
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection

from clustering import engine
from datasets.models import Customer

from ..models import Assignment, Cluster, ClusteringRun

SQLITE_BATCH_ROWS = 50_000  # executemany batches: memory stays flat, round trips stay few
COPY_CHUNK_ROWS = 250_000  # text rows formatted per chunk before they are streamed to COPY


def cluster_fields(result: "engine.EngineResult") -> list[dict[str, Any]]:
    """One dict of Cluster fields per cluster of the result, in label order."""
    rows = []
    for cluster in result.clusters:
        rows.append(
            {
                "label": int(cluster.label),
                "name": cluster.name[:120],
                "size": int(cluster.size),
                "percentage": float(cluster.percentage),
                "centroid": cluster.centroid,
                "centroid_scaled": cluster.centroid_scaled,
                "profile": cluster.profile,
                "characteristics": list(cluster.characteristics),
                "top_features": list(cluster.top_features),
                "summary": cluster.summary,
                "recommendation": cluster.recommendation,
            }
        )
    return rows


def clusters_create(*, run: ClusteringRun, result: "engine.EngineResult") -> list[Cluster]:
    """Create the run's Cluster rows in one statement."""
    return Cluster.objects.bulk_create(
        [Cluster(run=run, **fields) for fields in cluster_fields(result)]
    )


def run_result_fields(*, result: "engine.EngineResult", timings: dict[str, float]) -> dict:
    """The ClusteringRun fields a succeeded run records (metrics, model, counts, timings).
    `metrics` carries the engine's names and the contracts' (`silhouette_score`, ...)."""
    raw = dict(result.metrics)
    metrics = {
        **raw,
        "silhouette_score": raw.get("silhouette"),
        "davies_bouldin_score": raw.get("davies_bouldin"),
        "calinski_harabasz_score": raw.get("calinski_harabasz"),
        "inertia": raw.get("inertia"),
        "n_clusters": len([c for c in result.clusters if c.label >= 0]),
        "cluster_sizes": {str(c.label): int(c.size) for c in result.clusters},
        "stability": result.stability,
        "algorithm_used": result.algorithm,
        "effective_parameters": result.parameters,
        "feature_importance_method": result.feature_importance_method,
        "recommendations": list(result.recommendations),
        "notes": list(result.notes),
    }
    return {
        "metrics": metrics,
        "n_samples": int(result.n_samples),
        "n_encoded_features": int(result.n_encoded_features),
        "feature_importance": dict(result.feature_importance),
        "accuracy": result.accuracy,
        "model_artifact": result.artifact,
        "timings": {**{f"engine_{k}": v for k, v in dict(result.timings).items()}, **timings},
    }


def assignments_insert(*, run: ClusteringRun, labels: np.ndarray, confidences: np.ndarray) -> int:
    """Insert one Assignment per dataset row (row order = labels order). Customer ids are read
    as one column, never as model instances; rows go in through COPY on PostgreSQL."""
    customer_ids = np.fromiter(
        Customer.objects.filter(dataset_id=run.dataset_id)
        .order_by("row_number")
        .values_list("id", flat=True)
        .iterator(chunk_size=100_000),
        dtype=np.int64,
    )
    if len(customer_ids) != len(labels):
        raise engine.EngineInputError(
            f"The dataset has {len(customer_ids):,} customer rows but its data file has "
            f"{len(labels):,}; upload the file again so they match."
        )
    labels = np.asarray(labels, dtype=np.int64)
    confidences = np.round(np.asarray(confidences, dtype=np.float64), 2)
    if connection.vendor == "postgresql":
        _copy_assignments(
            run_id=run.pk, customer_ids=customer_ids, labels=labels, confidences=confidences
        )
    else:
        _executemany_assignments(
            run_id=run.pk, customer_ids=customer_ids, labels=labels, confidences=confidences
        )
    return len(labels)


def _copy_assignments(
    *, run_id: int, customer_ids: np.ndarray, labels: np.ndarray, confidences: np.ndarray
) -> None:
    table = Assignment._meta.db_table
    sql = f"COPY {table} (run_id, customer_id, cluster_label, confidence) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(labels), COPY_CHUNK_ROWS):
            stop = start + COPY_CHUNK_ROWS
            chunk = pd.DataFrame(
                {
                    "run": run_id,
                    "customer": customer_ids[start:stop],
                    "label": labels[start:stop],
                    "confidence": confidences[start:stop],
                }
            )
            buffer = io.StringIO()
            chunk.to_csv(buffer, sep="\t", header=False, index=False)
            copy.write(buffer.getvalue())


def _executemany_assignments(
    *, run_id: int, customer_ids: np.ndarray, labels: np.ndarray, confidences: np.ndarray
) -> None:
    table = Assignment._meta.db_table
    sql = (
        f"INSERT INTO {table} (run_id, customer_id, cluster_label, confidence) "  # noqa: S608 - table name is ours
        "VALUES (%s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(labels), SQLITE_BATCH_ROWS):
            stop = start + SQLITE_BATCH_ROWS
            rows = zip(
                [run_id] * (min(stop, len(labels)) - start),
                customer_ids[start:stop].tolist(),
                labels[start:stop].tolist(),
                confidences[start:stop].tolist(),
                strict=True,
            )
            cursor.executemany(sql, list(rows))
