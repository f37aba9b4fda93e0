"""Large Parquet data registered by a real Celery worker: above REGISTER_INLINE_MAX_ROWS (counted
from the footers) POST /api/v1/datasets/register/ answers 202 with a job to poll; the job ends
succeeded with progress 100 and the same dataset the request would have made, or failed with the
reason and nothing of the data kept (no dataset, no customers, no partition table)."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from config.storage import data_storage
from datasets.models import Customer, Dataset, RegistrationJob, partition_name
from datasets.services import (
    dataset_create_from_upload,
    dataset_jobs_fail_stale,
    dataset_register,
    registration_job_execute,
)
from datasets.services.jobs import JobProgress
from tests.datasets.conftest import SMALL_CSV, csv_file
from tests.datasets.test_register import REGISTER, _customers, _write_parts
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_S = 90


@pytest.fixture
def folder():
    """A fresh folder under the data root the worker reads (removed afterwards)."""
    name = f"incoming/{uuid.uuid4().hex[:10]}"
    yield name
    storage = data_storage()
    for key in storage.files_under(name) if storage.exists(name) else []:
        storage.delete(key)


def _finished(client, location: str, worker) -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        body = client.get(location).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.2)
    pytest.fail(f"Waited {WAIT_S} s for the registration job.\n{worker.log()}")


def _partition_exists(dataset_id: int) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(dataset_id)])
        return cursor.fetchone()[0]


def _partitions() -> set[str]:
    """The customer tables of datasets on PostgreSQL (attached or not); empty elsewhere."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname LIKE %s",
            ["datasets_customer_p%"],
        )
        return {name for (name,) in cursor.fetchall()}


def _ids(dataset: Dataset) -> list[str]:
    customers = Customer.objects.filter(dataset=dataset).order_by("row_number")
    return list(customers.values_list("external_id", flat=True))


@pytest.mark.worker
def test_large_folder_is_registered_by_the_worker_like_the_request_would(
    worker,
    analyst_client,
    settings,
    folder,
):
    settings.REGISTER_INLINE_MAX_ROWS = 500
    frame = _customers(1_200, seed=7)
    frame.loc[[3, 800], "annual_income"] = None
    frame.loc[1_100, "customer_id"] = frame.loc[10, "customer_id"]  # one duplicate id
    _write_parts(folder, frame, parts=5)

    response = analyst_client.post(REGISTER, {"url": folder, "name": "Large"}, format="json")

    assert response.status_code == 202, response.content
    accepted = response.json()
    assert response["Location"] == f"/api/v1/registration-jobs/{accepted['id']}/"
    assert (accepted["status"], accepted["n_rows"], accepted["result"]) == ("queued", 1_200, None)
    assert accepted["parameters"] == {"name": "Large", "id_column": None, "force_new": False}
    job = _finished(analyst_client, response["Location"], worker)
    assert job["status"] == "succeeded", job["error"]
    assert (job["progress"], job["stage"]) == (100, "done")
    assert job["result_url"] == f"/api/v1/datasets/{job['result']}/"
    queued = Dataset.objects.get(pk=job["result"])
    assert (queued.name, queued.registered, queued.n_rows) == ("Large", True, 1_200)
    assert queued.quality_report["missing_values"]["annual_income"] == 2
    assert queued.quality_report["duplicate_ids"] == 1
    assert _ids(queued) == frame["customer_id"].tolist()

    # The same data again: the existing dataset at once, no job.
    again = analyst_client.post(REGISTER, {"url": folder}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, queued.pk)

    # What the request makes of the same data (under the limit) is the same dataset.
    settings.REGISTER_INLINE_MAX_ROWS = 2_000_000
    inline = analyst_client.post(
        REGISTER, {"url": folder, "name": "Large", "force_new": True}, format="json"
    )
    assert inline.status_code == 201, inline.content
    direct = Dataset.objects.get(pk=inline.json()["id"])
    for field in ("n_rows", "n_columns", "sha256", "size_bytes", "parquet_file", "schema"):
        assert getattr(direct, field) == getattr(queued, field), field
    for field in ("quality_report", "statistics", "correlation", "transaction_log"):
        assert getattr(direct, field) == getattr(queued, field), field
    assert _ids(direct) == _ids(queued)
    assert _partition_exists(queued.pk) == (connection.vendor == "postgresql")


