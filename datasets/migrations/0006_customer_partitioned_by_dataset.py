"""PostgreSQL only: `datasets_customer` becomes a table partitioned by dataset (LIST on
dataset_id). Uploads attach one partition per dataset (datasets/bulk.py); the existing table,
with every row it holds, becomes the DEFAULT partition, so nothing is copied and nothing is lost.
Other databases keep the plain table. Django's model state does not change."""

from django.db import migrations

PARENT = "datasets_customer"
DEFAULT = "datasets_customer_default"
INDEX = "customer_ext_id_row_idx"


def _foreign_keys(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        foreign_keys = _foreign_keys(cursor, PARENT)
    for name in foreign_keys:
        run(f'ALTER TABLE "{PARENT}" DROP CONSTRAINT "{name}"')
    run(f'ALTER TABLE "{PARENT}" RENAME TO "{DEFAULT}"')
    run(f'ALTER INDEX "{INDEX}" RENAME TO "{DEFAULT}_ext_id_row_idx"')
    run(f'ALTER TABLE "{DEFAULT}" RENAME CONSTRAINT "{PARENT}_pkey" TO "{DEFAULT}_pkey"')
    run(
        f'CREATE TABLE "{PARENT}" (LIKE "{DEFAULT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
        "PARTITION BY LIST (dataset_id)"
    )
    run(
        f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_dataset_id_fk_datasets_dataset_id" '
        'FOREIGN KEY (dataset_id) REFERENCES "datasets_dataset" (id) DEFERRABLE INITIALLY DEFERRED'
    )
    run(f'CREATE INDEX "{INDEX}" ON "{PARENT}" (dataset_id, external_id, row_number)')
    run(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{DEFAULT}" DEFAULT')


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname <> %s",
            [PARENT, DEFAULT],
        )
        partitions = [row[0] for row in cursor.fetchall()]
    for name in partitions:
        run(f'ALTER TABLE "{PARENT}" DETACH PARTITION "{name}"')
    run(f'ALTER TABLE "{PARENT}" DETACH PARTITION "{DEFAULT}"')
    run(f'DROP TABLE "{PARENT}"')
    # The foreign key goes before the rows come in: its checks would be pending at the commit,
    # and PostgreSQL alters no table with pending checks. It is added back, checked, below.
    with schema_editor.connection.cursor() as cursor:
        foreign_keys = _foreign_keys(cursor, DEFAULT)
    for name in foreign_keys:
        run(f'ALTER TABLE "{DEFAULT}" DROP CONSTRAINT "{name}"')
    for name in partitions:  # each dataset's rows move back into the one plain table
        run(f'INSERT INTO "{DEFAULT}" SELECT * FROM "{name}"')
        run(f'DROP TABLE "{name}"')
    run(f'ALTER TABLE "{DEFAULT}" RENAME TO "{PARENT}"')
    run(f'ALTER INDEX "{DEFAULT}_ext_id_row_idx" RENAME TO "{INDEX}"')
    run(f'ALTER TABLE "{PARENT}" RENAME CONSTRAINT "{DEFAULT}_pkey" TO "{PARENT}_pkey"')
    run(
        f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{PARENT}_dataset_id_fk_datasets_dataset_id" '
        'FOREIGN KEY (dataset_id) REFERENCES "datasets_dataset" (id) DEFERRABLE INITIALLY DEFERRED'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0005_customer_packed_id_no_attributes"),
        # Assignments no longer hold a database foreign key to customers: none can point into a
        # partitioned table by id alone.
        ("clustering", "0004_assignment_customer_no_db_constraint"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
