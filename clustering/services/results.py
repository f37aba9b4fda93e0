"""Turning an engine result into rows: Cluster rows, Assignment rows (bulk: PostgreSQL COPY, or
large executemany batches on SQLite) and the run's result fields. Called inside the run's one
results transaction (see execute.py)."""

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Min

from clustering import engine
from clustering.engine.labels import cluster_count
from datasets.models import Customer, customer_pk

from ..models import Assignment, Cluster, ClusteringRun
from ..run_warnings import segment_warnings

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


def run_result_fields(
    *, result: "engine.EngineResult", timings: dict[str, float], warnings: Sequence[str] = ()
) -> dict:
    """The ClusteringRun fields a succeeded run records (metrics, model, counts, timings, and
    `warnings`: the run's own from its creation plus any about its segment sizes).
    `metrics` carries the engine's names and the contracts' (`silhouette_score`, ...)."""
    raw = dict(result.metrics)
    metrics = {
        **raw,
        "silhouette_score": raw.get("silhouette"),
        "davies_bouldin_score": raw.get("davies_bouldin"),
        "calinski_harabasz_score": raw.get("calinski_harabasz"),
        "inertia": raw.get("inertia"),
        "n_clusters": cluster_count(c.label for c in result.clusters),
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
        "warnings": [*warnings, *segment_warnings(cluster_sizes=metrics["cluster_sizes"])],
        "n_samples": int(result.n_samples),
        "n_encoded_features": int(result.n_encoded_features),
        "feature_importance": dict(result.feature_importance),
        "accuracy": result.accuracy,
        "model_artifact": result.artifact,
        "timings": {**{f"engine_{k}": v for k, v in dict(result.timings).items()}, **timings},
    }


def customer_ids_in_row_order(*, dataset_id: int) -> np.ndarray:
    """The dataset's Customer ids, position i = row_number i. Ids pack the dataset and the row
    number (`datasets.models.customer_pk`, held by a check constraint), so they are computed, not
    transferred (a million ids cost ~1 s to fetch); one aggregate confirms that the rows are
    exactly 0..n-1. Otherwise (rows missing) EngineInputError."""
    stats = Customer.objects.filter(dataset_id=dataset_id).aggregate(
        count=Count("id"), first_row=Min("row_number"), last_row=Max("row_number")
    )
    count = stats["count"]
    # Row numbers are unique per dataset (they are in the id), so these bounds mean 0..count-1.
    if count and (stats["first_row"], stats["last_row"]) != (0, count - 1):
        raise engine.EngineInputError(
            "The dataset's customer rows have gaps; upload the file again to use it."
        )
    return customer_pk(dataset_id, np.arange(count, dtype=np.int64))


Block = tuple[np.ndarray, np.ndarray]  # (labels, confidences) of consecutive rows


def assignments_insert(*, run: ClusteringRun, labels: np.ndarray, confidences: np.ndarray) -> int:
    """Insert one Assignment per dataset row (row order = labels order): COPY on PostgreSQL,
    large executemany batches elsewhere. EngineInputError when the customer rows and the data
    file disagree (nothing is inserted then)."""
    return assignments_insert_blocks(run=run, blocks=[(labels, confidences)], n_rows=len(labels))


def assignments_insert_blocks(*, run: ClusteringRun, blocks: Iterable[Block], n_rows: int) -> int:
    """`assignments_insert` for assignments that come in blocks of consecutive rows from row 0
    (a distributed run's Parquet parts, read one at a time), `n_rows` in all. EngineInputError
    when the blocks do not hold exactly the dataset's customer rows (the caller's transaction
    then rolls back what was inserted)."""
    customer_ids = customer_ids_in_row_order(dataset_id=run.dataset_id)
    if len(customer_ids) != n_rows:
        raise engine.EngineInputError(
            f"The dataset has {len(customer_ids):,} customer rows but its data file has "
            f"{n_rows:,}; upload the file again so they match."
        )
    insert = _copy_assignments if connection.vendor == "postgresql" else _executemany_assignments
    inserted = insert(run_id=run.pk, rows=_rows(blocks, customer_ids))
    if inserted != n_rows:
        raise engine.EngineInputError(
            f"The run assigned {inserted:,} of the dataset's {n_rows:,} rows; run it again."
        )
    return inserted


