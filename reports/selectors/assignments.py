"""The run's assignments read straight into arrays, and the dataset rows with their clusters."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from django.db import connection

from clustering.models import Assignment, ClusteringRun
from datasets.models import customer_pk
from datasets.selectors import dataset_frame_load

from .. import exports
from .runs import cluster_names


def assignment_arrays(*, run: ClusteringRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row_number, cluster_label, confidence) of every assignment of the run, unordered.

    One SQL statement read straight into arrays: `assignment_frame` builds a row object per
    assignment (about 7 s for 1,000,000 rows on SQLite, measured), which would double the time of
    a CSV export; this read takes a fraction of that (PostgreSQL: COPY ... TO STDOUT)."""
    assignment = Assignment._meta.db_table
    first_id = customer_pk(run.dataset_id, 0)  # a customer's id minus this is its row number
    query = (
        f"SELECT a.customer_id - {first_id:d}, a.cluster_label, a.confidence "  # noqa: S608 - our own table name and a number
        f"FROM {assignment} a WHERE a.run_id = %s"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            copy_sql = query.replace("%s", str(int(run.pk)))
            with cursor.cursor.copy(f"COPY ({copy_sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            if not buffer.getbuffer().nbytes:
                return _empty_arrays()
            frame = pd.read_csv(buffer, header=None, names=["row", "label", "confidence"])
            return (
                frame["row"].to_numpy(dtype=np.int64),
                frame["label"].to_numpy(dtype=np.int64),
                frame["confidence"].to_numpy(dtype=np.float64),
            )
        cursor.execute(query, [run.pk])
        rows = cursor.fetchall()
    if not rows:
        return _empty_arrays()
    table = np.array(rows, dtype=np.float64)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]


def _empty_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)


def run_labels(*, run: ClusteringRun, n_rows: int) -> np.ndarray:
    """Cluster label per dataset row (row_number order); rows without an assignment get
    `UNASSIGNED`."""
    rows, cluster_labels, _ = assignment_arrays(run=run)
    labels = np.full(n_rows, UNASSIGNED, dtype=np.int64)
    inside = rows < n_rows
    labels[rows[inside]] = cluster_labels[inside]
    return labels


UNASSIGNED = -(2**31)  # no real label is this small (DBSCAN's noise is -1)
LOOKUP_BATCH = 900  # ids per IN (...) list: under SQLite's bound variable limit


def run_labels_of_rows(*, run: ClusteringRun, rows: np.ndarray) -> np.ndarray:
    """Cluster label of each given row number (`UNASSIGNED` where the run has none), read by
    customer id: for a sample of a table too large to read whole."""
    ids = customer_pk(run.dataset_id, np.asarray(rows, dtype=np.int64))
    found: dict[int, int] = {}
    for start in range(0, len(ids), LOOKUP_BATCH):
        batch = ids[start : start + LOOKUP_BATCH].tolist()
        found.update(
            Assignment.objects.filter(run=run, customer_id__in=batch).values_list(
                "customer_id", "cluster_label"
            )
        )
    return np.array([found.get(int(i), UNASSIGNED) for i in ids], dtype=np.int64)


def assignments_frame_for_export(*, run: ClusteringRun) -> pd.DataFrame:
    """The run's dataset rows with their cluster, cluster name and confidence appended, in row
    order (rows the run did not assign get empty cluster columns)."""
    # The Parquet read (pyarrow, without the GIL) runs beside the assignment read: about a
    # second less on 1,000,000 rows (tests/benchmarks/bench_reports.py).
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(dataset_frame_load, dataset=run.dataset)
        rows, cluster_labels, confidences = assignment_arrays(run=run)
        frame = loading.result()
    n_rows = len(frame)
    cluster = np.full(n_rows, np.nan)
    confidence = np.full(n_rows, np.nan)
    inside = rows < n_rows
    cluster[rows[inside]] = cluster_labels[inside]
    confidence[rows[inside]] = confidences[inside]
    return exports.with_assignments(
        frame, cluster=cluster, confidence=confidence, names=cluster_names(run=run)
    )
