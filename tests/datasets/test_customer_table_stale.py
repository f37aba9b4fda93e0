"""A customer-table or registration job whose worker died is failed by the periodic sweep, never
left running: the claim (queued -> running) makes a redelivered task a no-op, so nothing else
would end it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from datasets.models import CustomerTableJob, RegistrationJob
from datasets.services import STALE_JOB_GRACE_S, dataset_jobs_fail_stale
from datasets.tasks import (
    customer_table_build_task,
    customer_table_time_limit_s,
    dataset_register_task,
    registration_time_limit_s,
)
from tests.factories import AnalystFactory, DatasetFactory

pytestmark = pytest.mark.django_db
Status = CustomerTableJob.Status


def _job(*, status: str, started_s_ago: float | None) -> CustomerTableJob:
    source = DatasetFactory()
    started = None if started_s_ago is None else timezone.now() - timedelta(seconds=started_s_ago)
    return CustomerTableJob.objects.create(
        owner=source.owner, source=source, status=status, started_at=started
    )


def test_a_job_running_past_its_hard_limit_is_failed_with_a_reason():
    dead_after = customer_table_time_limit_s() + STALE_JOB_GRACE_S
    dead = _job(status=Status.RUNNING, started_s_ago=dead_after + 5)
    alive = _job(status=Status.RUNNING, started_s_ago=dead_after - 30)
    queued = _job(status=Status.QUEUED, started_s_ago=None)

    assert dataset_jobs_fail_stale() == 1

    dead.refresh_from_db()
    assert dead.status == Status.FAILED
    assert "stopped responding" in dead.error
    assert dead.finished_at is not None
    for job in (alive, queued):
        job.refresh_from_db()
    assert alive.status == Status.RUNNING
    assert queued.status == Status.QUEUED


def test_a_redelivered_task_of_a_dead_job_leaves_it_to_the_sweep():
    job = _job(status=Status.RUNNING, started_s_ago=customer_table_time_limit_s() * 2)
    customer_table_build_task.run(job.pk)  # the claim fails: nothing is built twice
    job.refresh_from_db()
    assert job.status == Status.RUNNING
    assert dataset_jobs_fail_stale() == 1


def test_the_sweep_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "datasets.tasks.dataset_jobs_fail_stale_task" in tasks


def _registration(*, status: str, started_s_ago: float | None) -> RegistrationJob:
    started = None if started_s_ago is None else timezone.now() - timedelta(seconds=started_s_ago)
    return RegistrationJob.objects.create(
        owner=AnalystFactory(), url="incoming/big/", status=status, started_at=started
    )


def test_a_registration_running_past_its_hard_limit_is_failed_by_the_same_sweep():
    dead_after = registration_time_limit_s() + STALE_JOB_GRACE_S
    dead = _registration(status=Status.RUNNING, started_s_ago=dead_after + 5)
    alive = _registration(status=Status.RUNNING, started_s_ago=dead_after - 30)
    table = _job(status=Status.RUNNING, started_s_ago=customer_table_time_limit_s() * 3)

    assert dataset_jobs_fail_stale() == 2

    dead.refresh_from_db()
    assert dead.status == Status.FAILED
    assert "stopped responding; register it again (nothing of it was kept)" in dead.error
    assert dead.finished_at is not None
    alive.refresh_from_db()
    table.refresh_from_db()
    assert (alive.status, table.status) == (Status.RUNNING, Status.FAILED)


def test_a_redelivered_registration_of_a_dead_job_leaves_it_to_the_sweep():
    job = _registration(status=Status.RUNNING, started_s_ago=registration_time_limit_s() * 2)
    dataset_register_task.run(job.pk)  # the claim fails: nothing is registered twice
    job.refresh_from_db()
    assert job.status == Status.RUNNING
    assert dataset_jobs_fail_stale() == 1
