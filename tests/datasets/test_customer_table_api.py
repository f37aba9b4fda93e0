"""`POST /api/v1/datasets/{id}/customer-table/` and `GET /api/v1/customer-table-jobs/{id}/`:
201 with the derived dataset for a small log, 202 with a job for a large one, 400 naming column
and line for a bad log, 404 for another owner's dataset or job, and the transaction-log flag on
the dataset detail."""

import pandas as pd
import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from datasets.models import CustomerTableJob, Dataset
from datasets.selectors import dataset_frame_load
from tests.factories import AnalystFactory, UserFactory

pytestmark = pytest.mark.django_db

LOG_CSV = (
    b"customer_id,order_date,amount\n"
    b"A,2024-01-01,10.00\n"
    b"B,2024-01-02,20.00\n"
    b"A,2024-01-05,5.00\n"
    b"A,2024-01-05,7.00\n"
    b"C,2024-01-10,3.00\n"
    b"B,2024-01-03,-5.00\n"
    b"D,2024-01-10,3.00\n"
    b"A,2024-01-08,-2.00\n"
)


def url(dataset_id: int) -> str:
    return f"/api/v1/datasets/{dataset_id}/customer-table/"


@pytest.fixture
def log_dataset(analyst_client, upload) -> dict:
    response = upload(analyst_client, LOG_CSV, name="orders.csv")
    assert response.status_code == 201, response.content
    return response.json()


def test_dataset_detail_names_the_columns_of_an_uploaded_purchase_log(analyst_client, log_dataset):
    assert log_dataset["transaction_log"] == {
        "customer_id": "customer_id",
        "date": "order_date",
        "amount": "amount",
        "quantity": None,
    }
    detail = analyst_client.get(f"/api/v1/datasets/{log_dataset['id']}/").json()
    assert detail["transaction_log"]["date"] == "order_date"


def test_dataset_detail_of_a_customer_table_is_no_purchase_log(analyst_client, upload, small_csv):
    assert upload(analyst_client, small_csv).json()["transaction_log"] is None


