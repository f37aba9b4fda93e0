"""POST /api/v1/datasets/register/: Parquet data already under the data root (DATA_URL) becomes a
dataset like an upload (schema, quality, roles, one customer per row with its external id),
read in place; URLs outside the root, missing or non-Parquet data and data without an id column
are refused with a 400 that says why."""

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from clustering.models import Assignment, ClusteringRun
from clustering.services import run_create, run_execute
from config.storage import data_storage
from datasets.demo import generate_customers
from datasets.models import Customer, Dataset
from datasets.selectors import customer_attributes, dataset_frame_load

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/datasets/register/"


def _customers(rows: int, *, seed: int = 0) -> pd.DataFrame:
    frame = generate_customers(rows, seed=seed)
    frame["gender"] = frame["gender"].astype(str)
    frame["region"] = frame["region"].astype(str)
    return frame


def _write(key: str, frame: pd.DataFrame, *, row_group_size: int = 64) -> None:
    with data_storage().open(key, "wb") as handle:
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), handle, row_group_size=row_group_size
        )


def _write_parts(folder: str, frame: pd.DataFrame, parts: int) -> None:
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    for number in range(parts):
        _write(f"{folder}/part.{number}.parquet", frame.iloc[bounds[number] : bounds[number + 1]])
    data_storage().write_bytes(f"{folder}/_SUCCESS", b"")


def test_register_a_parquet_file_records_it_like_an_upload(analyst_client):
    frame = _customers(300)
    frame.loc[[3, 50, 299], "annual_income"] = np.nan
    _write("incoming/customers.parquet", frame)

    response = analyst_client.post(
        REGISTER, {"url": data_storage().url("incoming/customers.parquet")}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["registered"] is True
    dataset = Dataset.objects.get(pk=body["id"])
    assert dataset.registered
    assert dataset.n_rows == 300
    assert dataset.n_columns == frame.shape[1]
    assert dataset.parquet_file.name == "incoming/customers.parquet"
    kinds = {column["name"]: column["kind"] for column in dataset.schema}
    assert kinds["customer_id"] == "id"
    assert kinds["age"] == "numeric"
    assert kinds["gender"] == "categorical"
    roles = {column["name"]: column["role"] for column in dataset.schema}
    assert roles["customer_id"] == "customer_id"
    assert roles["age"] == "age"
    assert dataset.quality_report["total_rows"] == 300
    assert dataset.quality_report["missing_values"]["annual_income"] == 3
    ids = list(Customer.objects.filter(dataset=dataset).order_by("row_number"))
    assert [c.external_id for c in ids] == frame["customer_id"].tolist()
    assert [c.row_number for c in ids] == list(range(300))
    assert dataset_frame_load(dataset=dataset, columns=["age"])["age"].tolist() == (
        frame["age"].tolist()
    )

    found = analyst_client.get(
        f"/api/v1/datasets/{dataset.pk}/customers/", {"external_id": "C0000042"}
    ).json()
    assert found["count"] == 1
    assert found["results"][0]["attributes"]["age"] == int(frame.loc[41, "age"])


def test_register_a_folder_of_parts_counts_exactly_beyond_the_sample(
    analyst_client, settings, analyst
):
    settings.REGISTER_SAMPLE_ROWS = 60  # profile on a sample; counts must still be exact
    frame = _customers(1_000, seed=4)
    missing_rows = [5, 400, 401, 998]
    frame.loc[missing_rows, "spending_score"] = np.nan
    frame.loc[700, "customer_id"] = frame.loc[10, "customer_id"]  # one duplicate id
    _write_parts("incoming/big", frame, parts=12)  # part.10 and part.11 sort after part.2

    response = analyst_client.post(
        REGISTER, {"url": "incoming/big/", "name": "Big customers"}, format="json"
    )

    assert response.status_code == 201, response.content
    dataset = Dataset.objects.get(pk=response.json()["id"])
    assert dataset.name == "Big customers"
    assert dataset.n_rows == 1_000
    quality = dataset.quality_report
    assert quality["total_rows"] == 1_000
    assert quality["missing_values"]["spending_score"] == len(missing_rows)
    assert quality["duplicate_ids"] == 1
    assert any("sample of" in warning for warning in quality["warnings"])
    missing = {column["name"]: column["missing"] for column in dataset.schema}
    assert missing["spending_score"] == len(missing_rows)
    external = Customer.objects.filter(dataset=dataset).order_by("row_number")
    assert list(external.values_list("external_id", flat=True)) == frame["customer_id"].tolist()
    loaded = dataset_frame_load(dataset=dataset)
    assert loaded["customer_id"].tolist() == frame["customer_id"].tolist()
    last = customer_attributes(dataset=dataset, row_numbers=[999, 0])
    assert last[999]["customer_id"] == frame.loc[999, "customer_id"]
    assert last[0]["customer_id"] == frame.loc[0, "customer_id"]

    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error
    assert Assignment.objects.filter(run=run).count() == 1_000


def test_the_same_data_registered_again_is_the_same_dataset_unless_force_new(analyst_client):
    _write("incoming/c.parquet", _customers(50))
    first = analyst_client.post(REGISTER, {"url": "incoming/c.parquet"}, format="json")
    again = analyst_client.post(REGISTER, {"url": "incoming/c.parquet"}, format="json")
    fresh = analyst_client.post(
        REGISTER, {"url": "incoming/c.parquet", "force_new": True}, format="json"
    )
    assert (first.status_code, again.status_code, fresh.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"] != fresh.json()["id"]


def test_deleting_a_registered_dataset_leaves_its_data_in_place(analyst_client):
    _write("incoming/keep.parquet", _customers(40))
    created = analyst_client.post(REGISTER, {"url": "incoming/keep.parquet"}, format="json")
    dataset_id = created.json()["id"]
    assert analyst_client.delete(f"/api/v1/datasets/{dataset_id}/").status_code == 204
    assert not Customer.objects.filter(dataset_id=dataset_id).exists()
    assert data_storage().exists("incoming/keep.parquet")


def test_an_id_column_can_be_named(analyst_client):
    frame = _customers(40).rename(columns={"customer_id": "member"})
    _write("incoming/members.parquet", frame)
    refused = analyst_client.post(REGISTER, {"url": "incoming/members.parquet"}, format="json")
    assert refused.status_code == 400
    assert "name the one to use in id_column" in refused.json()["id_column"][0]
    named = analyst_client.post(
        REGISTER, {"url": "incoming/members.parquet", "id_column": "member"}, format="json"
    )
    assert named.status_code == 201, named.content
    dataset = Dataset.objects.get(pk=named.json()["id"])
    assert Customer.objects.get(dataset=dataset, row_number=7).external_id == frame.loc[7, "member"]


def _refusal(client, url: str) -> str:
    response = client.post(REGISTER, {"url": url}, format="json")
    assert response.status_code == 400, response.content
    return response.json()["url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "/etc/hostname",
        "../outside.parquet",
        "incoming/../../outside.parquet",
        "s3://bucket/customers.parquet",
        "https://example.com/customers.parquet",
    ],
)
def test_urls_outside_the_data_root_are_refused(analyst_client, url):
    message = _refusal(analyst_client, url)
    assert "is not under the data root" in message or "'..' is not allowed" in message
    assert not Dataset.objects.exists()


def test_an_existing_file_outside_the_root_is_refused_like_a_missing_one(
    analyst_client, tmp_path, settings
):
    outside = tmp_path / "private"
    outside.mkdir()
    _frame = _customers(20)
    pq.write_table(pa.Table.from_pandas(_frame), outside / "real.parquet")
    real = _refusal(analyst_client, (outside / "real.parquet").as_uri())
    invented = _refusal(analyst_client, (outside / "invented.parquet").as_uri())
    assert real.replace("real", "X") == invented.replace("invented", "X")


def test_a_symlink_out_of_the_root_is_refused(analyst_client, tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    pq.write_table(pa.Table.from_pandas(_customers(20)), outside / "real.parquet")
    os.symlink(outside, os.path.join(data_storage().root, "escape"))
    assert "data root" in _refusal(analyst_client, "escape/real.parquet")


def test_missing_and_non_parquet_data_are_refused(analyst_client):
    assert "Nothing at" in _refusal(analyst_client, "incoming/none.parquet")
    data_storage().write_bytes("incoming/table.parquet", b"customer_id,age\nC1,30\nC2,40\n")
    assert "not a Parquet file" in _refusal(analyst_client, "incoming/table.parquet")
    data_storage().write_bytes("incoming/empty/_SUCCESS", b"")
    assert "Nothing at" in _refusal(analyst_client, "incoming/empty")
    assert not Dataset.objects.exists()


def test_only_analysts_register(user_client):
    _write("incoming/c.parquet", _customers(20))
    response = user_client.post(REGISTER, {"url": "incoming/c.parquet"}, format="json")
    assert response.status_code == 403


def test_a_registered_dataset_beyond_one_machine_is_not_run_here(analyst_client, settings):
    _write("incoming/wide.parquet", _customers(60))
    dataset_id = analyst_client.post(
        REGISTER, {"url": "incoming/wide.parquet"}, format="json"
    ).json()["id"]
    settings.MAX_DATASET_ROWS = 50
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset_id, "n_clusters": 3}, format="json"
    )
    assert response.status_code == 400
    assert "more than one machine clusters (50)" in str(response.json())
    assert "no Dask cluster is configured" in str(response.json())
    assert not ClusteringRun.objects.exists()


