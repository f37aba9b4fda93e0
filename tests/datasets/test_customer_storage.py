"""How customers are stored: ids that pack dataset and row, one PostgreSQL partition per upload,
values read back from the Parquet copy, and nothing left behind when a dataset or its owner goes.
Runs on SQLite and PostgreSQL; the partition checks read PostgreSQL's catalog."""

import io

import pandas as pd
import pytest
from django.conf import settings
from django.db import connection

from accounts.services import user_delete
from datasets.bulk import customers_load
from datasets.models import Customer, Dataset, customer_pk, partition_name
from datasets.selectors import customer_attributes
from datasets.services import dataset_create_from_upload, dataset_delete
from tests.datasets.conftest import csv_file, media_files
from tests.factories import CustomerFactory, DatasetFactory

pytestmark = pytest.mark.django_db


def attached_partitions() -> dict[str, str]:
    """Partition table -> its bound, of the customer table (empty on SQLite, which has none)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'datasets_customer'::regclass"
        )
        return dict(cursor.fetchall())


def table_exists(name: str) -> bool:
    return name in connection.introspection.table_names()


def test_upload_gets_its_own_partition_and_delete_drops_it(analyst, demo_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(demo_csv))
    ids = list(Customer.objects.filter(dataset=dataset).values_list("id", "row_number"))
    assert ids == [(customer_pk(dataset.pk, row), row) for row in range(200)]
    if connection.vendor == "postgresql":
        assert attached_partitions() == {
            partition_name(dataset.pk): f"FOR VALUES IN ('{dataset.pk}')"
        }
        with connection.cursor() as cursor:  # the look-up can scan that partition's index
            cursor.execute("SET LOCAL enable_seqscan = off")  # 200 rows: a scan would be chosen
            cursor.execute(
                "EXPLAIN SELECT id FROM datasets_customer WHERE dataset_id = %s "
                "AND external_id = 'C0000100'",
                [dataset.pk],
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert partition_name(dataset.pk) in plan
        assert "Index" in plan

    table = partition_name(dataset.pk)

    dataset_delete(dataset=dataset)

    assert not Customer.objects.exists()
    assert not table_exists(table)
    assert attached_partitions() == {}


def test_customers_written_through_the_orm_get_their_datasets_partition(analyst):
    """Rows not loaded by an upload (fixtures, scripts) get a partition made for their dataset."""
    dataset = DatasetFactory(owner=analyst)
    first = CustomerFactory(dataset=dataset, row_number=0)
    Customer.objects.bulk_create([Customer(dataset=dataset, row_number=1, external_id="B")])
    assert first.pk == customer_pk(dataset.pk, 0)
    assert Customer.objects.get(dataset=dataset, external_id="B").pk == customer_pk(dataset.pk, 1)
    if connection.vendor == "postgresql":
        assert attached_partitions() == {
            partition_name(dataset.pk): f"FOR VALUES IN ('{dataset.pk}')"
        }
    table = partition_name(dataset.pk)

    dataset_delete(dataset=dataset)

    assert not Customer.objects.exists()
    assert not table_exists(table)


def test_an_id_that_does_not_pack_dataset_and_row_is_refused(analyst):
    from django.db import IntegrityError

    dataset = DatasetFactory(owner=analyst)
    with pytest.raises(IntegrityError):
        Customer.objects.create(id=12345, dataset=dataset, row_number=0, external_id="X")


def test_a_stale_table_of_the_same_dataset_id_does_not_block_the_load(analyst):
    """A dataset row removed without the service (e.g. a truncated database) can leave its
    table behind; the next dataset with that id loads anyway."""
    dataset = Dataset.objects.create(owner=analyst, name="next", sha256="d" * 64)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE "{partition_name(dataset.pk)}" (stale integer)')
    frame = pd.DataFrame({"customer_id": ["A", "B"], "n": [1, 2]})

    assert customers_load(dataset=dataset, frame=frame, id_column="customer_id") == 2

    assert list(dataset.customers.values_list("external_id", flat=True)) == ["A", "B"]


def test_customer_attributes_reads_rows_from_several_row_groups(analyst):
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(100)],
            "n": range(100),
            "when": pd.date_range("2024-01-01", periods=100, freq="D"),
            "x": [float("nan") if i % 10 == 0 else i / 2 for i in range(100)],
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, row_group_size=16)  # 7 groups
    dataset = DatasetFactory(owner=analyst)
    dataset.parquet_file.save("rows.parquet", io.BytesIO(buffer.getvalue()), save=True)

    values = customer_attributes(dataset=dataset, row_numbers=[99, 0, 17, 17, 250, -1])

    assert sorted(values) == [0, 17, 99]  # rows outside the table are left out
    assert values[17] == {"customer_id": "C17", "n": 17, "when": "2024-01-18T00:00:00", "x": 8.5}
    assert values[0]["x"] is None  # NaN is not JSON
    assert values[99]["n"] == 99


def test_customers_api_page_carries_each_rows_values(analyst_client, analyst, demo_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(demo_csv))
    frame = pd.read_csv(io.BytesIO(demo_csv))

    response = analyst_client.get(
        f"/api/v1/datasets/{dataset.pk}/customers/", {"page": 2, "page_size": 50}
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["row_number"] for r in results] == list(range(50, 100))
    for result in results:
        expected = frame.iloc[result["row_number"]]
        assert result["external_id"] == expected["customer_id"]
        assert result["attributes"]["customer_id"] == expected["customer_id"]
        assert result["attributes"]["age"] == expected["age"]
        assert result["attributes"]["region"] == expected["region"]


def test_deleting_an_account_deletes_its_datasets_tables_and_files(
    analyst, demo_csv, django_capture_on_commit_callbacks
):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(demo_csv))
    table = partition_name(dataset.pk)
    assert media_files(settings.MEDIA_ROOT)

    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=analyst)

    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert not table_exists(table)
    assert media_files(settings.MEDIA_ROOT) == []


def test_customers_of_a_dataset_whose_file_is_missing_are_410_with_a_reason(
    analyst_client, analyst, small_csv
):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    dataset.parquet_file.storage.delete(dataset.parquet_file.name)

    response = analyst_client.get(f"/api/v1/datasets/{dataset.pk}/customers/")

    assert response.status_code == 410
    assert "data file" in response.json()["detail"]
    assert "upload the file again" in response.json()["detail"]