def test_customer_table_small_log_answers_201_with_the_derived_dataset(analyst_client, log_dataset):
    response = analyst_client.post(url(log_dataset["id"]), {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["n_rows"] == 4
    assert body["name"] == "orders.csv: customers as of 2024-01-11"
    roles = {column["name"]: column["role"] for column in body["schema"]}
    assert roles == {
        "customer_id": "customer_id",
        "recency_days": "recency",
        "frequency": "frequency",
        "monetary": "monetary",
        "average_order_value": "purchase_amount",
        "tenure_days": "tenure",
    }
    assert body["transaction_log"] is None
    frame = dataset_frame_load(dataset=Dataset.objects.get(pk=body["id"]))
    rows = frame.set_index("customer_id").loc[["A", "B", "C", "D"]]
    assert rows["recency_days"].tolist() == [6, 9, 1, 1]
    assert rows["frequency"].tolist() == [2, 1, 1, 1]
    assert rows["monetary"].tolist() == [20.0, 15.0, 3.0, 3.0]
    assert rows["tenure_days"].tolist() == [10, 9, 1, 1]
    customers = analyst_client.get(f"/api/v1/datasets/{body['id']}/customers/?external_id=A")
    assert customers.json()["results"][0]["attributes"]["monetary"] == 20.0


def test_customer_table_takes_an_as_of_date_and_a_name(analyst_client, log_dataset):
    response = analyst_client.post(
        url(log_dataset["id"]), {"as_of": "2024-01-04", "name": "January"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "January"
    frame = dataset_frame_load(dataset=Dataset.objects.get(pk=response.json()["id"]))
    assert frame.set_index("customer_id")["recency_days"].to_dict() == {"A": 3, "B": 2}


def test_customer_table_of_a_table_without_dates_is_400(analyst_client, upload, small_csv):
    dataset = upload(analyst_client, small_csv).json()
    response = analyst_client.post(url(dataset["id"]), {}, format="json")
    assert response.status_code == 400
    assert "no date column" in str(response.json())


def test_customer_table_with_an_unreadable_date_is_400_naming_column_line_and_value(
    analyst_client, upload
):
    csv = LOG_CSV + b"E,someday,4.00\n"
    dataset = upload(analyst_client, csv, name="typo.csv").json()
    assert dataset["transaction_log"]["date"] == "order_date"  # offered though not all dates
    response = analyst_client.post(url(dataset["id"]), {}, format="json")
    assert response.status_code == 400
    assert "Line 10: column 'order_date' has 'someday', which is not a date" in str(response.json())


def test_customer_table_with_a_missing_date_is_400_naming_column_and_line(analyst_client, upload):
    csv = LOG_CSV.replace(b"C,2024-01-10,3.00", b"C,,3.00")
    dataset = upload(analyst_client, csv, name="gap.csv").json()
    response = analyst_client.post(url(dataset["id"]), {}, format="json")
    assert response.status_code == 400
    assert "Line 6: column 'order_date' has no readable date" in str(response.json())


def test_customer_table_of_a_text_column_as_date_is_400_naming_the_value(analyst_client, upload):
    csv = b"customer_id,day,amount\nA,Monday,1\nA,Tuesday,2\nB,Monday,3\n"
    dataset = upload(analyst_client, csv, name="days.csv").json()
    response = analyst_client.post(url(dataset["id"]), {"columns": {"date": "day"}}, format="json")
    assert response.status_code == 400
    assert "Line 2: column 'day' has 'Monday', which is not a date" in str(response.json())


def test_customer_table_negative_amount_for_a_purchase_is_400_naming_the_line(
    analyst_client, upload
):
    csv = (
        b"customer_id,date,amount,quantity\nA,2024-01-01,5,1\nA,2024-01-02,-3,2\nB,2024-01-02,1,1\n"
    )
    dataset = upload(analyst_client, csv, name="signs.csv").json()
    assert dataset["transaction_log"]["quantity"] == "quantity"
    response = analyst_client.post(url(dataset["id"]), {}, format="json")
    assert response.status_code == 400
    assert "Line 3: column 'amount' is negative (-3) for a purchase" in str(response.json())


def test_customer_table_unknown_column_is_400(analyst_client, log_dataset):
    response = analyst_client.post(
        url(log_dataset["id"]), {"columns": {"amount": "price"}}, format="json"
    )
    assert response.status_code == 400
    assert "No column named 'price'" in str(response.json())


def test_customer_table_bad_as_of_is_400(analyst_client, log_dataset):
    response = analyst_client.post(url(log_dataset["id"]), {"as_of": "soon"}, format="json")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_customer_table_of_another_owners_dataset_is_404(api_client, log_dataset):
    api_client.force_authenticate(AnalystFactory())
    response = api_client.post(url(log_dataset["id"]), {}, format="json")
    assert response.status_code == 404
    assert Dataset.objects.count() == 1


def test_customer_table_needs_the_analyst_role_and_the_write_scope(api_client, log_dataset):
    api_client.force_authenticate(UserFactory())
    assert api_client.post(url(log_dataset["id"]), {}, format="json").status_code in (403, 404)
    owner = Dataset.objects.get(pk=log_dataset["id"]).owner
    _, raw = api_key_create(owner=owner, name="r", scopes=["datasets:read"])
    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=raw)
    assert reader.post(url(log_dataset["id"]), {}, format="json").status_code == 403


def test_customer_table_large_log_answers_202_with_the_jobs_url(
    analyst_client, log_dataset, settings
):
    settings.CUSTOMER_TABLE_INLINE_MAX_ROWS = 5  # the 8-line log counts as large
    response = analyst_client.post(url(log_dataset["id"]), {"as_of": "2024-01-04"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["result"] is None
    assert body["parameters"]["as_of"] == "2024-01-04"
    assert response["Location"] == f"/api/v1/customer-table-jobs/{body['id']}/"
    job = analyst_client.get(response["Location"])
    assert job.status_code == 200
    assert job.json()["source"] == log_dataset["id"]
    assert Dataset.objects.count() == 1  # nothing derived in the request


def test_customer_table_job_of_another_owner_is_404(api_client, log_dataset, analyst):
    job = CustomerTableJob.objects.create(
        owner=analyst, source=Dataset.objects.get(pk=log_dataset["id"])
    )
    api_client.force_authenticate(AnalystFactory())
    assert api_client.get(f"/api/v1/customer-table-jobs/{job.pk}/").status_code == 404
    api_client.force_authenticate(analyst)
    assert api_client.get(f"/api/v1/customer-table-jobs/{job.pk}/").status_code == 200
    assert api_client.get("/api/v1/customer-table-jobs/999999/").status_code == 404


def test_customer_table_of_generated_log_keeps_planted_groups_apart(analyst_client, upload):
    from datasets.demo import generate_purchase_log

    log = generate_purchase_log(400, seed=5)
    response = upload(analyst_client, log.frame.to_csv(index=False).encode(), name="gen.csv")
    derived = analyst_client.post(url(response.json()["id"]), {}, format="json")
    assert derived.status_code == 201, derived.content
    table = dataset_frame_load(dataset=Dataset.objects.get(pk=derived.json()["id"]))
    table = table.set_index("customer_id")
    assert len(table) == 400
    assert pd.Index(log.groups["one_time"]).isin(table.index).all()
    assert (table.loc[log.groups["one_time"], "frequency"] == 1).all()
    assert table.loc[log.groups["loyal"], "frequency"].min() > table["frequency"].median()
    assert table.loc[log.groups["lapsed"], "recency_days"].min() > 730 - 180
    assert table.loc[log.groups["whales"], "monetary"].min() > 10 * table["monetary"].median()
    assert (table["monetary"] >= 0).all()


def test_a_planted_log_through_upload_derivation_and_run_gives_its_groups_back(
    analyst_client, upload
):
    """The whole path an analyst takes: upload a purchase log that looks like a shop's, derive
    the customer table, run k=4 with the default feature_transform (auto): the planted groups
    come back, every segment is sizeable and has a real name."""
    import re

    from sklearn.metrics import adjusted_rand_score

    from clustering.models import Assignment, ClusteringRun
    from clustering.services import run_execute
    from tests.purchase_logs import planted_purchase_log

    log = planted_purchase_log(2_000, seed=1)
    response = upload(analyst_client, log.frame.to_csv(index=False).encode(), name="shop.csv")
    derived = analyst_client.post(url(response.json()["id"]), {}, format="json")
    assert derived.status_code == 201, derived.content
    body = {"dataset": derived.json()["id"], "n_clusters": 4}
    started = analyst_client.post("/api/v1/runs/", body, format="json")
    assert started.status_code == 202, started.content
    run_execute(run_id=started.json()["id"])  # what the worker does with the queued run
    run = ClusteringRun.objects.get(pk=started.json()["id"])
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error

    rows = Assignment.objects.filter(run=run).values_list("customer__external_id", "cluster_label")
    ids, labels = zip(*rows, strict=True)
    assert len(ids) == 2_000
    assert adjusted_rand_score(log.group.loc[list(ids)].to_numpy(), labels) >= 0.9
    metrics = analyst_client.get(f"/api/v1/runs/{run.pk}/").json()["metrics"]
    assert metrics["smallest_segment_share"] >= 5
    assert metrics["segment_warnings"] == []
    assert any(note.startswith("monetary: log-scaled") for note in metrics["notes"])
    names = list(run.clusters.values_list("name", flat=True))
    assert len(set(names)) == 4
    assert not any(re.search(r"\bSegment\b|\d", name) for name in names), names
