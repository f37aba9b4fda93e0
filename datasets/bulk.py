"""Bulk loading and deleting of a dataset's customers: never row by row.

A Customer row is (id, dataset, external id, row number); the row's values stay in the Parquet
copy. The rows of one upload are written in one go:

- PostgreSQL: `datasets_customer` is partitioned by dataset (migration 0006). An upload creates
  a plain table for its dataset, fills it with one `COPY ... FROM STDIN` (text built column-wise
  by Arrow, no Python loop per row), builds its primary key and look-up index in one sorted pass
  each, and attaches it as the dataset's partition. Loading into an unindexed table and indexing
  once is several times faster than maintaining the indexes of a shared table row by row
  (tests/benchmarks/bench_ingest.py), and deleting the dataset drops its table.
- Other databases (SQLite): batched `executemany` of plain INSERTs.

Callers wrap these in a transaction with the dataset row: a failure leaves no row and no table
behind. On PostgreSQL attaching a partition adds its foreign key to `datasets_dataset`, which
waits for every open transaction that wrote a dataset row: two uploads that had each inserted
their row and then attached would wait for each other (a deadlock). `partitions_lock()` orders
them: an upload takes it before inserting its row, a deletion before dropping a partition, and
holds it to the commit. A registration of Parquet data, whose load can take minutes, fills and
indexes its table first and takes the lock only then (`customers_load_before_row`)."""

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction

from .models import (
    CUSTOMER_DATASET_FOREIGN_KEY,
    ROWS_PER_DATASET,
    Customer,
    Dataset,
    customer_pk,
    partition_name,
)

# pg_advisory_xact_lock key of partition changes ("dscust" in ASCII); nothing else uses it.
PARTITIONS_LOCK_KEY = 0x647363757374
CHUNK_ROWS = 100_000  # ~3 MB of COPY text a chunk: bounded memory, few round trips
MAX_EXTERNAL_ID_CHARS = Customer._meta.get_field("external_id").max_length
_COPY_SPECIAL = (b"\\", b"\t", b"\n", b"\r")


def partitions_lock() -> None:
    """PostgreSQL: wait for, then hold until the transaction ends, the one lock that orders
    uploads and deletions of datasets (see the module's docstring); nothing elsewhere (SQLite's
    IMMEDIATE transactions already take the database's write lock at BEGIN). Call it inside the
    transaction, before the dataset row is written."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITIONS_LOCK_KEY])


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
    longest = pc.max(pc.binary_length(text)).as_py()  # bytes >= characters: a cheap bound
    if longest is not None and longest > MAX_EXTERNAL_ID_CHARS:
        text = pc.utf8_slice_codeunits(text, 0, MAX_EXTERNAL_ID_CHARS)
    ids = pc.if_else(pc.is_null(text), row_numbers, text)
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _copy_escape(values: pa.Array) -> pa.Array:
    """Escape the characters COPY's text format gives a meaning: backslash, tab, newlines."""
    characters = values.buffers()[2]  # the values' UTF-8 bytes, one buffer: searched at C speed
    raw = characters.to_pybytes() if characters is not None else b""
    if not any(special in raw for special in _COPY_SPECIAL):  # ASCII: never inside a UTF-8 char
        return values
    for plain, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        values = pc.replace_substring(values, plain, escaped)
    return values


def _pieces(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start : start + CHUNK_ROWS]


class _Counter:
    """Counts the rows of the pieces passed through it (bounded by ROWS_PER_DATASET)."""

    def __init__(self) -> None:
        self.rows = 0

    def each(self, pieces: Iterable[pd.DataFrame]) -> Iterator[tuple[int, pd.DataFrame]]:
        for piece in pieces:
            start = self.rows
            self.rows += len(piece)
            if self.rows >= ROWS_PER_DATASET:
                raise ValueError(f"A dataset holds fewer than {ROWS_PER_DATASET:,} rows.")
            if len(piece):
                yield start, piece


