"""Run services: checks before queueing, one-transaction results, conditional status changes,
cancel, the per-user cap, publishing and the stale-run sweep."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from clustering import engine
from clustering.models import Assignment, Cluster, ClusteringRun
from clustering.selectors import (
    assignment_frame,
    published_run_get,
    run_get,
    run_list,
)
from clustering.services import (
    PUBLISHED_VERSION_KEY,
    run_cancel,
    run_create,
    run_execute,
    run_execute_inline,
    run_fail,
    run_publish,
    runs_fail_stale,
)
from clustering.signals import run_published
from config.errors import Conflict
from datasets.models import Customer
from datasets.selectors import dataset_frame_load
from tests.factories import AnalystFactory, ClusteringRunFactory, DatasetFactory

from .conftest import dataset_make
from .runs import executed_run

Status = ClusteringRun.Status
pytestmark = pytest.mark.django_db


# --- run_create ----------------------------------------------------------------------------------


def test_run_create_records_queued_run_with_default_features(analyst):
    dataset = dataset_make(owner=analyst)
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 4}, enqueue=False)
    assert run.status == Status.QUEUED
    assert "customer_id" not in run.features
    assert {"age", "annual_income", "gender"} <= set(run.features)
    assert run.task_id


def test_run_create_refuses_unknown_feature(analyst):
    dataset = dataset_make(owner=analyst)
    with pytest.raises(ValidationError, match="Unknown feature 'shoe_size'"):
        run_create(dataset=dataset, user=analyst, features=["age", "shoe_size"], enqueue=False)
    assert not ClusteringRun.objects.exists()


def test_run_create_refuses_k_not_below_row_count(analyst):
    dataset = dataset_make(owner=analyst, rows=6)
    with pytest.raises(ValidationError, match="at most 5 clusters"):
        run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 6}, enqueue=False)


@pytest.mark.parametrize("n_clusters", [1, 16])
def test_run_create_refuses_k_outside_range(analyst, n_clusters):
    dataset = dataset_make(owner=analyst)
    with pytest.raises(ValidationError, match="between 2 and 15"):
        run_create(
            dataset=dataset, user=analyst, parameters={"n_clusters": n_clusters}, enqueue=False
        )


def test_run_create_refuses_hierarchical_above_limit_without_sampling(analyst):
    dataset = DatasetFactory(
        owner=analyst,
        n_rows=6_000,
        parquet_file="datasets/big.parquet",
        schema=[{"name": "age", "kind": "numeric", "role": "age"}],
    )
    with pytest.raises(ValidationError, match="limited to 5,000 rows"):
        run_create(
            dataset=dataset,
            user=analyst,
            algorithm="hierarchical",
            parameters={"n_clusters": 3, "allow_sampling": False},
            enqueue=False,
        )


def test_run_create_refuses_unknown_parameter(analyst):
    dataset = dataset_make(owner=analyst)
    with pytest.raises(ValidationError, match="Unknown parameter 'colour'"):
        run_create(dataset=dataset, user=analyst, parameters={"colour": "red"}, enqueue=False)


def test_run_create_refuses_run_beyond_active_cap(analyst, settings):
    settings.MAX_ACTIVE_RUNS_PER_USER = 2
    dataset = dataset_make(owner=analyst)
    ClusteringRunFactory(dataset=dataset, status=Status.QUEUED)
    ClusteringRunFactory(dataset=dataset, status=Status.RUNNING)
    ClusteringRunFactory(dataset=dataset, status=Status.SUCCEEDED)  # finished: not counted
    with pytest.raises(Conflict, match="already have 2 clustering runs queued or running"):
        run_create(dataset=dataset, user=analyst, enqueue=False)
    assert ClusteringRun.objects.count() == 3


# --- run_execute ---------------------------------------------------------------------------------


def test_run_execute_writes_clusters_assignments_and_metrics(analyst):
    run = executed_run(analyst)
    assert run.status == Status.SUCCEEDED
    assert run.progress == 100
    assert run.error == ""
    assert run.finished_at is not None
    clusters = list(Cluster.objects.filter(run=run))
    assert [cluster.label for cluster in clusters] == [0, 1, 2]
    assert len({cluster.name for cluster in clusters}) == 3
    assert sum(cluster.size for cluster in clusters) == 240
    assert all(cluster.summary and cluster.recommendation for cluster in clusters)
    assert Assignment.objects.filter(run=run).count() == 240
    assert run.metrics["n_clusters"] == 3
    assert -1 <= run.metrics["silhouette_score"] <= 1
    assert set(run.metrics["cluster_sizes"]) == {"0", "1", "2"}
    assert run.model_artifact["version"] == 1
    assert run.n_samples == 240
    assert run.timings["save_s"] >= 0


def test_run_execute_assignments_follow_row_order(analyst):
    run = executed_run(analyst)
    frame = assignment_frame(run=run)
    assert frame["row_number"].tolist() == list(range(240))
    sizes = frame["cluster_label"].value_counts().to_dict()
    assert sizes == {c.label: c.size for c in Cluster.objects.filter(run=run)}
    assert frame["confidence"].between(0, 100).all()


def test_run_execute_chooses_k_by_silhouette_when_absent(analyst):
    dataset = dataset_make(owner=analyst)
    run = run_create(dataset=dataset, user=analyst, enqueue=False)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert 2 <= run.metrics["n_clusters"] <= 10
    assert any("silhouette" in note for note in run.metrics["notes"])


def test_run_execute_second_delivery_does_nothing(analyst):
    run = executed_run(analyst)
    finished_at = run.finished_at
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert Cluster.objects.filter(run=run).count() == 3


def test_run_execute_does_nothing_for_run_cancelled_before_start(analyst):
    dataset = dataset_make(owner=analyst)
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    run_cancel(run=run)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert not Cluster.objects.filter(run=run).exists()


def test_run_execute_leaves_nothing_half_written_when_saving_fails(analyst):
    dataset = dataset_make(owner=analyst)
    Customer.objects.filter(dataset=dataset, row_number__gte=200).delete()
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "200 customer rows but its data file has 240" in run.error
    assert not Cluster.objects.filter(run=run).exists()
    assert not Assignment.objects.filter(run=run).exists()
    assert run.model_artifact == {}


def test_run_execute_inline_refuses_dataset_above_sync_limit(analyst, settings):
    settings.SYNC_CLUSTER_MAX_ROWS = 100
    dataset = dataset_make(owner=analyst)
    with pytest.raises(ValidationError, match=r"POST /api/v1/runs/"):
        run_execute_inline(
            dataset=dataset, user=analyst, algorithm="kmeans", parameters={"n_clusters": 3}
        )
    assert not ClusteringRun.objects.exists()


def test_run_execute_inline_publishes_when_asked(analyst, django_capture_on_commit_callbacks):
    dataset = dataset_make(owner=analyst)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = run_execute_inline(
            dataset=dataset,
            user=analyst,
            algorithm="kmeans",
            parameters={"n_clusters": 3},
            publish_on_success=True,
        )
    assert len(callbacks) == 1  # the announcement only; an inline run is never enqueued
    assert run.is_published
    assert published_run_get() == run


# --- conditional status changes ------------------------------------------------------------------


def test_run_fail_keeps_status_of_run_that_already_ended(analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.SUCCEEDED)
    assert run_fail(run_id=run.pk, reason="late worker") is False
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED
    assert run.error == ""


def test_run_cancel_cancels_queued_run_at_once(analyst):
    run = ClusteringRunFactory(dataset__owner=analyst)
    run = run_cancel(run=run)
    assert run.status == Status.CANCELLED
    assert run.finished_at is not None


def test_run_cancel_flags_running_run(analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.RUNNING)
    run = run_cancel(run=run)
    assert run.status == Status.RUNNING
    assert run.cancel_requested


@pytest.mark.parametrize("ended", [Status.SUCCEEDED, Status.FAILED, Status.CANCELLED])
def test_run_cancel_conflicts_when_run_ended(analyst, ended):
    run = ClusteringRunFactory(dataset__owner=analyst, status=ended)
    with pytest.raises(Conflict, match="already ended"):
        run_cancel(run=run)


# --- stale sweep ---------------------------------------------------------------------------------


def test_runs_fail_stale_fails_silent_runs_only(analyst, settings):
    settings.RUN_HEARTBEAT_STALE_S = 60
    now = timezone.now()
    old = now - timedelta(seconds=120)
    silent = ClusteringRunFactory(status=Status.RUNNING, started_at=old, heartbeat_at=old)
    beating = ClusteringRunFactory(status=Status.RUNNING, started_at=old, heartbeat_at=now)
    finished = ClusteringRunFactory(status=Status.SUCCEEDED, started_at=old, heartbeat_at=old)
    cancelling = ClusteringRunFactory(
        status=Status.RUNNING, started_at=old, heartbeat_at=old, cancel_requested=True
    )
    assert runs_fail_stale(now=now) == 2
    for run in (silent, beating, finished, cancelling):
        run.refresh_from_db()
    assert silent.status == Status.FAILED
    assert "stopped responding" in silent.error
    assert beating.status == Status.RUNNING
    assert finished.status == Status.SUCCEEDED
    assert cancelling.status == Status.CANCELLED


def test_runs_fail_stale_fails_run_past_time_limit(settings):
    settings.RUN_TIME_LIMIT_S = 600
    now = timezone.now()
    run = ClusteringRunFactory(
        status=Status.RUNNING, started_at=now - timedelta(seconds=700), heartbeat_at=now
    )
    assert runs_fail_stale(now=now) == 1
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "time limit of 600 seconds" in run.error


# --- publish -------------------------------------------------------------------------------------


def test_run_publish_replaces_owners_previous_publication_and_bumps_version(
    analyst, django_capture_on_commit_callbacks
):
    first = executed_run(analyst)
    second = ClusteringRunFactory(dataset=first.dataset, status=Status.SUCCEEDED)
    other_owner = ClusteringRunFactory(status=Status.SUCCEEDED, is_published=True)
    received = []

    def receiver(sender, run, **kwargs):
        received.append(run.pk)

    run_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_publish(run=first)
        version = cache.get(PUBLISHED_VERSION_KEY)
        with django_capture_on_commit_callbacks(execute=True):
            run_publish(run=second)
    finally:
        run_published.disconnect(receiver)
    first.refresh_from_db()
    other_owner.refresh_from_db()
    assert not first.is_published
    assert other_owner.is_published  # another owner's scope is left alone
    assert cache.get(PUBLISHED_VERSION_KEY) == version + 1
    assert received == [first.pk, second.pk]
    assert published_run_get() == second


def test_run_publish_refuses_run_that_has_not_succeeded(analyst):
    run = ClusteringRunFactory(dataset__owner=analyst, status=Status.RUNNING)
    with pytest.raises(Conflict, match="only a succeeded run can be published"):
        run_publish(run=run)
    run.refresh_from_db()
    assert not run.is_published


# --- selectors -----------------------------------------------------------------------------------


def test_run_list_is_owner_scoped_and_admin_sees_all(analyst, admin_user):
    mine = ClusteringRunFactory(dataset__owner=analyst)
    theirs = ClusteringRunFactory(dataset__owner=AnalystFactory())
    assert list(run_list(user=analyst)) == [mine]
    assert set(run_list(user=admin_user)) == {mine, theirs}


def test_run_get_of_another_analysts_run_is_404(analyst):
    theirs = ClusteringRunFactory(dataset__owner=AnalystFactory())
    with pytest.raises(Http404):
        run_get(user=analyst, pk=theirs.pk)


def test_run_execute_maps_assignments_to_customers_inserted_out_of_order(analyst):
    dataset = dataset_make(owner=analyst, rows=60)
    customers = list(Customer.objects.filter(dataset=dataset).values("row_number", "external_id"))
    Customer.objects.filter(dataset=dataset).delete()
    Customer.objects.bulk_create(
        Customer(dataset=dataset, **fields) for fields in reversed(customers)
    )
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    run_execute(run_id=run.pk)
    frame = assignment_frame(run=run)
    assert frame["row_number"].tolist() == list(range(60))
    assert frame["external_id"].tolist() == [c["external_id"] for c in customers]
    refit = engine.fit(  # deterministic: the same labels, row for row
        dataset_frame_load(dataset=dataset),
        schema=dataset.schema,
        features=run.features,
        algorithm="kmeans",
        params=run.parameters,
    )
    assert frame["cluster_label"].tolist() == refit.labels.tolist()


def test_run_execute_fails_with_reason_when_data_file_is_missing(analyst):
    dataset = dataset_make(owner=analyst)
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    dataset.parquet_file.delete(save=False)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "data file of dataset" in run.error
