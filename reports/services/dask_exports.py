"""The assignments CSV of a run whose dataset does not fit one process, built with Dask.

The dataset's chunks (`datasets.selectors.dataset_dask_frame`) and the run's assignment parts
(`clustering.selectors.run_labels_dask_frame`) share their row-number divisions, so they join
partition by partition. Each partition is written as a CSV part under a scratch folder of the
data root by the worker that holds it (`reports.exports.csv_part`: the same spreadsheet-safe
writer as every CSV export, the header in the first part only); the parts are then appended, in
row order, to the export's file and the scratch folder is removed. No process holds more than
one partition, whatever the size of the table. Dask computes on the cluster at
DASK_SCHEDULER_ADDRESS, else with its threads in this process (`config.dask.dask_compute`)."""

from __future__ import annotations

import shutil
import uuid
from typing import IO, Any

import dask

from clustering.selectors import run_labels_dask_frame
from config.dask import dask_compute
from config.storage import data_storage
from datasets.selectors import dataset_dask_frame

from .. import exports
from ..models import Export
from ..selectors import cluster_names

COPY_BUFFER_BYTES = 4 * 1024 * 1024


def assignments_csv_write(export: Export, target: IO[bytes]) -> int:
    """Write the export's assignments CSV to the binary file `target`; returns the rows written."""
    run = export.run
    labels = run_labels_dask_frame(run=run).rename(
        columns={"cluster_label": exports.PART_CLUSTER, "confidence": exports.PART_CONFIDENCE}
    )
    return csv_in_parts(
        dataset_dask_frame(dataset=run.dataset).join(labels, how="left"),
        target=target,
        scratch=f"exports/{export.owner_id}/parts-{export.pk}-{uuid.uuid4().hex[:8]}",
        names=cluster_names(run=run),
        columns=list((export.options or {}).get("columns") or []) or None,
    )


def csv_in_parts(
    joined: Any,
    *,
    target: IO[bytes],
    scratch: str,
    names: dict[int, str],
    columns: list[str] | None,
) -> int:
    """Write the dask frame `joined` (data columns with `__cluster__` / `__confidence__`) as one
    CSV to `target`: a part per partition under the storage key `scratch`, written where the
    partition is, then appended in order; the parts are removed whatever happens."""
    storage = data_storage()
    keys = [f"{scratch}/part.{i:05d}.csv" for i in range(joined.npartitions)]
    try:
        writes = [
            dask.delayed(exports.csv_part)(
                piece,
                storage.url(key),
                storage.storage_options,
                names=names,
                columns=columns,
                header=index == 0,
            )
            for index, (piece, key) in enumerate(zip(joined.to_delayed(), keys, strict=True))
        ]
        written = sum(dask_compute(writes))
        for key in keys:
            with storage.open(key, "rb") as part:
                shutil.copyfileobj(part, target, COPY_BUFFER_BYTES)
    finally:
        storage.delete(scratch)
    return written