@pytest.mark.worker
def test_unusable_data_fails_the_job_with_the_reason_and_keeps_nothing(
    worker,
    analyst_client,
    settings,
    folder,
):
    settings.REGISTER_INLINE_MAX_ROWS = 10
    table = pa.Table.from_pandas(_customers(40), preserve_index=False).append_column(
        "tags", pa.array([["a", "b"]] * 40)
    )
    with data_storage().open(f"{folder}/part.0.parquet", "wb") as handle:
        pq.write_table(table, handle)

    response = analyst_client.post(REGISTER, {"url": folder}, format="json")

    assert response.status_code == 202, response.content
    job = _finished(analyst_client, response["Location"], worker)
    assert job["status"] == "failed"
    assert "Columns of a type that cannot be segmented: 'tags' (list<" in job["error"]
    assert job["result"] is None
    assert RegistrationJob.objects.get(pk=job["id"]).finished_at is not None
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()


def test_checks_of_the_footers_answer_at_once_without_a_job(analyst_client, settings, folder):
    settings.REGISTER_INLINE_MAX_ROWS = 10
    data_storage().write_bytes(f"{folder}/table.parquet", b"customer_id,age\nC1,30\n")
    response = analyst_client.post(REGISTER, {"url": folder}, format="json")
    assert response.status_code == 400
    assert "not a Parquet file" in response.json()["url"][0]
    assert not RegistrationJob.objects.exists()


def test_a_failure_while_the_customers_load_keeps_nothing(analyst, settings, folder):
    """The dataset row, its customers and (PostgreSQL) its partition are written in one
    transaction: stopping after the second of four parts leaves none of them."""
    _write_parts(folder, _customers(400, seed=2), parts=4)
    partitions = _partitions()
    stages: list[tuple[int, str]] = []

    def progress(percent: int, stage: str) -> None:
        stages.append((percent, stage))
        if stage.endswith("part 2 of 4"):
            raise RuntimeError("the worker stopped")

    with pytest.raises(RuntimeError):
        dataset_register(owner=analyst, url=folder, progress=progress)

    assert stages[-1][1] == "loading customers: part 2 of 4"
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert _partitions() == partitions


def _upload_elsewhere(owner_id: int) -> int:
    """An upload on a connection of its own that gives up after 20 s of waiting for a lock."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '20s'")
        dataset, _ = dataset_create_from_upload(
            owner=User.objects.get(pk=owner_id), uploaded_file=csv_file(SMALL_CSV)
        )
        return dataset.pk
    finally:
        connections.close_all()


def test_an_upload_goes_through_while_a_registration_loads_its_customers(analyst, folder):
    """PostgreSQL: the customers of a registration are loaded into their own table before the
    lock that orders partition changes is taken, so uploads and deletions do not wait for a
    long load (SQLite has one writer at a time whatever the code does)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    frame = _customers(400, seed=6)
    _write_parts(folder, frame, parts=4)
    uploaded: list[int] = []

    def progress(percent: int, stage: str) -> None:
        if stage.endswith("part 2 of 4"):
            with ThreadPoolExecutor(max_workers=1) as other:
                uploaded.append(other.submit(_upload_elsewhere, analyst.pk).result())

    dataset, created = dataset_register(owner=analyst, url=folder, progress=progress)

    assert created
    assert len(uploaded) == 1
    assert Dataset.objects.get(pk=uploaded[0]).n_rows == 5
    assert Customer.objects.filter(dataset_id=uploaded[0]).count() == 5
    assert _ids(dataset) == frame["customer_id"].tolist()
    assert uploaded[0] > dataset.pk  # the registration's id was taken before the upload's


def test_progress_is_told_after_each_part(analyst, folder):
    _write_parts(folder, _customers(400, seed=3), parts=4)
    stages: list[tuple[int, str]] = []
    dataset, created = dataset_register(
        owner=analyst, url=folder, progress=lambda percent, stage: stages.append((percent, stage))
    )
    assert created
    assert dataset.n_rows == 400
    parts = [(p, s) for p, s in stages if "part" in s]
    assert [s for _, s in parts] == [f"loading customers: part {n} of 4" for n in (1, 2, 3, 4)]
    assert [p for p, _ in parts] == sorted(p for p, _ in parts)
    assert parts[0][0] > stages[0][0]
    assert parts[-1][0] == 99


