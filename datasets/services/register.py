"""Registering a Parquet dataset that is already under the data root (never uploaded through
HTTP): the same record as an upload (Dataset row, schema, quality, statistics, roles, one
Customer per row with its external id) pointing at the data where it is. The service reads that
data in place and never deletes it.

The URL is confined to the data root before anything is opened (`resolve_under_root`), so a
caller learns nothing about files elsewhere.

Data of more than REGISTER_INLINE_MAX_ROWS rows (counted from the Parquet footers, which costs no
data page) is registered by a Celery task instead of the request: `dataset_register_start`
records a `RegistrationJob` and sends it; `registration_job_execute` does the same work as the
request would, reporting progress part by part. Either way the dataset, its customers and (on
PostgreSQL) its partition are written in one transaction: a failure leaves none of them."""

import hashlib
import json
from collections.abc import Callable, Iterator

import pandas as pd
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from config.dask import dask_compute
from config.storage import StorageError, data_storage

from ..bulk import CHUNK_ROWS, customers_load_before_row, partitions_lock
from ..ingest import IngestError, profile
from ..ingest.parquet import (
    IdColumnError,
    ParquetLayout,
    ParquetSource,
    checked_layout,
    read_parquet_dataset,
    typed_table,
)
from ..models import ROWS_PER_DATASET, Dataset, RegistrationJob
from ..selectors import parquet_source
from .jobs import job_enqueue, job_execute

# Dataset.n_rows is a 32-bit integer column on PostgreSQL; row numbers stay below 2**32.
REGISTER_MAX_ROWS = min(ROWS_PER_DATASET - 1, 2**31 - 1)
REGISTER_INLINE_MAX_ROWS = 2_000_000  # default; the setting of the same name overrides it
# Share of a job's progress (percent) reached before the customers are loaded, and when done.
LOAD_START_PERCENT, LOAD_END_PERCENT = 40, 99
Progress = Callable[[int, str], None]


def _no_progress(percent: int, stage: str) -> None:
    return None


def _source(url: str) -> tuple[str, ParquetSource, int]:
    """(key, source, total bytes) of the Parquet data at `url`; ValidationError when it is
    outside the data root or nothing is there."""
    storage = data_storage()
    try:
        key = storage.resolve_under_root(url)
    except StorageError as exc:
        raise ValidationError({"url": str(exc)}) from None
    parts = storage.parquet_parts(key)
    if not parts:
        raise ValidationError(
            {
                "url": f"Nothing at '{url}' under the data root: give the URL of a Parquet "
                "file or of a folder of Parquet parts."
            }
        )
    size = sum(storage.size(part) for part in parts)
    return key, parquet_source(parts), size


