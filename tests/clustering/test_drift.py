"""`GET /api/v1/datasets/{id}/drift/` on real runs fitted by the engine: identical data (PSI 0,
stable), a shifted feature (major, advice in words), the owner checks (404), missing columns
(400), nothing published (409), the cache per (dataset, run), and a large upload measured by a
real Celery worker (202 with progress, then 200)."""

import time

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from clustering.models import DriftCheck
from clustering.services import run_publish
from datasets.demo import generate_customers

# The real Celery worker of the job tests (one process per session, on the test database).
from tests.factories import AnalystFactory, dataset_with_rows
from tests.reports.conftest import succeeded_run
from tests.reports.frames import demo_frame, demo_schema

FEATURES = ["age", "annual_income", "spending_score", "purchase_frequency"]
WAIT_S = 60


def _drift(client: APIClient, dataset_id: int, **query):
    return client.get(f"/api/v1/datasets/{dataset_id}/drift/", query)


def _published(owner):
    return run_publish(run=succeeded_run(owner=owner), user=owner)


def _dataset(owner, frame):
    return dataset_with_rows(owner=owner, frame=frame, schema=demo_schema(frame))


@pytest.mark.django_db
def test_identical_data_has_psi_zero_everywhere_and_is_stable(analyst, analyst_client):
    run = _published(analyst)
    same = _dataset(analyst, demo_frame())  # the training rows, uploaded again
    response = _drift(analyst_client, same.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["run"] == run.pk
    assert body["run_is_published"] is True
    assert [f["name"] for f in body["features"]] == FEATURES
    assert [f["psi"] for f in body["features"]] == [0.0, 0.0, 0.0, 0.0]
    assert body["status"] == "stable"
    assert all(abs(s["shift_points"]) < 0.01 for s in body["segments"])
    assert body["advice"][-1].startswith("No feature moved")
    assert body["n_rows"] == 600


@pytest.mark.django_db
def test_a_shifted_feature_is_major_with_advice(analyst, analyst_client):
    _published(analyst)
    frame = demo_frame(seed=4)
    frame["annual_income"] = frame["annual_income"] * 3
    body = _drift(analyst_client, _dataset(analyst, frame).pk).json()
    income = next(f for f in body["features"] if f["name"] == "annual_income")
    assert income["psi"] > 0.25
    assert income["level"] == "major"
    assert body["status"] == "major"
    assert body["advice"][0].startswith("annual_income moved (PSI ")
    assert body["advice"][0].endswith("): retrain.")
    assert len(income["bins"]) == 11  # ten deciles and the missing bin
    assert income["bins"][-1]["label"] == "missing"
    age = next(f for f in body["features"] if f["name"] == "age")
    assert age["psi"] < 0.1  # another sample of the same population


@pytest.mark.django_db
def test_against_a_named_run_of_ones_own(analyst, analyst_client):
    own = succeeded_run(owner=analyst)  # not published; nothing is
    dataset = _dataset(analyst, demo_frame(seed=1))
    refused = _drift(analyst_client, dataset.pk)
    assert refused.status_code == 409
    assert "No segmentation has been published yet" in refused.json()["detail"]
    response = _drift(analyst_client, dataset.pk, run=own.pk)
    assert response.status_code == 200, response.content
    assert response.json()["run"] == own.pk
    assert response.json()["run_is_published"] is False


@pytest.mark.django_db
def test_another_users_dataset_and_run_are_not_found(analyst, analyst_client):
    other = AnalystFactory()
    others_run = _published(other)
    others_dataset = _dataset(other, demo_frame(seed=2))
    assert _drift(analyst_client, others_dataset.pk).status_code == 404
    mine = _dataset(analyst, demo_frame(seed=3))
    assert _drift(analyst_client, mine.pk, run=others_run.pk).status_code == 404
    assert _drift(analyst_client, 987654).status_code == 404
    assert _drift(analyst_client, mine.pk, run="x").status_code == 400
    assert APIClient().get(f"/api/v1/datasets/{mine.pk}/drift/").status_code == 401


@pytest.mark.django_db
def test_a_dataset_without_the_runs_features_is_refused_naming_them(analyst, analyst_client):
    run = _published(analyst)
    frame = demo_frame(seed=5).drop(columns=["spending_score", "age"])
    response = _drift(analyst_client, _dataset(analyst, frame).pk)
    assert response.status_code == 400
    text = str(response.json())
    assert "has no column 'age', 'spending_score'" in text
    assert f"run {run.pk} was trained on" in text


@pytest.mark.django_db
def test_the_answer_is_cached_per_dataset_and_run(analyst, analyst_client):
    _published(analyst)
    dataset = _dataset(analyst, demo_frame(seed=6))
    first = _drift(analyst_client, dataset.pk).json()
    second = _drift(analyst_client, dataset.pk).json()
    assert second["computed_at"] == first["computed_at"]
    assert DriftCheck.objects.count() == 0  # small: measured in the request


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_is_measured_by_the_worker(worker, settings):
    settings.DRIFT_INLINE_MAX_ROWS = 100
    analyst = AnalystFactory()
    client = APIClient()
    client.force_authenticate(analyst)
    run = _published(analyst)
    frame = generate_customers(400, seed=8)
    frame["spending_score"] = np.clip(frame["spending_score"] + 40, 0, 100)
    upload = SimpleUploadedFile("new.csv", frame.to_csv(index=False).encode(), "text/csv")
    created = client.post("/api/v1/datasets/", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content
    dataset_id = created.json()["id"]
    check = DriftCheck.objects.get(dataset_id=dataset_id)  # started by the upload
    assert check.run_id == run.pk
    deadline = time.monotonic() + WAIT_S
    response = _drift(client, dataset_id)
    while response.status_code == 202 and time.monotonic() < deadline:
        body = response.json()
        assert body["status"] in ("queued", "running", "succeeded")
        assert 0 <= body["progress"] <= 100
        assert body["url"] == f"/api/v1/datasets/{dataset_id}/drift/?run={run.pk}"
        time.sleep(0.2)
        response = _drift(client, dataset_id)
    assert response.status_code == 200, f"{response.content}\n{worker.log()}"
    body = response.json()
    assert body["n_rows"] == 400
    assert body["status"] == "major"
    assert any(a.startswith("spending_score moved (PSI ") for a in body["advice"])
    check.refresh_from_db()
    assert check.status == "succeeded"
    assert check.progress == 100
    assert check.result["features"] == body["features"]


@pytest.mark.django_db
def test_a_new_publication_is_measured_against_at_once(
    analyst, analyst_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _published(analyst)
    dataset = _dataset(analyst, demo_frame(seed=9))
    assert _drift(analyst_client, dataset.pk).json()["run"] == first.pk
    with django_capture_on_commit_callbacks(execute=True):
        second = _published(analyst)
    body = _drift(analyst_client, dataset.pk).json()
    assert body["run"] == second.pk
    assert body["run_is_published"] is True


@pytest.mark.django_db
def test_a_large_dataset_answers_202_with_its_job(analyst, analyst_client, settings):
    settings.DRIFT_INLINE_MAX_ROWS = 100
    run = _published(analyst)
    dataset = _dataset(analyst, demo_frame(rows=300, seed=10))
    response = _drift(analyst_client, dataset.pk)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["url"] == f"/api/v1/datasets/{dataset.pk}/drift/?run={run.pk}"
    again = _drift(analyst_client, dataset.pk).json()
    assert again["id"] == body["id"]  # one job per (dataset, run)
    assert DriftCheck.objects.count() == 1


@pytest.mark.django_db
def test_drift_answers_while_the_cache_is_unreachable(analyst, analyst_client, settings):
    run = _published(analyst)
    dataset = _dataset(analyst, demo_frame(seed=11))
    # The service's own cache backend, pointed at a closed port: every call is skipped.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.DegradingRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    first = _drift(analyst_client, dataset.pk)
    second = _drift(analyst_client, dataset.pk)
    assert first.status_code == second.status_code == 200
    assert first.json()["run"] == run.pk
    assert first.json()["features"] == second.json()["features"]
    assert first.json()["computed_at"] != second.json()["computed_at"]  # measured again


@pytest.mark.django_db
def test_a_check_abandoned_by_its_worker_is_queued_again_when_asked(
    analyst, analyst_client, settings
):
    from datetime import timedelta

    from django.utils import timezone

    settings.DRIFT_INLINE_MAX_ROWS = 100
    _published(analyst)
    dataset = _dataset(analyst, demo_frame(rows=300, seed=12))
    first = _drift(analyst_client, dataset.pk).json()
    running = DriftCheck.objects.filter(pk=first["id"])
    running.update(status=DriftCheck.Status.RUNNING, progress=40, started_at=timezone.now())
    assert _drift(analyst_client, dataset.pk).json()["status"] == "running"  # still at work

    dead_since = timedelta(seconds=settings.DRIFT_TIME_LIMIT_S + 61)
    running.update(started_at=timezone.now() - dead_since)
    again = _drift(analyst_client, dataset.pk)
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    assert again.json()["status"] == "queued"
    assert again.json()["progress"] == 0
