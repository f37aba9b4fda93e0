"""Uploads (parse, store, bulk-load), deletion, column roles and the workspace.

Uploads are atomic: the Dataset row, its customers and its Parquet file all exist, or none does."""

import hashlib
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction

from accounts.models import User
from config.errors import PayloadTooLarge

from ..bulk import customers_delete, customers_load, partitions_lock
from ..ingest import (
    ROLES,
    IngestError,
    IngestLimits,
    IngestResult,
    TypedTable,
    profile,
    read_typed,
)
from ..models import CurrentDataset, Dataset
from ..signals import dataset_uploaded, workspace_was_reset


def _limit_text(size_bytes: int) -> str:
    megabytes = size_bytes / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 1 else f"{size_bytes} bytes"


def upload_too_large(size_bytes: int) -> PayloadTooLarge:
    """The 413 error for an upload of `size_bytes`, naming the limit."""
    return PayloadTooLarge(
        f"The file is {_limit_text(size_bytes)}; the upload limit is "
        f"{_limit_text(settings.MAX_UPLOAD_BYTES)}. Upload a smaller file or a sample."
    )


def _upload_name_check(filename: str) -> None:
    """Only a file named `*.csv` (any case) is an upload (document 000: "Only CSV files are
    allowed"); a ValidationError (400) otherwise, whatever the bytes hold."""
    if not filename.strip().lower().endswith(".csv"):
        shown = filename.rsplit("/", 1)[-1] or "The file"
        raise ValidationError(
            f"Only CSV files are allowed: '{shown}' does not end in .csv. Save the table as "
            "CSV (comma-separated, a header row) and upload that file."
        )


def _read_upload(uploaded_file: File) -> bytes:
    """All bytes of the upload, refusing (413) any that pass MAX_UPLOAD_BYTES. One read, one
    copy in memory: a million-row file is ~70 MB."""
    limit = settings.MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise upload_too_large(uploaded_file.size)
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise upload_too_large(len(data))
    return data


# Rows per Parquet row group: one customer's values are read by reading its group
# (selectors.customer_attributes), ~2 ms at this size; whole-table reads do not notice.
PARQUET_ROW_GROUP_ROWS = 16_384


def _parquet_bytes(result: IngestResult) -> bytes:
    buffer = io.BytesIO()
    result.frame.to_parquet(
        buffer, index=False, compression="snappy", row_group_size=PARQUET_ROW_GROUP_ROWS
    )
    return buffer.getvalue()


def _dataset_name(*, name: str | None, filename: str) -> str:
    chosen = (name or "").strip() or filename.rsplit("/", 1)[-1] or "Uploaded dataset"
    return chosen[: Dataset._meta.get_field("name").max_length]


def _profile_and_parquet(typed: TypedTable) -> tuple[IngestResult, bytes]:
    result = profile(typed)
    return result, _parquet_bytes(result)


def _same_upload(*, owner: User, digest: str) -> Dataset | None:
    """The owner's latest dataset uploaded from the same bytes, if any."""
    return Dataset.objects.filter(owner=owner, sha256=digest).order_by("-id").first()


def dataset_create_from_upload(
    *, owner: User, uploaded_file: File, name: str | None = None, force_new: bool = False
) -> tuple[Dataset, bool]:
    """Parse, profile and store an uploaded CSV for `owner`; return (dataset, created).

    The same bytes uploaded again by the same owner return the existing dataset with created
    False, unless `force_new`. Raises PayloadTooLarge (413) over MAX_UPLOAD_BYTES and
    ValidationError (400) with a sentence for the user when the file cannot be used (a name
    not ending in .csv among them, before any byte is read). Atomic: on
    any failure no Dataset, no Customer and no file is left behind.

    The customers are stored while a helper thread profiles the frame and writes its Parquet
    copy: both only read the frame, the database does the storing's work in its own process, and
    the thread never touches the database (on a million rows that hides the profile's ~0.6 s
    behind the ~1 s load, tests/benchmarks/bench_ingest.py)."""
    filename = (getattr(uploaded_file, "name", "") or "")[:255]
    _upload_name_check(filename)
    data = _read_upload(uploaded_file)
    digest = hashlib.sha256(data).hexdigest()
    if not force_new:
        existing = _same_upload(owner=owner, digest=digest)
        if existing is not None:
            return existing, False
    limits = IngestLimits(
        max_rows=settings.MAX_DATASET_ROWS,
        max_columns=settings.MAX_DATASET_COLUMNS,
        time_limit_s=settings.PARSE_TIME_LIMIT_S,
    )
    try:
        typed = read_typed(data, limits=limits)
    except IngestError as exc:
        raise ValidationError(str(exc)) from exc
    size_bytes = len(data)
    del data  # the typed frame holds what is needed; free the raw bytes before loading

    return _dataset_store(
        owner=owner,
        typed=typed,
        name=_dataset_name(name=name, filename=filename),
        filename=filename,
        digest=digest,
        size_bytes=size_bytes,
        reuse_same_bytes=not force_new,
    )


