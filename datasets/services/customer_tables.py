"""Customer tables from purchase logs: one row per customer (recency, frequency, monetary,
average order value, tenure, roles set), built in the request for small logs and as a
`CustomerTableJob` on a worker above CUSTOMER_TABLE_INLINE_MAX_ROWS lines."""

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User

from ..ingest import IngestError, IngestLimits, typed_from_frame
from ..ingest.transactions import (
    CUSTOMER_TABLE_COLUMNS,
    CUSTOMER_TABLE_ROLES,
    TransactionColumns,
    customer_table,
)
from ..models import CustomerTableJob, Dataset
from ..selectors import dataset_frame_load
from .jobs import job_enqueue, job_execute
from .uploads import _dataset_store

CUSTOMER_TABLE_INLINE_MAX_ROWS = 200_000  # default; the setting of the same name overrides it
LOG_COLUMNS = ("customer_id", "date", "amount", "quantity")
_DERIVED_KINDS = {"customer_id": "id", **dict.fromkeys(CUSTOMER_TABLE_COLUMNS[1:], "numeric")}


def transaction_columns_resolve(
    *, dataset: Dataset, columns: dict[str, str | None] | None = None
) -> TransactionColumns:
    """The log's columns: the ones detected at upload, overridden by `columns` (role -> column
    name). ValidationError naming what is missing or unknown."""
    chosen = dict(dataset.transaction_log or {})
    chosen.update({key: value for key, value in (columns or {}).items() if value})
    if not chosen.get("date"):
        raise ValidationError(
            f"Dataset {dataset.pk} has no date column: a purchase log needs one date a line "
            "(e.g. 2024-03-31). Add one, or name it in columns.date."
        )
    for key, what in (("customer_id", "customer id"), ("amount", "amount")):
        if not chosen.get(key):
            raise ValidationError(
                f"Dataset {dataset.pk} has no {what} column that reads as a purchase log's; "
                f"name it in columns.{key}."
            )
    names = {column["name"] for column in dataset.schema}
    for key in LOG_COLUMNS:
        if chosen.get(key) and chosen[key] not in names:
            raise ValidationError(
                f"No column named {chosen[key]!r} in dataset {dataset.pk} (for columns.{key}); "
                f"its columns are {', '.join(repr(column['name']) for column in dataset.schema)}."
            )
    return TransactionColumns(**{key: chosen.get(key) for key in LOG_COLUMNS})


def _customer_table_inline_limit() -> int:
    return int(getattr(settings, "CUSTOMER_TABLE_INLINE_MAX_ROWS", CUSTOMER_TABLE_INLINE_MAX_ROWS))


def customer_table_create(
    *,
    user: User,
    dataset: Dataset,
    columns: dict[str, str | None] | None = None,
    as_of: date | None = None,
    name: str | None = None,
) -> Dataset | CustomerTableJob:
    """Derive a customer table (one row per customer: recency, frequency, monetary, average
    order value, tenure, roles set) from the purchase log `dataset`: a new Dataset, built in the
    request, for a log of at most CUSTOMER_TABLE_INLINE_MAX_ROWS lines; above that a queued
    CustomerTableJob whose task is sent once committed (ServiceUnavailable, 503, when the broker
    cannot be reached: the job is then failed with that reason). ValidationError (400) naming
    the column and line when the log cannot be read."""
    resolved = transaction_columns_resolve(dataset=dataset, columns=columns)
    parameters = {
        "columns": resolved.as_dict(),
        "as_of": as_of.isoformat() if as_of else None,
        "name": (name or "").strip() or None,
    }
    if dataset.n_rows > _customer_table_inline_limit():
        from ..tasks import customer_table_build_task

        job = CustomerTableJob.objects.create(owner=user, source=dataset, parameters=parameters)
        job_enqueue(job=job, send=customer_table_build_task.delay, what="customer table")
        return job
    return _customer_table_build(owner=user, source=dataset, parameters=parameters)


def _customer_table_build(
    *,
    owner: User,
    source: Dataset,
    parameters: dict[str, Any],
    progress: Callable[[int, str], None] | None = None,
) -> Dataset:
    progress = progress or (lambda percent, stage: None)
    resolved = TransactionColumns(**parameters["columns"])
    as_of = date.fromisoformat(parameters["as_of"]) if parameters.get("as_of") else None
    progress(10, "loading the log")
    frame = dataset_frame_load(
        dataset=source, columns=[name for name in resolved.as_dict().values() if name]
    )
    progress(30, "deriving the customer table")
    try:
        table = customer_table(frame, columns=resolved, as_of=as_of)
    except IngestError as exc:
        raise ValidationError(str(exc)) from exc
    del frame
    progress(60, "storing the customer table")
    limits = IngestLimits(
        max_rows=settings.MAX_DATASET_ROWS,
        max_columns=settings.MAX_DATASET_COLUMNS,
        time_limit_s=settings.PARSE_TIME_LIMIT_S,
    )
    try:
        typed = typed_from_frame(
            table.frame, kinds=_DERIVED_KINDS, roles=CUSTOMER_TABLE_ROLES, limits=limits
        )
    except IngestError as exc:
        raise ValidationError(str(exc)) from exc
    recipe = json.dumps({"source": source.sha256, **parameters}, sort_keys=True)
    name = parameters.get("name") or f"{source.name}: customers as of {table.as_of.isoformat()}"
    dataset, _ = _dataset_store(
        owner=owner,
        typed=typed,
        name=name[: Dataset._meta.get_field("name").max_length],
        filename="",
        digest=hashlib.sha256(recipe.encode()).hexdigest(),
        size_bytes=0,
        reuse_same_bytes=False,
    )
    return dataset


def customer_table_job_execute(*, job_id: int) -> None:
    """Build a queued job's customer table. Idempotent: a job no longer queued (a second
    delivery) is left alone. A log that cannot be read fails the job with the reason."""

    def build(job: CustomerTableJob, progress: Callable[[int, str], None]) -> Dataset:
        return _customer_table_build(
            owner=job.owner, source=job.source, parameters=job.parameters, progress=progress
        )

    job_execute(
        CustomerTableJob,
        job_id,
        build=build,
        crashed="The customer table could not be built; try again.",
    )
