"""Services and selectors of datasets, on the real database (SQLite or PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import Http404

from clustering.models import Assignment
from datasets.models import CurrentDataset, Customer, Dataset, customer_pk
from datasets.selectors import (
    column_for_role,
    current_dataset_get,
    customer_attributes,
    dataset_frame_load,
    dataset_get,
    dataset_list,
)
from datasets.services import (
    current_dataset_set,
    dataset_create_from_upload,
    dataset_delete,
    workspace_reset,
)
from tests.datasets.conftest import csv_file, media_files
from tests.factories import AnalystFactory, ClusteringRunFactory, UserFactory

pytestmark = pytest.mark.django_db


def _refuse_fourth_customer() -> None:
    """A real database failure in the middle of the bulk load: the database refuses row 3 (a
    check constraint on PostgreSQL, which each upload's table copies from the partitioned parent
    before its COPY; a trigger on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE datasets_customer ADD CONSTRAINT refused_by_the_test "
                "CHECK (row_number <> 3)"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER ds_refuse_row BEFORE INSERT ON datasets_customer "
                "WHEN NEW.row_number = 3 "
                "BEGIN SELECT RAISE(ABORT, 'refused_by_the_test'); END"
            )


def _customer_partitions() -> list[str]:
    """The per-dataset customer tables on PostgreSQL (none elsewhere)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'datasets\\_customer\\_p%%' "
            "AND relkind = 'r'"
        )
        return [row[0] for row in cursor.fetchall()]


def test_dataset_create_from_upload_failure_mid_load_leaves_nothing(analyst, demo_csv, settings):
    _refuse_fourth_customer()
    with pytest.raises(DatabaseError, match="refused_by_the_test"):
        dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(demo_csv))
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert _customer_partitions() == []
    assert media_files(settings.MEDIA_ROOT) == []


def test_dataset_create_from_upload_loads_every_row_in_order(analyst, demo_csv):
    dataset, created = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(demo_csv))
    assert created
    assert dataset.n_rows == 200
    customers = list(
        dataset.customers.order_by("row_number").values_list("external_id", "row_number")
    )
    assert customers[:2] == [("C0000001", 0), ("C0000002", 1)]
    assert len(customers) == 200
    frame = dataset_frame_load(dataset=dataset)
    assert frame["customer_id"].tolist()[:2] == ["C0000001", "C0000002"]
    first = customer_attributes(dataset=dataset, row_numbers=[0])[0]
    assert first["age"] == int(frame.loc[0, "age"])
    assert first["annual_income"] == pytest.approx(float(frame.loc[0, "annual_income"]))


def test_dataset_create_from_upload_dedupes_per_owner_only(analyst, small_csv):
    first, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    again, created = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    assert (again.pk, created) == (first.pk, False)
    other, created = dataset_create_from_upload(
        owner=AnalystFactory(), uploaded_file=csv_file(small_csv)
    )
    assert created
    assert other.pk != first.pk


def test_dataset_create_from_upload_gz_name_with_plain_text_is_refused_by_its_name(
    analyst, small_csv
):
    # Document 000: "Only CSV files are allowed", by the name, whatever the bytes hold.
    with pytest.raises(ValidationError, match=r"Only CSV files are allowed: 'export\.csv\.gz'"):
        dataset_create_from_upload(
            owner=analyst, uploaded_file=csv_file(small_csv, name="export.csv.gz")
        )
    assert not Dataset.objects.exists()


def test_dataset_create_from_upload_without_id_column_uses_row_numbers(analyst):
    content = b"age,income\n30,50\n40,60\n50,70\n"
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(content))
    assert list(dataset.customers.values_list("external_id", flat=True)) == ["0", "1", "2"]


def test_dataset_create_from_upload_bad_file_raises_validation_error(analyst):
    with pytest.raises(ValidationError, match="no data rows"):
        dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(b"a,b\n"))


def test_dataset_frame_load_reads_only_asked_columns(analyst, small_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    frame = dataset_frame_load(dataset=dataset, columns=["age", "region"])
    assert list(frame.columns) == ["age", "region"]
    assert frame["region"].tolist() == ["North", "NA", "South", "East", "West"]


def test_column_for_role_finds_the_column(analyst, small_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    assert column_for_role(dataset=dataset, role="income") == "annual_income"
    assert column_for_role(dataset=dataset, role="tenure") is None


def test_dataset_get_of_another_owner_raises_404(analyst, small_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    with pytest.raises(Http404):
        dataset_get(user=AnalystFactory(), pk=dataset.pk)
    admin = UserFactory(role="admin")
    assert dataset_get(user=admin, pk=dataset.pk) == dataset
    assert list(dataset_list(user=UserFactory())) == []


def test_current_dataset_get_follows_set_and_reset(analyst, small_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    assert current_dataset_get(user=analyst) is None
    current_dataset_set(user=analyst, dataset=dataset)
    assert current_dataset_get(user=analyst) == dataset
    workspace_reset(user=analyst)
    assert current_dataset_get(user=analyst) is None
    assert Dataset.objects.filter(pk=dataset.pk).exists()


def test_current_dataset_get_hides_a_dataset_the_user_may_not_see(analyst, small_csv):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    stranger = UserFactory()
    CurrentDataset.objects.create(user=stranger, dataset=dataset)
    assert current_dataset_get(user=stranger) is None


def test_dataset_delete_removes_runs_assignments_customers_and_file(
    analyst, small_csv, settings, django_capture_on_commit_callbacks
):
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(small_csv))
    run = ClusteringRunFactory(dataset=dataset)
    Assignment.objects.bulk_create(
        Assignment(run=run, customer=customer, cluster_label=0, confidence=90.0)
        for customer in dataset.customers.all()
    )
    with django_capture_on_commit_callbacks(execute=True):
        dataset_delete(dataset=dataset)
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert not Assignment.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def test_customers_load_handles_columns_read_in_several_blocks(analyst):
    """Large files come out of pyarrow's reader as chunked columns; every row still loads, and
    ids holding COPY's special characters (tab, newline, backslash) arrive unchanged."""
    import pyarrow as pa

    from datasets.bulk import customers_load

    table = pa.Table.from_batches(
        [
            pa.record_batch({"customer_id": ["A1", "A2"], "note": ["x", 'q"uote'], "n": [1, 2]}),
            pa.record_batch(
                {"customer_id": ["A\t3", "A\\4\n"], "note": ["tab\tin", None], "n": [3, 4]}
            ),
        ]
    )
    frame = table.to_pandas()
    dataset = Dataset.objects.create(owner=analyst, name="chunked", sha256="c" * 64)
    assert customers_load(dataset=dataset, frame=frame, id_column="customer_id") == 4
    loaded = list(dataset.customers.values_list("id", "external_id", "row_number"))
    assert loaded == [
        (customer_pk(dataset.pk, row), external_id, row)
        for row, external_id in enumerate(["A1", "A2", "A\t3", "A\\4\n"])
    ]


