"""Bulk loading and deleting of a dataset's customers: never row by row.

PostgreSQL gets one `COPY ... FROM STDIN` fed in chunks of CHUNK_ROWS rows, built column-wise by
Arrow (`ingest.records`) in a helper thread at most PREFETCH_CHUNKS ahead, so the next chunk is
built while the server parses the last one and memory stays bounded (psycopg's own queued writer
would buffer the whole table when the server is the slower side). Other databases get batched
`bulk_create`. Callers wrap these in a transaction: a failure leaves no row behind."""

import json
import queue
import threading
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction

try:  # PostgreSQL only; SQLite runs need no driver
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None

from .ingest.records import json_objects
from .models import Customer, Dataset

CHUNK_ROWS = 50_000  # ~10 MB of COPY text a chunk: bounded memory, few round trips
PREFETCH_CHUNKS = 2
BULK_CREATE_BATCH_ROWS = 2_000
MAX_EXTERNAL_ID_CHARS = Customer._meta.get_field("external_id").max_length
_COPY_SPECIAL = r"[\\\t\n\r]"


def _row_numbers(start: int, stop: int) -> pa.Array:
    return pc.cast(pa.array(np.arange(start, stop)), pa.string())


def _external_ids(
    frame: pd.DataFrame, *, id_column: str | None, start: int, row_numbers: pa.Array
) -> pa.Array:
    """The id column's values as text (the row number where there is none), cut to the model's
    length; `row_numbers` are those of the rows from `start` on, as text."""
    stop = start + len(row_numbers)
    if id_column is None:
        return row_numbers
    values = frame[id_column].iloc[start:stop]
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy()
        whole = np.isfinite(numbers) & (np.mod(numbers, 1) == 0)
        text = pc.if_else(
            pa.array(whole),
            pc.cast(pa.array(np.where(whole, numbers, 0).astype(np.int64)), pa.string()),
            pc.cast(pa.array(numbers, mask=~np.isfinite(numbers)), pa.string()),
        )
    else:
        text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    text = pc.utf8_slice_codeunits(text, 0, MAX_EXTERNAL_ID_CHARS)
    ids = pc.if_else(pc.is_null(text), row_numbers, text)
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _copy_escape(values: pa.Array) -> pa.Array:
    """Escape the characters COPY's text format gives a meaning: backslash, tab, newlines."""
    if not pc.any(pc.match_substring_regex(values, _COPY_SPECIAL)).as_py():
        return values
    for plain, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        values = pc.replace_substring(values, plain, escaped)
    return values


def _copy_chunks(
    frame: pd.DataFrame, *, dataset_id: int, id_column: str | None
) -> Iterator[memoryview]:
    for start in range(0, len(frame), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(frame))
        row_numbers = _row_numbers(start, stop)
        external_ids = _copy_escape(
            _external_ids(frame, id_column=id_column, start=start, row_numbers=row_numbers)
        )
        attributes = _copy_escape(json_objects(frame.iloc[start:stop]))
        lines = pc.binary_join_element_wise(
            f"{dataset_id}\t", external_ids, "\t", row_numbers, "\t", attributes, "\n", ""
        )
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
        yield memoryview(lines.buffers()[2])[first:last]


def _prefetch(chunks: Iterator[memoryview], *, depth: int) -> Iterator[memoryview]:
    """Run `chunks` in a helper thread, at most `depth` items ahead of the consumer. Arrow
    releases the GIL, so building overlaps with sending. Errors reach the consumer."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        buffer.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="customers-copy-chunks", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _copy_postgresql(frame: pd.DataFrame, *, dataset: Dataset, id_column: str | None) -> None:
    table = connection.ops.quote_name(Customer._meta.db_table)
    statement = f"COPY {table} (dataset_id, external_id, row_number, attributes) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        skip_triggers = _replica_role_on(raw)
        # On failure the caller's transaction (or savepoint) rolls back, the setting with it.
        chunks = _copy_chunks(frame, dataset_id=dataset.pk, id_column=id_column)
        with raw.copy(statement) as copy:
            for chunk in _prefetch(chunks, depth=PREFETCH_CHUNKS):
                copy.write(chunk)
        if skip_triggers:
            raw.execute("SET LOCAL session_replication_role = origin")


def _replica_role_on(cursor: "psycopg.Cursor") -> bool:
    """Skip the per-row foreign-key trigger during COPY where the role may (superuser, or
    PostgreSQL 15+ with SET granted). The only foreign key of these rows is to the dataset row
    inserted just before in the same transaction, so it holds by construction; the trigger alone
    cost 3.4 s per million rows at commit (tests/benchmarks/bench_ingest.py)."""
    with transaction.atomic():  # a savepoint: a refusal must not abort the upload's transaction
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except psycopg.Error:  # not allowed for this role: keep the trigger
            transaction.set_rollback(True)
            return False
    return True


def _bulk_create(frame: pd.DataFrame, *, dataset: Dataset, id_column: str | None) -> None:
    for start in range(0, len(frame), BULK_CREATE_BATCH_ROWS):
        stop = min(start + BULK_CREATE_BATCH_ROWS, len(frame))
        external_ids = _external_ids(
            frame, id_column=id_column, start=start, row_numbers=_row_numbers(start, stop)
        )
        attributes = json_objects(frame.iloc[start:stop])
        Customer.objects.bulk_create(
            [
                Customer(
                    dataset_id=dataset.pk,  # the id, not the instance: no descriptor per row
                    external_id=external_id,
                    row_number=start + offset,
                    attributes=json.loads(document),
                )
                for offset, (external_id, document) in enumerate(
                    zip(external_ids.to_pylist(), attributes.to_pylist(), strict=True)
                )
            ],
            batch_size=BULK_CREATE_BATCH_ROWS,
        )


def customers_load(*, dataset: Dataset, frame: pd.DataFrame, id_column: str | None) -> int:
    """Insert one Customer per row of `frame` (row_number = position); return the count."""
    if connection.vendor == "postgresql":
        _copy_postgresql(frame, dataset=dataset, id_column=id_column)
    else:
        _bulk_create(frame, dataset=dataset, id_column=id_column)
    return len(frame)


def customers_delete(*, dataset: Dataset) -> None:
    """Delete the dataset's customers, and every row that points at them (e.g. clustering
    assignments), one statement a table instead of Django's row-by-row cascade collection."""
    customers = Customer.objects.filter(dataset=dataset)
    for relation in Customer._meta.related_objects:
        field = relation.field
        referencing = relation.related_model._base_manager.filter(
            **{f"{field.name}__dataset": dataset}
        )
        referencing._raw_delete(referencing.db)
    if connection.vendor != "postgresql":
        customers._raw_delete(customers.db)
        return
    with connection.cursor() as cursor:
        # Nothing points at these rows any more (deleted just above, in this transaction), so
        # the per-row check that nothing does is skipped where allowed: 1M rows, ~15 s -> ~2 s.
        skip_triggers = _replica_role_on(cursor.cursor)
        customers._raw_delete(customers.db)
        if skip_triggers:
            cursor.execute("SET LOCAL session_replication_role = origin")
