"""The customer storage migrations keep what a database already holds: ids are re-packed with
their assignments (0004), attributes stay in the Parquet copies (0005), and on PostgreSQL the
existing table becomes the partition of the datasets it holds (0006), and back again."""

import pandas as pd
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from datasets.bulk import customers_load
from datasets.models import Dataset, customer_pk

BEFORE = [
    ("datasets", "0003_customer_ext_id_index_with_row_number"),
    ("clustering", "0003_assignment_run_index_via_unique"),
]
PACKED = [
    ("datasets", "0005_customer_packed_id_no_attributes"),
    ("clustering", "0004_assignment_customer_no_db_constraint"),
]


def _latest() -> list[tuple[str, str]]:
    """Every migration of both apps (their leaf nodes, whatever was added since 0006/0004), so a
    test that went back leaves the database as the other tests expect it."""
    graph = MigrationExecutor(connection).loader.graph
    return [*graph.leaf_nodes("datasets"), *graph.leaf_nodes("clustering")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _is_partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'datasets_customer'")
        return cursor.fetchone()[0] == "p"


@pytest.mark.django_db(transaction=True)
def test_customer_migrations_keep_rows_and_assignments_both_ways():
    apps = _migrate(BEFORE)
    user = apps.get_model("accounts", "User").objects.create(username="m", email="m@example.com")
    dataset = apps.get_model("datasets", "Dataset").objects.create(owner=user, name="d", sha256="e")
    Customer = apps.get_model("datasets", "Customer")
    old = [
        Customer.objects.create(dataset=dataset, external_id=f"C{row}", row_number=row)
        for row in (1, 0, 2)  # ids in another order than rows
    ]
    run = apps.get_model("clustering", "ClusteringRun").objects.create(
        dataset=dataset, created_by=user
    )
    Assignment = apps.get_model("clustering", "Assignment")
    for label, customer in enumerate(old):
        Assignment.objects.create(run=run, customer=customer, cluster_label=label, confidence=1.0)

    try:
        apps = _migrate(_latest())
        Customer = apps.get_model("datasets", "Customer")
        rows = list(Customer.objects.order_by("id").values_list("id", "external_id", "row_number"))
        assert rows == [(customer_pk(dataset.pk, r), f"C{r}", r) for r in range(3)]
        labels = dict(
            apps.get_model("clustering", "Assignment")
            .objects.filter(run_id=run.pk)
            .values_list("customer_id", "cluster_label")
        )
        assert labels == {
            customer_pk(dataset.pk, 1): 0,
            customer_pk(dataset.pk, 0): 1,
            customer_pk(dataset.pk, 2): 2,
        }
        if connection.vendor == "postgresql":
            assert _is_partitioned()
            with connection.cursor() as cursor:  # the rows stayed in the table they were in
                cursor.execute("SELECT count(*) FROM datasets_customer_legacy")
                assert cursor.fetchone()[0] == 3
        uploaded = Dataset.objects.create(owner_id=user.pk, name="new", sha256="f")
        frame = pd.DataFrame({"id": ["N0", "N1"], "n": [1, 2]})
        customers_load(dataset=uploaded, frame=frame, id_column="id")  # a partition of its own

        apps = _migrate(PACKED)  # 0006 reversed: partitions' rows move back to the plain table
        Customer = apps.get_model("datasets", "Customer")
        assert Customer.objects.count() == 5
        assert list(
            Customer.objects.filter(dataset_id=uploaded.pk).values_list("id", "external_id")
        ) == [(customer_pk(uploaded.pk, 0), "N0"), (customer_pk(uploaded.pk, 1), "N1")]
        if connection.vendor == "postgresql":
            assert not _is_partitioned()
    finally:
        _migrate(_latest())