def test_kinds_follow_the_parquet_types(analyst_client):
    frame = _customers(80)
    frame["joined"] = pd.date_range("2024-01-01", periods=80, freq="D")
    frame["member"] = [index % 2 == 0 for index in range(80)]
    _write("incoming/typed.parquet", frame)
    response = analyst_client.post(REGISTER, {"url": "incoming/typed.parquet"}, format="json")
    assert response.status_code == 201, response.content
    kinds = {column["name"]: column["kind"] for column in response.json()["schema"]}
    assert kinds["joined"] == "datetime"
    assert kinds["member"] == "categorical"
    assert kinds["annual_income"] == "numeric"


def test_columns_of_a_type_that_cannot_be_segmented_are_named(analyst_client):
    table = pa.Table.from_pandas(_customers(20), preserve_index=False).append_column(
        "tags", pa.array([["a", "b"]] * 20)
    )
    with data_storage().open("incoming/nested.parquet", "wb") as handle:
        pq.write_table(table, handle)
    message = _refusal(analyst_client, "incoming/nested.parquet")
    assert "cannot be segmented: 'tags' (list<" in message
    assert not Dataset.objects.exists()


def test_a_registered_dataset_names_its_format_not_a_csv_delimiter(analyst_client):
    _write("incoming/format.parquet", _customers(50))

    response = analyst_client.post(
        REGISTER, {"url": data_storage().url("incoming/format.parquet")}, format="json"
    )

    assert response.status_code == 201, response.content
    quality = Dataset.objects.get(pk=response.json()["id"]).quality_report
    assert quality["format"] == "Parquet"
    assert "delimiter" not in quality
    assert "encoding" not in quality