def _copy_chunks(
    pieces: Iterable[tuple[int, pd.DataFrame]], *, dataset_id: int, id_column: str | None
) -> Iterator[memoryview]:
    """COPY text lines `id<TAB>dataset_id<TAB>external_id<TAB>row_number`, one chunk a piece
    (`start`: the row number of the piece's first row)."""
    for start, piece in pieces:
        stop = start + len(piece)
        row_numbers = _row_numbers(start, stop)
        ids = pc.cast(pa.array(customer_pk(dataset_id, np.arange(start, stop))), pa.string())
        external_ids = _copy_escape(
            _external_ids(piece, id_column=id_column, start=0, row_numbers=row_numbers)
        )
        lines = pc.binary_join_element_wise(
            ids, f"\t{dataset_id}\t", external_ids, "\t", row_numbers, "\n", ""
        )
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
        yield memoryview(lines.buffers()[2])[first:last]


def _copy_postgresql(
    pieces: Iterable[tuple[int, pd.DataFrame]], *, dataset: Dataset, id_column: str | None
) -> None:
    _copy_table(pieces, dataset_id=int(dataset.pk), id_column=id_column)
    _attach(int(dataset.pk))


def _attach(dataset_id: int) -> None:
    quote = connection.ops.quote_name
    parent = quote(Customer._meta.db_table)
    table = quote(partition_name(dataset_id))
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Takes the parent's index above as its own, adds and checks the foreign key to the
        # dataset; SHARE UPDATE EXCLUSIVE on the parent: reads and writes of others go on.
        cursor.execute(
            f"ALTER TABLE {parent} ATTACH PARTITION {table} FOR VALUES IN ({dataset_id})"
        )


def _copy_table(
    pieces: Iterable[tuple[int, pd.DataFrame]], *, dataset_id: int, id_column: str | None
) -> None:
    """The dataset's customer table, filled and indexed, not attached yet."""
    quote = connection.ops.quote_name
    parent = quote(Customer._meta.db_table)
    name = partition_name(dataset_id)
    table = quote(name)
    # Atomic on its own (a savepoint inside the caller's transaction): COPY FREEZE needs the
    # table created in the same (sub)transaction, and a failure leaves no table behind.
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        # A table of this name can only be left over from a dataset whose row was removed
        # without the service (a truncated test database, a manual delete): it is stale.
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        # Proves the partition bound, so ATTACH need not scan the rows to check it.
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name + '_bound')} "
            f"CHECK (dataset_id IS NOT NULL AND dataset_id = {dataset_id})"
        )
        columns = "id, dataset_id, external_id, row_number"
        # FREEZE: the table was created in this transaction, so the rows are written frozen
        # and nothing rewrites them later.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)") as copy:
            for chunk in _copy_chunks(pieces, dataset_id=dataset_id, id_column=id_column):
                copy.write(chunk)
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name + '_pkey')} PRIMARY KEY (id)"
        )
        cursor.execute(
            f"CREATE INDEX {quote(name + '_ext_id_row_idx')} ON {table} "
            "(dataset_id, external_id, row_number)"
        )


_INSERT_BATCH_ROWS = 50_000


def _insert_batches(
    pieces: Iterable[tuple[int, pd.DataFrame]], *, dataset: Dataset, id_column: str | None
) -> None:
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Customer._meta.db_table)} "  # noqa: S608 - our own table name
        "(id, dataset_id, external_id, row_number) VALUES (%s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for first, piece in pieces:
            for offset in range(0, len(piece), _INSERT_BATCH_ROWS):
                batch = piece.iloc[offset : offset + _INSERT_BATCH_ROWS]
                start = first + offset
                rows = np.arange(start, start + len(batch))
                external_ids = _external_ids(
                    batch,
                    id_column=id_column,
                    start=0,
                    row_numbers=_row_numbers(start, start + len(batch)),
                )
                cursor.executemany(
                    sql,
                    list(
                        zip(
                            customer_pk(dataset.pk, rows).tolist(),
                            [dataset.pk] * len(rows),
                            external_ids.to_pylist(),
                            rows.tolist(),
                            strict=True,
                        )
                    ),
                )


