"""The back office for runs: pages load, actions go through the services."""

import pytest
from django.urls import reverse

from clustering.models import ClusteringRun
from clustering.services import run_create, run_execute
from tests.factories import ClusteringRunFactory

from .conftest import dataset_make

Status = ClusteringRun.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, admin_user):
    client.force_login(admin_user)
    return client


def test_run_admin_pages_load(admin_browser):
    run = ClusteringRunFactory(status=Status.SUCCEEDED)
    assert (
        admin_browser.get(reverse("admin:clustering_clusteringrun_changelist")).status_code == 200
    )
    change = admin_browser.get(reverse("admin:clustering_clusteringrun_change", args=[run.pk]))
    assert change.status_code == 200


def test_run_admin_publish_action_publishes_succeeded_run(admin_browser, analyst):
    dataset = dataset_make(owner=analyst)
    run = run_create(dataset=dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False)
    run_execute(run_id=run.pk)
    response = admin_browser.post(
        reverse("admin:clustering_clusteringrun_changelist"),
        {"action": "publish", "_selected_action": [run.pk]},
        follow=True,
    )
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.is_published


def test_run_admin_publish_action_refuses_unfinished_run(admin_browser):
    run = ClusteringRunFactory(status=Status.RUNNING)
    response = admin_browser.post(
        reverse("admin:clustering_clusteringrun_changelist"),
        {"action": "publish", "_selected_action": [run.pk]},
        follow=True,
    )
    assert "only a succeeded run can be published" in response.content.decode()
    run.refresh_from_db()
    assert not run.is_published


def test_run_admin_cancel_action_cancels_queued_run(admin_browser):
    run = ClusteringRunFactory()
    admin_browser.post(
        reverse("admin:clustering_clusteringrun_changelist"),
        {"action": "cancel", "_selected_action": [run.pk]},
    )
    run.refresh_from_db()
    assert run.status == Status.CANCELLED


def test_comparison_admin_lists_and_shows_read_only(admin_browser):
    from clustering.models import RunComparison

    old = ClusteringRunFactory(status=Status.SUCCEEDED)
    new = ClusteringRunFactory(status=Status.SUCCEEDED, dataset=old.dataset)
    comparison = RunComparison.objects.create(
        old_run=old, new_run=new, status=RunComparison.Status.FAILED, error="No shared customers"
    )
    listing = admin_browser.get(
        reverse("admin:clustering_runcomparison_changelist"), {"status__exact": "failed"}
    )
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [comparison]
    page = admin_browser.get(reverse("admin:clustering_runcomparison_change", args=[comparison.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "No shared customers" in html
    assert 'name="status"' not in html  # read-only, no input
    add = admin_browser.get(reverse("admin:clustering_runcomparison_add"))
    assert add.status_code == 403
