"""Customer tables of large purchase logs on a real Celery worker: 202, then the job moves to
succeeded with progress 100 and the new dataset, or to failed with the line that is wrong."""

import time
from datetime import date

import pytest

from datasets.demo import generate_purchase_log
from datasets.ingest.transactions import TransactionColumns, customer_table
from datasets.models import CustomerTableJob, Dataset
from datasets.selectors import dataset_frame_load

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAIT_S = 60


def _finished_job(client, location: str, worker) -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        body = client.get(location).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.2)
    pytest.fail(f"Waited {WAIT_S} s for the customer-table job.\n{worker.log()}")


def test_large_log_is_derived_by_the_worker(worker, analyst_client, upload, settings):
    settings.CUSTOMER_TABLE_INLINE_MAX_ROWS = 100
    log = generate_purchase_log(300, seed=2)
    uploaded = upload(analyst_client, log.frame.to_csv(index=False).encode(), name="big.csv")
    assert uploaded.json()["n_rows"] > 100
    response = analyst_client.post(
        f"/api/v1/datasets/{uploaded.json()['id']}/customer-table/",
        {"as_of": "2024-12-31"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = _finished_job(analyst_client, response["Location"], worker)
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"] == 100
    assert job["result_url"] == f"/api/v1/datasets/{job['result']}/"
    derived = dataset_frame_load(dataset=Dataset.objects.get(pk=job["result"]))
    columns = TransactionColumns("customer_id", "order_date", "amount", "quantity")
    source = dataset_frame_load(dataset=Dataset.objects.get(pk=uploaded.json()["id"]))
    expected = customer_table(source, columns=columns, as_of=date(2024, 12, 31)).frame
    assert derived.equals(expected.astype(derived.dtypes.to_dict()))
    detail = analyst_client.get(job["result_url"]).json()
    assert {c["name"]: c["role"] for c in detail["schema"]}["tenure_days"] == "tenure"


def test_bad_large_log_fails_the_job_naming_the_line(worker, analyst_client, upload, settings):
    settings.CUSTOMER_TABLE_INLINE_MAX_ROWS = 2
    csv = b"customer_id,date,amount\nA,2024-01-01,5\nA,2024-01-02,-9\nB,2024-01-02,1\n"
    uploaded = upload(analyst_client, csv, name="overdrawn.csv").json()
    response = analyst_client.post(
        f"/api/v1/datasets/{uploaded['id']}/customer-table/", {}, format="json"
    )
    assert response.status_code == 202
    job = _finished_job(analyst_client, response["Location"], worker)
    assert job["status"] == "failed"
    assert "Line 3: customer 'A' has refunds in column 'amount' larger than" in job["error"]
    assert job["result"] is None
    assert CustomerTableJob.objects.get(pk=job["id"]).finished_at is not None
    assert Dataset.objects.count() == 1