def test_progress_inside_the_loading_transaction_is_seen_at_once_on_postgresql(analyst):
    """On PostgreSQL progress is written through a connection of its own, so a poller sees it
    while the transaction that loads the customers is still open; on SQLite (one writer at a
    time) it shows at that transaction's commit."""
    job = RegistrationJob.objects.create(
        owner=analyst, url="incoming/x/", status=RegistrationJob.Status.RUNNING
    )
    seen = []
    with JobProgress(RegistrationJob, job.pk) as progress, transaction.atomic():
        progress(60, "loading customers: part 3 of 5")
        with ThreadPoolExecutor(max_workers=1) as poller:  # another connection, like a request
            seen = poller.submit(_progress_seen_elsewhere, job.pk).result()
    if connection.vendor == "postgresql":
        assert seen == [60, "loading customers: part 3 of 5"]
    else:
        assert seen == [0, ""]
    job.refresh_from_db()
    assert (job.progress, job.stage) == (60, "loading customers: part 3 of 5")


def _progress_seen_elsewhere(job_id: int) -> list:
    try:
        return list(RegistrationJob.objects.values_list("progress", "stage").get(pk=job_id))
    finally:
        connections.close_all()


def test_a_job_runs_once_and_is_the_owners_only(analyst_client, analyst, user_client, folder):
    _write_parts(folder, _customers(60, seed=5), parts=2)
    job = RegistrationJob.objects.create(owner=analyst, url=folder, n_rows=60)

    registration_job_execute(job_id=job.pk)  # a delivery, run here
    registration_job_execute(job_id=job.pk)  # a second delivery: nothing happens
    assert Dataset.objects.count() == 1
    location = f"/api/v1/registration-jobs/{job.pk}/"
    body = analyst_client.get(location).json()
    assert (body["status"], body["progress"], body["url"]) == ("succeeded", 100, folder)
    assert _ids(Dataset.objects.get(pk=body["result"]))[:2] == ["C0000001", "C0000002"]

    assert user_client.get(location).status_code == 404
    assert user_client.get("/api/v1/registration-jobs/999999/").status_code == 404


def test_the_admin_lists_registration_jobs_read_only(admin_user, analyst):
    job = RegistrationJob.objects.create(
        owner=analyst,
        url="incoming/big/",
        n_rows=3_000_000,
        status=RegistrationJob.Status.FAILED,
        error="Columns of a type that cannot be segmented: 'tags'.",
    )
    client = Client()
    assert client.login(username=admin_user.username, password=DEFAULT_PASSWORD)
    listing = client.get("/admin/datasets/registrationjob/")
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [job]
    page = client.get(f"/admin/datasets/registrationjob/{job.pk}/change/")
    assert page.status_code == 200
    assert "incoming/big/" in page.content.decode()
    assert client.get("/admin/datasets/registrationjob/add/").status_code == 403
    changed = client.post(f"/admin/datasets/registrationjob/{job.pk}/change/", {"url": "x"})
    assert changed.status_code == 403
    job.refresh_from_db()
    assert job.url == "incoming/big/"


# Last: it kills the session's worker (the next test that needs one starts it again).
@pytest.mark.worker
def test_a_job_whose_worker_is_killed_while_loading_keeps_nothing_and_is_failed_by_the_sweep(
    worker,
    analyst_client,
    settings,
    folder,
):
    settings.REGISTER_INLINE_MAX_ROWS = 1_000
    _write_parts(folder, _customers(300_000, seed=9), parts=10)
    partitions = _partitions()
    response = analyst_client.post(REGISTER, {"url": folder}, format="json")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]

    deadline = time.monotonic() + WAIT_S
    job = RegistrationJob.objects.get(pk=job_id)
    active = (RegistrationJob.Status.QUEUED, RegistrationJob.Status.RUNNING)
    # PostgreSQL shows each part as it is loaded: kill once the transaction holds rows. SQLite
    # shows the stage written just before that transaction begins.
    loading = "loading customers: part" if connection.vendor == "postgresql" else "loading"
    while time.monotonic() < deadline and job.status in active and loading not in job.stage:
        time.sleep(0.01)
        job.refresh_from_db()
    assert job.status == RegistrationJob.Status.RUNNING, "the job ended before the kill"
    assert loading in job.stage, worker.log()
    worker.kill()

    job.refresh_from_db()
    assert job.status == RegistrationJob.Status.RUNNING  # nobody is left to end it but the sweep
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert _partitions() == partitions
    later = timezone.now() + timedelta(seconds=settings.REGISTER_TIME_LIMIT_S + 3_600)
    assert dataset_jobs_fail_stale(now=later) == 1
    body = analyst_client.get(response["Location"]).json()
    assert body["status"] == "failed"
    assert "stopped responding" in body["error"]
