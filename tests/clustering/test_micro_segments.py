"""No silent micro-segments: a run whose result has a segment under 1% of the customers says so,
naming the segment and what it holds, in its quality report (the API) and on the run page."""

import pytest
from django.test import Client
from django.urls import reverse

from clustering.models import ClusteringRun
from clustering.services import run_execute
from datasets.demo import generate_rfm_customers
from tests.clustering.planted import PLANTED, rfm_with_extreme_customers

from .conftest import dataset_make

pytestmark = pytest.mark.django_db


def _micro_run(client, owner) -> ClusteringRun:
    dataset = dataset_make(owner=owner, frame=rfm_with_extreme_customers())
    body = {"dataset": dataset.pk, "n_clusters": 4}
    response = client.post("/api/v1/runs/", body, format="json")
    assert response.status_code == 202, response.content
    run = ClusteringRun.objects.get(pk=response.json()["id"])
    run_execute(run_id=run.pk)  # what the worker does with the queued run
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error
    return run


def test_the_quality_report_names_the_micro_segment(analyst_client, analyst):
    run = _micro_run(analyst_client, analyst)
    metrics = analyst_client.get(f"/api/v1/runs/{run.pk}/").json()["metrics"]
    tiny = run.clusters.get(size=PLANTED)
    assert metrics["smallest_segment"] == tiny.name
    assert metrics["smallest_segment_share"] < 1
    (warning,) = metrics["segment_warnings"]
    assert f"'{tiny.name}' holds {PLANTED} customers" in warning
    assert "x the average monetary" in warning
    assert "consider excluding them or k=3" in warning


def test_the_run_page_shows_the_warning_and_the_notes(analyst_client, analyst):
    run = _micro_run(analyst_client, analyst)
    browser = Client()
    browser.force_login(analyst)
    page = browser.get(reverse("pages:run-detail", args=[run.pk])).content.decode()
    tiny = run.clusters.get(size=PLANTED)
    assert 'id="segment-warnings"' in page
    assert f"&#x27;{tiny.name}&#x27; holds {PLANTED} customers" in page
    share = f"{100 * PLANTED / run.dataset.n_rows:.1f}%"
    assert f"<dt>Smallest segment: {share}</dt>" in page  # as the segment card writes it
    assert "monetary: log-scaled, skewness" in page


def test_a_balanced_run_carries_no_warning(analyst_client, analyst):
    dataset = dataset_make(owner=analyst, frame=generate_rfm_customers(2_000, seed=0))
    body = {"dataset": dataset.pk, "n_clusters": 4}
    run_id = analyst_client.post("/api/v1/runs/", body, format="json").json()["id"]
    run_execute(run_id=run_id)
    metrics = analyst_client.get(f"/api/v1/runs/{run_id}/").json()["metrics"]
    assert metrics["segment_warnings"] == []
    assert metrics["smallest_segment_share"] >= 5
    browser = Client()
    browser.force_login(analyst)
    page = browser.get(reverse("pages:run-detail", args=[run_id])).content.decode()
    assert 'id="segment-warnings"' not in page


def test_the_optimal_k_answer_and_page_say_why_a_k_was_passed_over(analyst_client, analyst):
    dataset = dataset_make(owner=analyst, frame=rfm_with_extreme_customers())
    url = reverse("clustering-api:dataset-optimal-k", args=[dataset.pk])
    body = analyst_client.get(url, {"k_max": 6}).json()
    shares = dict(zip(body["k_range"], body["smallest_segment_shares"], strict=True))
    assert shares[body["optimal_k"]] >= 1
    assert body["passed_over"]
    assert all("is not recommended" in reason for reason in body["passed_over"])
    browser = Client()
    browser.force_login(analyst)
    page = browser.get(reverse("pages:dataset-choose-k", args=[dataset.pk])).content.decode()
    assert 'id="passed-over"' in page
    assert "is not recommended although its silhouette" in page
