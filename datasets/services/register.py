"""Registering a Parquet dataset that is already under the data root (never uploaded through
HTTP): the same record as an upload (Dataset row, schema, quality, statistics, roles, one
Customer per row with its external id) pointing at the data where it is. The service reads that
data in place and never deletes it.

The URL is confined to the data root before anything is opened (`resolve_under_root`), so a
caller learns nothing about files elsewhere."""

import hashlib
import json
from collections.abc import Iterator

import pandas as pd
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from config.dask import dask_compute
from config.storage import StorageError, data_storage

from ..bulk import CHUNK_ROWS, customers_load_pieces, partitions_lock
from ..ingest import IngestError, profile
from ..ingest.parquet import IdColumnError, ParquetSource, read_parquet_dataset, typed_table
from ..models import ROWS_PER_DATASET, Dataset

# Dataset.n_rows is a 32-bit integer column on PostgreSQL; row numbers stay below 2**32.
REGISTER_MAX_ROWS = min(ROWS_PER_DATASET - 1, 2**31 - 1)


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
    source = ParquetSource(
        parts=parts,
        urls=[storage.url(part) for part in parts],
        open_part=lambda part: storage.open(part, "rb"),
        storage_options=storage.storage_options,
    )
    return key, source, size


def _digest(key: str, source: ParquetSource, size: int) -> str:
    """What identifies the same data registered again: its key, parts and their sizes."""
    storage = data_storage()
    recipe = {
        "registered": key,
        "parts": [[part, storage.size(part)] for part in source.parts],
        "size": size,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _id_pieces(source: ParquetSource, id_column: str) -> Iterator[pd.DataFrame]:
    """The id column, part after part in row order, CHUNK_ROWS rows at a time."""
    for part in source.parts:
        with source.open_part(part) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(
                batch_size=CHUNK_ROWS, columns=[id_column]
            ):
                yield batch.to_pandas()


def dataset_register(
    *,
    owner: User,
    url: str,
    name: str | None = None,
    id_column: str | None = None,
    force_new: bool = False,
) -> tuple[Dataset, bool]:
    """Register the Parquet file or folder of parts at `url` (under DATA_URL) for `owner`;
    return (dataset, created). The same data registered again by the same owner returns the
    existing dataset (created False) unless `force_new`.

    The schema and row count come from the Parquet footers; kinds, roles, statistics and
    correlations from a sample; missing values, duplicate rows and ids are counted exactly with
    Dask (the threads scheduler here, the cluster when DASK_SCHEDULER_ADDRESS is set). The
    customers are loaded part by part (COPY into the dataset's partition on PostgreSQL).
    ValidationError (400) for a URL outside the data root, nothing there, data that is not
    Parquet, or no customer id column. Atomic: on failure no row is left."""
    key, source, size = _source(url)
    digest = _digest(key, source, size)
    if not force_new:
        existing = _same_registration(owner=owner, digest=digest)
        if existing is not None:
            return existing, False
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
    with transaction.atomic():
        partitions_lock()  # see datasets.bulk: orders the partition changes of concurrent loads
        existing = None if force_new else _same_registration(owner=owner, digest=digest)
        if existing is not None:
            return existing, False
        dataset.save()
        loaded = customers_load_pieces(
            dataset=dataset, pieces=_id_pieces(source, table.id_column), id_column=table.id_column
        )
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