def _dataset_store(
    *,
    owner: User,
    typed: TypedTable,
    name: str,
    filename: str,
    digest: str,
    size_bytes: int,
    reuse_same_bytes: bool,
) -> tuple[Dataset, bool]:
    """Store a typed table as a new dataset: row, customers, Parquet copy, reports. Atomic.
    With `reuse_same_bytes`, an owner's dataset of the same digest is answered instead (False:
    it was not created)."""
    dataset = Dataset(
        owner=owner,
        name=name,
        original_filename=filename,
        n_rows=len(typed.frame),
        n_columns=typed.frame.shape[1],
        sha256=digest,
        size_bytes=size_bytes,
    )
    stored_name = ""
    try:
        with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as helper:
            profiling = helper.submit(_profile_and_parquet, typed)
            # Uploads write their rows one at a time from here (PostgreSQL: the partitions'
            # lock; SQLite: the write lock taken at BEGIN), so the check for the same bytes,
            # repeated now, sees any upload that committed them meanwhile: identical uploads
            # at the same moment make one dataset.
            partitions_lock()
            existing = _same_upload(owner=owner, digest=digest) if reuse_same_bytes else None
            if existing is not None:
                return existing, False
            dataset.save()
            customers_load(dataset=dataset, frame=typed.frame, id_column=typed.id_column)
            try:
                result, parquet = profiling.result()
            except IngestError as exc:
                raise ValidationError(str(exc)) from exc
            dataset.parquet_file.save(
                f"{uuid.uuid4().hex}.parquet", ContentFile(parquet), save=False
            )
            stored_name = dataset.parquet_file.name
            dataset.schema = result.schema
            dataset.statistics = result.statistics
            dataset.quality_report = result.quality
            dataset.correlation = result.correlation
            dataset.transaction_log = result.transaction_log
            dataset.save(
                update_fields=[
                    "parquet_file",
                    "schema",
                    "statistics",
                    "quality_report",
                    "correlation",
                    "transaction_log",
                ]
            )
    except BaseException:
        if stored_name:
            dataset.parquet_file.storage.delete(stored_name)
        raise
    transaction.on_commit(lambda: dataset_uploaded.send(sender=Dataset, dataset=dataset))
    return dataset, True


def dataset_delete(*, dataset: Dataset) -> None:
    """Delete the dataset with its customers, runs and everything under them; its Parquet file
    and its runs' assignment parts are removed once the deletion is committed (a registered
    dataset's data is left in place)."""
    stored_name = "" if dataset.registered else dataset.parquet_file.name
    storage = dataset.parquet_file.storage
    runs = list(dataset.runs.all())
    files = [name for name in (stored_name, *(run.assignments_key for run in runs)) if name]
    with transaction.atomic():
        partitions_lock()
        dataset.runs.all().delete()
        customers_delete(dataset=dataset)
        dataset.delete()
        transaction.on_commit(lambda: _files_delete(storage, files))


def _files_delete(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def datasets_delete_owned(*, owner: User) -> None:
    """Delete every dataset of `owner` as `dataset_delete` does (before the account itself goes:
    Django's cascade would load each customer row and leave the files behind)."""
    for dataset in Dataset.objects.filter(owner=owner).order_by("pk"):
        dataset_delete(dataset=dataset)


def dataset_columns_update(*, dataset: Dataset, roles: dict[str, str | None]) -> Dataset:
    """Set the semantic role of some columns (None clears it). A role belongs to one column: giving
    it to a column takes it from the column that had it. Unknown columns or roles are refused."""
    names = [column["name"] for column in dataset.schema]
    unknown = [name for name in roles if name not in names]
    if unknown:
        raise ValidationError(
            f"No column named {', '.join(repr(n) for n in unknown)} in this dataset; "
            f"its columns are {', '.join(repr(n) for n in names)}."
        )
    for name, role in roles.items():
        if role is not None and role not in ROLES:
            raise ValidationError(
                f"Unknown role {role!r} for column {name!r}; choose one of {', '.join(ROLES)}, "
                "or null to clear it."
            )
    assigned = [role for role in roles.values() if role is not None]
    doubled = sorted({role for role in assigned if assigned.count(role) > 1})
    if doubled:
        raise ValidationError(f"Role {doubled[0]!r} is given to more than one column; pick one.")
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        schema: list[dict[str, Any]] = [dict(column) for column in locked.schema]
        for column in schema:
            if column["name"] in roles:
                column["role"] = roles[column["name"]]
            elif column.get("role") in assigned:
                column["role"] = None
        locked.schema = schema
        locked.save(update_fields=["schema"])
    dataset.schema = schema
    return dataset


def current_dataset_set(*, user: User, dataset: Dataset) -> CurrentDataset:
    """Make `dataset` the one the user's workspace endpoints (document 000) act on."""
    current, _ = CurrentDataset.objects.update_or_create(user=user, defaults={"dataset": dataset})
    return current


def workspace_reset(*, user: User) -> None:
    """Clear the user's current dataset and tell other apps to clear their analysis state.
    Deletes no dataset, and nothing of anyone else."""
    CurrentDataset.objects.filter(user=user).delete()
    workspace_was_reset.send(sender=Dataset, user=user)
