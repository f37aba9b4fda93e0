"""Runs through a real Celery worker process: queued by the API, executed by the worker, read
back through the API; a worker killed mid-run leaves a failed run with a reason and no clusters."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from clustering.models import Assignment, Cluster, ClusteringRun
from clustering.services import runs_fail_stale
from tests.celery_worker import WORKER_HEARTBEAT_STALE_S

from .conftest import dataset_make

Status = ClusteringRun.Status
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RUN_DEADLINE_S = 90
# A hierarchical run on this many rows spends seconds in its linkage and interpretation, so the
# run is still working when the test acts on it; the table itself builds in a fraction of that.
LONG_RUN_ROWS = 4_000
LONG_RUN = {"algorithm": "hierarchical", "n_clusters": 5}


def _wait_for(run_id: int, statuses: set[str], worker, *, deadline_s: float = RUN_DEADLINE_S):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        run = ClusteringRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.02)
    pytest.fail(f"Run {run_id} stayed {run.status} ({run.stage}); worker log:\n{worker.log()}")


def test_run_through_worker_goes_from_202_to_succeeded(worker, analyst_client, analyst):
    dataset = dataset_make(owner=analyst)
    response = analyst_client.post(
        reverse("clustering-api:run-list"),
        {"dataset": dataset.pk, "n_clusters": 4, "publish": True},
        format="json",
    )
    assert response.status_code == 202, response.content
    url = response["Location"]
    assert response.json()["status"] == "queued"

    deadline = time.monotonic() + RUN_DEADLINE_S
    body = {}
    while time.monotonic() < deadline:
        body = analyst_client.get(url).json()
        if body["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert body["status"] == "succeeded", (body, worker.log())
    assert body["progress"] == 100
    assert body["is_published"] is True
    assert body["metrics"]["n_clusters"] == 4
    clusters = analyst_client.get(body["links"]["clusters"]).json()
    assert clusters["count"] == 4
    assignments = analyst_client.get(body["links"]["assignments"], {"page_size": 500}).json()
    assert assignments["count"] == 240


def test_run_cancelled_while_running_ends_cancelled_with_nothing_saved(
    worker, analyst_client, analyst
):
    dataset = dataset_make(owner=analyst, rows=LONG_RUN_ROWS)
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk, **LONG_RUN}, format="json"
    )
    run = _wait_for(response.json()["id"], {Status.RUNNING, Status.SUCCEEDED}, worker)
    assert run.status == Status.RUNNING, "the run ended before it could be cancelled"
    cancel = analyst_client.post(reverse("clustering-api:run-cancel", args=[run.pk]))
    assert cancel.status_code == 202
    assert cancel.json()["cancel_requested"] is True

    run = _wait_for(run.pk, {Status.CANCELLED, Status.SUCCEEDED, Status.FAILED}, worker)
    assert run.status == Status.CANCELLED, run.error
    assert not Cluster.objects.filter(run=run).exists()
    assert not Assignment.objects.filter(run=run).exists()


# Last: it kills the session's worker (the next test that needs one starts it again).
def test_run_whose_worker_is_killed_ends_failed_with_reason_and_no_clusters(
    worker, analyst_client, analyst, settings
):
    dataset = dataset_make(owner=analyst, rows=LONG_RUN_ROWS)
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk, **LONG_RUN}, format="json"
    )
    assert response.status_code == 202, response.content
    run = _wait_for(response.json()["id"], {Status.RUNNING, Status.SUCCEEDED}, worker)
    assert run.status == Status.RUNNING, "the run ended before the worker could be killed"
    worker.kill()

    run.refresh_from_db()
    assert run.status == Status.RUNNING  # nobody is left to say otherwise: the sweep must
    settings.RUN_HEARTBEAT_STALE_S = WORKER_HEARTBEAT_STALE_S
    time.sleep(WORKER_HEARTBEAT_STALE_S + 0.5)
    assert runs_fail_stale(now=timezone.now()) == 1

    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "stopped responding" in run.error
    assert not Cluster.objects.filter(run=run).exists()
    assert not Assignment.objects.filter(run=run).exists()
    detail = analyst_client.get(reverse("clustering-api:run-detail", args=[run.pk])).json()
    assert detail["status"] == "failed"
    assert detail["error"] == run.error


# Kills the session's worker too, then starts a new one: the start clears the dead one's run.
def test_run_whose_worker_is_killed_is_failed_when_a_worker_starts_again(
    worker, analyst_client, analyst
):
    dataset = dataset_make(owner=analyst, rows=LONG_RUN_ROWS)
    response = analyst_client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk, **LONG_RUN}, format="json"
    )
    assert response.status_code == 202, response.content
    run = _wait_for(response.json()["id"], {Status.RUNNING, Status.SUCCEEDED}, worker)
    assert run.status == Status.RUNNING, "the run ended before the worker could be killed"
    assert run.worker_pid == worker.process.pid  # --pool solo: the worker runs it itself
    assert run.worker_host
    worker.kill()
    run.refresh_from_db()
    assert run.status == Status.RUNNING

    worker.start()  # no sweep runs here (no beat): the new worker's start must end the run
    run = _wait_for(run.pk, {Status.FAILED, Status.SUCCEEDED, Status.CANCELLED}, worker)
    assert run.status == Status.FAILED
    assert f"process {worker_pid_text(run)}" in run.error
    assert "Start the run again" in run.error
    assert not Cluster.objects.filter(run=run).exists()


def worker_pid_text(run: ClusteringRun) -> str:
    return f"{run.worker_pid} on {run.worker_host}"
