"""Reads of datasets and customers. Every look-up is scoped to the caller: another owner's dataset
does not exist for them (404), except for admins, who see every dataset."""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from config.errors import Gone, SingleMachineOnly
from config.storage import data_storage

from .ingest.chunks import chunked_frame, plan_chunks
from .ingest.parquet import ParquetSource, parquet_layout, read_sample
from .ingest.records import json_rows
from .models import CurrentDataset, Customer, CustomerTableJob, Dataset, RegistrationJob

_PANDAS_INDEX_PREFIX = "__index_level_"
NO_DATASET = (
    "No data loaded: upload a CSV first (POST /api/upload or POST /api/v1/datasets/upload), "
    "then try again."
)


def _can_see(*, user: User, dataset: Dataset) -> bool:
    return user.is_authenticated and (user.is_admin_role or dataset.owner_id == user.pk)


def dataset_list(*, user: User) -> QuerySet[Dataset]:
    """The datasets the user may see: their own, or every dataset for an admin; newest first."""
    datasets = Dataset.objects.select_related("owner")
    if not user.is_authenticated:
        return datasets.none()
    return datasets if user.is_admin_role else datasets.filter(owner=user)


def dataset_get(*, user: User, pk: int | str) -> Dataset:
    """One visible dataset; Http404 when it does not exist or belongs to someone else."""
    try:
        return dataset_list(user=user).get(pk=int(pk))
    except (Dataset.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No dataset with that id.") from exc


def customer_table_job_list(*, user: User) -> QuerySet[CustomerTableJob]:
    """The caller's customer-table jobs (every job for an admin), newest first."""
    jobs = CustomerTableJob.objects.select_related("source", "result")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if user.is_admin_role else jobs.filter(owner=user)


def customer_table_job_get(*, user: User, pk: int | str) -> CustomerTableJob:
    """One customer-table job of the caller (any job for an admin); Http404 otherwise."""
    try:
        return customer_table_job_list(user=user).get(pk=int(pk))
    except (CustomerTableJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No customer-table job with that id.") from exc


def registration_job_list(*, user: User) -> QuerySet[RegistrationJob]:
    """The caller's registration jobs (every job for an admin), newest first."""
    jobs = RegistrationJob.objects.select_related("result")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if user.is_admin_role else jobs.filter(owner=user)


def registration_job_get(*, user: User, pk: int | str) -> RegistrationJob:
    """One registration job of the caller (any job for an admin); Http404 otherwise."""
    try:
        return registration_job_list(user=user).get(pk=int(pk))
    except (RegistrationJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No registration job with that id.") from exc


def _data_missing(dataset: Dataset) -> Gone:
    again = "register the data again" if dataset.registered else "upload the file again"
    return Gone(f"The data file of dataset {dataset.pk} is missing; {again}.")


def dataset_parts(*, dataset: Dataset) -> list[str]:
    """The storage keys of the dataset's Parquet data, in row order: its one file (an upload's
    copy), or the parts of a registered folder. Gone (410) when nothing is there any more."""
    key = dataset.parquet_file.name
    parts = data_storage().parquet_parts(key) if key else []
    if not parts:
        raise _data_missing(dataset)
    return parts


def dataset_urls(*, dataset: Dataset) -> list[str]:
    """The URLs of the dataset's Parquet parts in row order: what a worker on another host
    (a Dask worker) opens, with `data_storage().storage_options`."""
    storage = data_storage()
    return [storage.url(part) for part in dataset_parts(dataset=dataset)]


def dataset_fits_one_process(*, dataset: Dataset) -> bool:
    """At most MAX_DATASET_ROWS rows: the whole table may be read into one process. Larger
    (registered) datasets are read in chunks by Dask (`dataset_dask_frame`)."""
    return (dataset.n_rows or 0) <= settings.MAX_DATASET_ROWS


def dataset_frame_load(*, dataset: Dataset, columns: list[str] | None = None) -> pd.DataFrame:
    """The dataset's typed table from its Parquet data; row i has `Customer.row_number == i`.
    SingleMachineOnly (409) for a dataset that does not fit one process."""
    if not dataset_fits_one_process(dataset=dataset):
        raise SingleMachineOnly(
            f"Dataset {dataset.pk} has {dataset.n_rows:,} rows, more than one process reads "
            f"at once (MAX_DATASET_ROWS, {settings.MAX_DATASET_ROWS:,}), and this view reads "
            "the whole table, so it is not available for it. Runs (K-Means on the Dask "
            "cluster), predictions, customer look-ups, segment views, insights and CSV exports "
            "work at any size."
        )
    storage = data_storage()
    wanted = list(columns) if columns is not None else None
    frames = []
    for part in dataset_parts(dataset=dataset):
        with storage.open(part, "rb") as handle:
            frames.append(pd.read_parquet(handle, columns=wanted))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def parquet_source(parts: list[str]) -> ParquetSource:
    """Parquet parts under the data root (keys, in row order): keys to open here, URLs (and
    options) for Dask workers."""
    storage = data_storage()
    return ParquetSource(
        parts=parts,
        urls=[storage.url(part) for part in parts],
        open_part=lambda part: storage.open(part, "rb"),
        storage_options=storage.storage_options,
    )


POPULATION_SAMPLE_ROWS = 200_000  # dataset-wide figures (quantiles, units) of larger datasets


def dataset_population_frame(
    *,
    dataset: Dataset,
    columns: list[str] | None,
    sample_rows: int = POPULATION_SAMPLE_ROWS,
    row_numbers: bool = False,
) -> tuple[pd.DataFrame, bool]:
    """(frame, sampled): what dataset-wide figures such as quantiles and units are computed
    from: the whole table when it fits one process, else about `sample_rows` rows spread evenly
    over it (the same rows every time, so every caller agrees). With `row_numbers` a sample's
    index holds the rows' numbers (the whole table's index is them already)."""
    if dataset_fits_one_process(dataset=dataset):
        return dataset_frame_load(dataset=dataset, columns=columns), False
    source = parquet_source(dataset_parts(dataset=dataset))
    sample = read_sample(
        source, parquet_layout(source), size=sample_rows, columns=columns, row_numbers=row_numbers
    )
    return sample, True


def dataset_dask_frame(*, dataset: Dataset, columns: list[str] | None = None) -> Any:
    """The dataset's table as a dask DataFrame that Dask workers read from the storage root by
    URL, one partition a chunk of about a million rows (`datasets.ingest.chunks`), indexed by
    row number (row i has `Customer.row_number == i`) with known divisions. Imports dask: called
    only by what computes with Dask."""
    source = parquet_source(dataset_parts(dataset=dataset))
    try:
        layout = parquet_layout(source)
    except FileNotFoundError:
        raise _data_missing(dataset) from None
    return chunked_frame(
        plan_chunks(layout, source.urls),
        layout=layout,
        columns=columns,
        storage_options=source.storage_options,
    )


def current_dataset_get(*, user: User) -> Dataset | None:
    """The dataset the user's workspace (document 000) acts on, if any and still visible."""
    if not user.is_authenticated:
        return None
    current = CurrentDataset.objects.select_related("dataset").filter(user=user).first()
    if current is None or not _can_see(user=user, dataset=current.dataset):
        return None
    return current.dataset


def current_dataset_required(*, user: User) -> Dataset:
    """Document 000's "loaded data": the caller's current dataset, else a 400 saying what to do."""
    dataset = current_dataset_get(user=user)
    if dataset is None:
        raise ValidationError(NO_DATASET)
    return dataset


def column_for_role(*, dataset: Dataset, role: str) -> str | None:
    """The name of the dataset's column with this semantic role (e.g. "income"), if one has it."""
    for column in dataset.schema:
        if column.get("role") == role:
            return column["name"]
    return None


def customer_list(*, dataset: Dataset) -> QuerySet[Customer]:
    """The dataset's customers in file order (ids follow row numbers, see `customer_pk`)."""
    return Customer.objects.filter(dataset=dataset).order_by("id")


def customer_attributes(
    *, dataset: Dataset, row_numbers: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Row number -> that row's values (column -> JSON-safe value: numbers, text, ISO dates,
    None where missing), read from the Parquet copy. Only the row groups holding the rows are
    read (services.PARQUET_ROW_GROUP_ROWS rows each: ~2 ms for one customer of a million);
    row numbers outside the table are left out. Gone (410) if the Parquet file is missing."""
    wanted = sorted({int(row) for row in row_numbers})
    if not wanted or not dataset.parquet_file:
        return {}
    storage = data_storage()
    found: dict[int, dict[str, Any]] = {}
    first_row = 0  # the row number of the part's first row
    for part in dataset_parts(dataset=dataset):
        if not wanted:
            break
        try:
            handle = storage.open(part, "rb")
        except FileNotFoundError:
            raise _data_missing(dataset) from None
        with handle:
            parquet = pq.ParquetFile(handle)
            columns = [
                n for n in parquet.schema_arrow.names if not n.startswith(_PANDAS_INDEX_PREFIX)
            ]
            starts = [first_row]
            for group in range(parquet.num_row_groups):
                starts.append(starts[-1] + parquet.metadata.row_group(group).num_rows)
            by_group: dict[int, list[int]] = defaultdict(list)
            for row in wanted:
                if first_row <= row < starts[-1]:
                    by_group[bisect.bisect_right(starts, row) - 1].append(row)
            for group, rows in by_group.items():
                table = parquet.read_row_group(group, columns=columns)
                taken = table.take(pa.array([row - starts[group] for row in rows]))
                found.update(zip(rows, json_rows(taken), strict=True))
        wanted = [row for row in wanted if row >= starts[-1]]
        first_row = starts[-1]
    return found