def _digest(key: str, source: ParquetSource, size: int) -> str:
    """What identifies the same data registered again: its key, parts and their sizes."""
    storage = data_storage()
    recipe = {
        "registered": key,
        "parts": [[part, storage.size(part)] for part in source.parts],
        "size": size,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _id_pieces(
    source: ParquetSource, id_column: str, *, n_rows: int, progress: Progress
) -> Iterator[pd.DataFrame]:
    """The id column, part after part in row order, CHUNK_ROWS rows at a time; `progress` is
    told after each part (LOAD_START_PERCENT to LOAD_END_PERCENT by rows)."""
    done = 0
    span = LOAD_END_PERCENT - LOAD_START_PERCENT
    for number, part in enumerate(source.parts, start=1):
        with source.open_part(part) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(
                batch_size=CHUNK_ROWS, columns=[id_column]
            ):
                done += batch.num_rows
                yield batch.to_pandas()
        percent = LOAD_START_PERCENT + span * min(done, n_rows) // max(n_rows, 1)
        progress(percent, f"loading customers: part {number} of {len(source.parts)}")


def _layout(source: ParquetSource) -> ParquetLayout:
    try:
        return checked_layout(
            source, max_columns=settings.MAX_DATASET_COLUMNS, max_rows=REGISTER_MAX_ROWS
        )
    except IngestError as exc:
        raise ValidationError({"url": str(exc)}) from None


def _inline_limit() -> int:
    return int(getattr(settings, "REGISTER_INLINE_MAX_ROWS", REGISTER_INLINE_MAX_ROWS))


def dataset_register_start(
    *,
    owner: User,
    url: str,
    name: str | None = None,
    id_column: str | None = None,
    force_new: bool = False,
) -> tuple[Dataset, bool] | RegistrationJob:
    """Register the data at `url` as `dataset_register` does, in the request when it has at most
    REGISTER_INLINE_MAX_ROWS rows (by its footers): (dataset, created). Larger data: a queued
    RegistrationJob, sent to a worker (ServiceUnavailable, 503, when the broker cannot be
    reached: the job is then recorded as failed). The checks that need no data page (the URL,
    Parquet footers, same schema in every part, column and row limits) and the answer for data
    registered before are given at once either way."""
    key, source, size = _source(url)
    if not force_new:
        existing = _same_registration(owner=owner, digest=_digest(key, source, size))
        if existing is not None:
            return existing, False
    layout = _layout(source)
    if layout.n_rows <= _inline_limit():
        return _register(
            owner=owner,
            key=key,
            source=source,
            size=size,
            name=name,
            id_column=id_column,
            force_new=force_new,
        )
    from ..tasks import dataset_register_task  # tasks import the services

    job = RegistrationJob.objects.create(
        owner=owner,
        url=url,
        n_rows=layout.n_rows,
        parameters={
            "name": (name or "").strip() or None,
            "id_column": (id_column or "").strip() or None,
            "force_new": bool(force_new),
        },
    )
    job_enqueue(job=job, send=dataset_register_task.delay, what="registration")
    return job


def registration_job_execute(*, job_id: int) -> None:
    """Register a queued job's data. Idempotent: a job no longer queued (a second delivery) is
    left alone. Data that cannot be used fails the job with the reason, and nothing of it is
    kept (no dataset, no customers, no partition)."""

    def build(job: RegistrationJob, progress: Progress) -> Dataset:
        dataset, _ = dataset_register(
            owner=job.owner, url=job.url, progress=progress, **job.parameters
        )
        return dataset

    job_execute(
        RegistrationJob,
        job_id,
        build=build,
        crashed="The data could not be registered (nothing of it was kept); try again.",
    )


def dataset_register(
    *,
    owner: User,
    url: str,
    name: str | None = None,
    id_column: str | None = None,
    force_new: bool = False,
    progress: Progress | None = None,
) -> tuple[Dataset, bool]:
    """Register the Parquet file or folder of parts at `url` (under DATA_URL) for `owner`;
    return (dataset, created). The same data registered again by the same owner returns the
    existing dataset (created False) unless `force_new`.

    The schema and row count come from the Parquet footers; kinds, roles, statistics and
    correlations from a sample; missing values, duplicate rows and ids are counted exactly with
    Dask (the threads scheduler here, the cluster when DASK_SCHEDULER_ADDRESS is set). The
    customers are loaded part by part (COPY into the dataset's partition on PostgreSQL), and
    `progress(percent, stage)` is told after each part. ValidationError (400) for a URL outside
    the data root, nothing there, data that is not Parquet, or no customer id column. Atomic: on
    failure no row is left."""
    key, source, size = _source(url)
    return _register(
        owner=owner,
        key=key,
        source=source,
        size=size,
        name=name,
        id_column=id_column,
        force_new=force_new,
        progress=progress,
    )


def _register(
    *,
    owner: User,
    key: str,
    source: ParquetSource,
    size: int,
    name: str | None,
    id_column: str | None,
    force_new: bool,
    progress: Progress | None = None,
) -> tuple[Dataset, bool]:
    progress = progress or _no_progress
    digest = _digest(key, source, size)
    if not force_new:
        existing = _same_registration(owner=owner, digest=digest)
        if existing is not None:
            return existing, False
    progress(5, "profiling a sample and counting every row")
    try:
        table = read_parquet_dataset(
            source,
            max_columns=settings.MAX_DATASET_COLUMNS,
            max_rows=REGISTER_MAX_ROWS,
            id_column=(id_column or "").strip() or None,
            sample_rows=settings.REGISTER_SAMPLE_ROWS,
            compute=dask_compute,
        )
        result = profile(typed_table(table, time_limit_s=settings.PARSE_TIME_LIMIT_S))
    except IdColumnError as exc:
        raise ValidationError({"id_column": str(exc)}) from None
    except IngestError as exc:
        raise ValidationError({"url": str(exc)}) from None
    label = (name or "").strip() or key.rstrip("/").rsplit("/", 1)[-1]
    dataset = Dataset(
        owner=owner,
        name=label[: Dataset._meta.get_field("name").max_length],
        original_filename=key[: Dataset._meta.get_field("original_filename").max_length],
        parquet_file=key,
        registered=True,
        n_rows=table.counts.rows,
        n_columns=len(table.kinds),
        sha256=digest,
        size_bytes=size,
        schema=result.schema,
        statistics=result.statistics,
        quality_report=result.quality,
        correlation=result.correlation,
        transaction_log=result.transaction_log,
    )
    progress(LOAD_START_PERCENT, "loading customers")
    found: list[Dataset] = []

    def insert_row() -> bool:
        partitions_lock()  # see datasets.bulk: orders the partition changes of concurrent loads
        existing = None if force_new else _same_registration(owner=owner, digest=digest)
        if existing is not None:
            found.append(existing)
            return False
        dataset.save(force_insert=True)
        return True

    with transaction.atomic():
        pieces = _id_pieces(source, table.id_column, n_rows=dataset.n_rows, progress=progress)
        loaded = customers_load_before_row(
            dataset=dataset, pieces=pieces, id_column=table.id_column, insert_row=insert_row
        )
        if found:  # registered meanwhile by the same owner: keep nothing of this load
            transaction.set_rollback(True)
            return found[0], False
        if loaded != dataset.n_rows:  # the data changed while it was read
            raise ValidationError(
                {
                    "url": f"The data changed while it was read ({loaded:,} rows, not "
                    f"{dataset.n_rows:,}); register it again once it is complete."
                }
            )
    return dataset, True


def _same_registration(*, owner: User, digest: str) -> Dataset | None:
    return (
        Dataset.objects.filter(owner=owner, sha256=digest, registered=True).order_by("-id").first()
    )
