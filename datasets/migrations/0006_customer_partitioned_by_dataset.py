"""PostgreSQL only: `datasets_customer` becomes a table partitioned by dataset (LIST on
dataset_id), one partition a dataset (datasets/bulk.py, models.partitions_ensure). Rows already
stored stay where they are: the existing table becomes the partition of the datasets it holds
(`datasets_customer_legacy`), so nothing is copied and nothing is lost. There is no DEFAULT
partition on purpose: attaching a partition would scan it whole every time. `external_id` takes
the "C" collation (byte order). Other databases keep the plain table. Django's model state does
not change."""

from django.db import migrations

PARENT = "datasets_customer"
LEGACY = "datasets_customer_legacy"
INDEX = "customer_ext_id_row_idx"
FOREIGN_KEY = "datasets_customer_dataset_id_fk_datasets_dataset_id"  # = datasets.models.CUSTOMER_DATASET_FOREIGN_KEY


def _foreign_keys(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _add_foreign_key(run, table: str) -> None:
    run(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{FOREIGN_KEY}" FOREIGN KEY (dataset_id) '
        'REFERENCES "datasets_dataset" (id) DEFERRABLE INITIALLY DEFERRED'
    )


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        foreign_keys = _foreign_keys(cursor, PARENT)
        cursor.execute(f'SELECT DISTINCT dataset_id FROM "{PARENT}" ORDER BY 1')
        dataset_ids = [row[0] for row in cursor.fetchall()]
    for name in foreign_keys:
        run(f'ALTER TABLE "{PARENT}" DROP CONSTRAINT "{name}"')
    run(f'ALTER TABLE "{PARENT}" RENAME TO "{LEGACY}"')
    run(f'ALTER INDEX "{INDEX}" RENAME TO "{LEGACY}_ext_id_row_idx"')
    run(f'ALTER TABLE "{LEGACY}" RENAME CONSTRAINT "{PARENT}_pkey" TO "{LEGACY}_pkey"')
    # Ids compare byte by byte: equality is the same in every deterministic collation, and the
    # look-up index of each upload builds ~25% faster when the ids are not in file order
    # (tests/benchmarks/bench_ingest.py --shuffled).
    run(f'ALTER TABLE "{LEGACY}" ALTER COLUMN external_id TYPE varchar(128) COLLATE "C"')
    run(
        f'CREATE TABLE "{PARENT}" (LIKE "{LEGACY}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
        "PARTITION BY LIST (dataset_id)"
    )
    _add_foreign_key(run, PARENT)
    run(f'CREATE INDEX "{INDEX}" ON "{PARENT}" (dataset_id, external_id, row_number)')
    if dataset_ids:
        values = ", ".join(str(int(dataset_id)) for dataset_id in dataset_ids)
        run(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{LEGACY}" FOR VALUES IN ({values})')
    else:
        run(f'DROP TABLE "{LEGACY}"')


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [PARENT],
        )
        partitions = [row[0] for row in cursor.fetchall()]
    run(f'ALTER TABLE "{PARENT}" RENAME TO "{PARENT}_partitioned"')
    run(f'ALTER INDEX "{INDEX}" RENAME TO "{PARENT}_partitioned_ext_id_row_idx"')
    # The plain table gets every row, then its keys: a foreign key's checks would be pending at
    # the commit, and PostgreSQL alters no table with pending checks.
    run(
        f'CREATE TABLE "{PARENT}" (LIKE "{PARENT}_partitioned" INCLUDING DEFAULTS '
        "INCLUDING CONSTRAINTS)"
    )
    run(f'ALTER TABLE "{PARENT}" ALTER COLUMN external_id TYPE varchar(128) COLLATE "default"')
    for name in partitions:
        run(f'INSERT INTO "{PARENT}" SELECT * FROM "{name}"')
    run(f'DROP TABLE "{PARENT}_partitioned"')  # and its partitions
    run(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_pkey" PRIMARY KEY (id)')
    run(f'CREATE INDEX "{INDEX}" ON "{PARENT}" (dataset_id, external_id, row_number)')
    _add_foreign_key(run, PARENT)


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0005_customer_packed_id_no_attributes"),
        # Assignments no longer hold a database foreign key to customers: none can point into a
        # partitioned table by id alone.
        ("clustering", "0004_assignment_customer_no_db_constraint"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