def _rows(blocks: Iterable[Block], customer_ids: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
    """(customer ids, labels, confidences rounded to 2 decimals) per block, ids in row order."""
    start = 0
    for labels, confidences in blocks:
        stop = start + len(labels)
        if stop > len(customer_ids):
            raise engine.EngineInputError(
                f"The run assigned more rows than the dataset's {len(customer_ids):,}; run it "
                "again."
            )
        yield (
            customer_ids[start:stop],
            np.asarray(labels, dtype=np.int64),
            np.round(np.asarray(confidences, dtype=np.float64), 2),
        )
        start = stop


def _copy_assignments(*, run_id: int, rows: Iterable[tuple[np.ndarray, ...]]) -> int:
    """COPY in tab-separated chunks written by Arrow's C++ CSV writer (pandas' to_csv is several
    times slower at a million rows). Returns the rows copied."""
    table = Assignment._meta.db_table
    sql = f"COPY {table} (run_id, customer_id, cluster_label, confidence) FROM STDIN"
    options = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    copied = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        skip_triggers = _foreign_key_triggers_off(raw, run_id=run_id)
        with raw.copy(sql) as copy:
            for customer_ids, labels, confidences in rows:
                for start in range(0, len(labels), COPY_CHUNK_ROWS):
                    stop = start + COPY_CHUNK_ROWS
                    chunk = pa.table(
                        {
                            "run": pa.array(np.full(len(labels[start:stop]), run_id, np.int64)),
                            "customer": pa.array(customer_ids[start:stop]),
                            "label": pa.array(labels[start:stop]),
                            "confidence": pa.array(confidences[start:stop]),
                        }
                    )
                    buffer = io.BytesIO()
                    pa_csv.write_csv(chunk, buffer, write_options=options)
                    copy.write(buffer.getvalue())
                copied += len(labels)
        if skip_triggers:
            raw.execute("SET LOCAL session_replication_role = origin")
    return copied


def _foreign_key_triggers_off(cursor: Any, *, run_id: int) -> bool:
    """Skip the per-row foreign-key trigger (to the run) of the COPY where the database role may:
    deferred to the commit, such triggers cost ~1 s per 100,000 rows. The key holds by
    construction: the run row is locked FOR KEY SHARE until the commit, so the run cannot be
    deleted before these rows are committed. (The customer ids have no database foreign key: they
    are computed for the run's own dataset, see customer_ids_in_row_order.)"""
    cursor.execute(
        f"SELECT 1 FROM {ClusteringRun._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
        [run_id],
    )
    with transaction.atomic():  # a savepoint: a refusal must not abort the results transaction
        try:
            with connection.wrap_database_errors:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            transaction.set_rollback(True)
            return False
    return True


def _executemany_assignments(*, run_id: int, rows: Iterable[tuple[np.ndarray, ...]]) -> int:
    table = Assignment._meta.db_table
    sql = (
        f"INSERT INTO {table} (run_id, customer_id, cluster_label, confidence) "  # noqa: S608 - table name is ours
        "VALUES (%s, %s, %s, %s)"
    )
    inserted = 0
    with connection.cursor() as cursor:
        for customer_ids, labels, confidences in rows:
            for start in range(0, len(labels), SQLITE_BATCH_ROWS):
                stop = start + SQLITE_BATCH_ROWS
                batch = zip(
                    [run_id] * len(labels[start:stop]),
                    customer_ids[start:stop].tolist(),
                    labels[start:stop].tolist(),
                    confidences[start:stop].tolist(),
                    strict=True,
                )
                cursor.executemany(sql, list(batch))
            inserted += len(labels)
    return inserted