def customers_load(*, dataset: Dataset, frame: pd.DataFrame, id_column: str | None) -> int:
    """Insert one Customer per row of `frame` (row_number = position); return the count."""
    if len(frame) >= ROWS_PER_DATASET:
        raise ValueError(f"A dataset holds fewer than {ROWS_PER_DATASET:,} rows.")
    return customers_load_pieces(dataset=dataset, pieces=_pieces(frame), id_column=id_column)


def customers_load_pieces(
    *, dataset: Dataset, pieces: Iterable[pd.DataFrame], id_column: str | None
) -> int:
    """Insert one Customer per row of the frames `pieces`, in order (row numbers run on from
    one piece to the next), holding one piece in memory at a time: a table larger than memory
    (a registered Parquet dataset read part by part) loads in one COPY on PostgreSQL. Each
    piece needs only the id column. Returns the count."""
    counter = _Counter()
    if connection.vendor == "postgresql":
        _copy_postgresql(counter.each(pieces), dataset=dataset, id_column=id_column)
    else:
        _insert_batches(counter.each(pieces), dataset=dataset, id_column=id_column)
    return counter.rows


def customers_load_before_row(
    *,
    dataset: Dataset,
    pieces: Iterable[pd.DataFrame],
    id_column: str | None,
    insert_row: Callable[[], bool],
) -> int:
    """`customers_load_pieces` for a dataset whose row is not written yet, so that a long load
    does not hold `partitions_lock` (which every upload and deletion waits for). On PostgreSQL
    the dataset's id is taken from its sequence and its customer table filled and indexed first;
    then `insert_row()` takes the lock and writes the row, and the table is attached. Elsewhere
    (SQLite: one writer at a time, the lock is the database's) `insert_row()` runs first and the
    rows are inserted after. When `insert_row()` answers False (it wrote no row) nothing is
    attached or inserted, and the caller rolls its transaction back. Call it inside a
    transaction. Returns the count of rows loaded."""
    counter = _Counter()
    if connection.vendor != "postgresql":
        if insert_row():
            _insert_batches(counter.each(pieces), dataset=dataset, id_column=id_column)
        return counter.rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Dataset._meta.db_table])
        dataset.pk = int(cursor.fetchone()[0])
    _copy_table(counter.each(pieces), dataset_id=int(dataset.pk), id_column=id_column)
    if insert_row():
        _attach(int(dataset.pk))
    return counter.rows


def customers_delete(*, dataset: Dataset) -> None:
    """Delete the dataset's customers, and every row that points at them (e.g. clustering
    assignments), one statement a table (ids of one dataset are one range, see `customer_pk`)
    instead of Django's row-by-row cascade collection. On PostgreSQL the dataset's partition is
    dropped."""
    first, after = customer_pk(dataset.pk, 0), customer_pk(dataset.pk + 1, 0)
    for relation in Customer._meta.related_objects:
        field = relation.field
        referencing = relation.related_model._base_manager.filter(
            **{f"{field.attname}__gte": first, f"{field.attname}__lt": after}
        )
        referencing._raw_delete(referencing.db)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # Rows inserted through the ORM in this transaction have their foreign-key checks
            # pending, and PostgreSQL drops no table with pending checks: run them now.
            cursor.execute(f"SET CONSTRAINTS {quote(CUSTOMER_DATASET_FOREIGN_KEY)} IMMEDIATE")
            cursor.execute(f"SET CONSTRAINTS {quote(CUSTOMER_DATASET_FOREIGN_KEY)} DEFERRED")
            # ACCESS EXCLUSIVE on the parent until the commit: callers drop it last.
            cursor.execute(f"DROP TABLE IF EXISTS {quote(partition_name(dataset.pk))}")
    customers = Customer.objects.filter(dataset=dataset)
    customers._raw_delete(customers.db)