def test_dataset_create_from_upload_stores_dates_and_integer_ids_as_json(analyst):
    content = (
        b"CustomerID,joined,score,ratio\n"
        b"101,2024-01-05,1,0.5\n"
        b"102,2023-12-31 10:30:00,2,nan\n"
        b"103,,3,inf\n"
    )
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(content))
    external_ids = list(dataset.customers.values_list("external_id", flat=True))
    assert external_ids == ["101", "102", "103"]
    values = customer_attributes(dataset=dataset, row_numbers=[0, 1, 2])
    rows = [(external_ids[row], values[row]) for row in range(3)]
    assert rows[0][1] == {
        "CustomerID": 101,
        "joined": "2024-01-05T00:00:00",
        "score": 1,
        "ratio": 0.5,
    }
    assert rows[1][1]["joined"] == "2023-12-31T10:30:00"
    assert rows[1][1]["ratio"] is None
    assert rows[2][1]["joined"] is None
    assert rows[2][1]["ratio"] is None


def test_customers_load_cuts_long_ids_and_writes_whole_float_ids_as_integers(analyst):
    import pandas as pd

    from datasets.bulk import customers_load

    long_id = "x" * 200
    frames = {
        "text": pd.DataFrame({"id": [long_id, None], "n": [1, 2]}),
        "float": pd.DataFrame({"id": [101.0, 2.5, float("nan")], "n": [1, 2, 3]}),
    }
    expected = {"text": ["x" * 128, "1"], "float": ["101", "2.5", "2"]}
    for name, frame in frames.items():
        dataset = Dataset.objects.create(owner=analyst, name=name, sha256=name[0] * 64)
        customers_load(dataset=dataset, frame=frame, id_column="id")
        loaded = dataset.customers.order_by("row_number").values_list("external_id", flat=True)
        assert list(loaded) == expected[name]
