"""Fixtures of the reports tests: a published run made by the real clustering services from a
dataset with a real Parquet copy and customer rows."""

import pandas as pd
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.services import user_delete
from clustering.models import ClusteringRun
from clustering.services import run_create, run_execute, run_publish
from datasets.models import CurrentDataset
from tests.factories import AnalystFactory, dataset_with_rows

from .frames import demo_frame, demo_schema


def succeeded_run(
    *, owner, frame: pd.DataFrame | None = None, schema=None, n_clusters: int = 3
) -> ClusteringRun:
    """A run fitted by the real engine (inline), not published."""
    frame = demo_frame() if frame is None else frame
    schema = demo_schema(frame) if schema is None else schema
    dataset = dataset_with_rows(owner=owner, frame=frame, schema=schema)
    run = run_create(
        dataset=dataset,
        user=owner,
        parameters={"n_clusters": n_clusters, "random_state": 0},
        features=["age", "annual_income", "spending_score", "purchase_frequency"],
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error
    return run


def published_run_make(*, owner, **kwargs) -> ClusteringRun:
    """A succeeded run, published; the owner's current dataset is the run's."""
    run = run_publish(run=succeeded_run(owner=owner, **kwargs), user=owner)
    CurrentDataset.objects.update_or_create(user=owner, defaults={"dataset": run.dataset})
    return run


@pytest.fixture
def published_run(analyst, django_capture_on_commit_callbacks) -> ClusteringRun:
    with django_capture_on_commit_callbacks(execute=True):
        return published_run_make(owner=analyst)


@pytest.fixture(scope="module")
def _module_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """One published run for a whole test module, committed outside the tests' transactions
    (each test's own writes still roll back), then deleted with its owner. Fitting a run takes
    about half a second; most tests only read it."""
    media = tmp_path_factory.mktemp("reports-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        owner = AnalystFactory()
        run = published_run_make(owner=owner)
    yield run, owner, media
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        # As an account deletion does: the datasets' customer tables (partitions on PostgreSQL)
        # and files go too, not only the rows the ORM cascade reaches.
        user_delete(user=owner)


@pytest.fixture
def shared_run(_module_run, settings, db) -> ClusteringRun:
    """The module's published run (read it, do not change it); files resolve where it lives."""
    run, _, media = _module_run
    settings.MEDIA_ROOT = media
    run.refresh_from_db()
    return run


@pytest.fixture
def shared_owner(_module_run, shared_run):
    """The analyst who owns the module's run."""
    return _module_run[1]


@pytest.fixture
def owner_client(shared_owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(shared_owner)
    return client
