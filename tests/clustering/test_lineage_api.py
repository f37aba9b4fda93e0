"""Lineage between two runs through the API and the services, on planted data: a run and a run on
a perturbed copy with known movers; the transition matrix counts them exactly, names carry over
on publish, movers page and export as CSV, and another user's runs do not exist (404)."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clustering.models import Cluster, RunComparison
from clustering.services import run_create, run_publish
from tests.factories import UserFactory

from .lineage_data import (
    ENTERED,
    FORMULA_ID,
    LEFT,
    MOVED,
    PER_GROUP,
    executed,
    label_of,
    planted_pair,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted_runs(analyst):
    old_frame, new_frame, truth = planted_pair()
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    return old, new, truth


def compare_url(run, other) -> str:
    return reverse("clustering-api:run-compare", args=[run.pk, other.pk])


def test_transition_matrix_counts_the_planted_movers_exactly(analyst_client, planted_runs):
    old, new, truth = planted_runs
    # Asked from the new run's side: the older run is still `old_run`.
    response = analyst_client.get(compare_url(new, old))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["old_run"], body["new_run"], body["basis"]) == (old.pk, new.pk, "customers")
    low_old, low_new = label_of(old, "LOW-050"), label_of(new, "LOW-050")
    mid_old, mid_new = label_of(old, "MID-000"), label_of(new, "MID-000")
    high_old, high_new = label_of(old, "HIGH-000"), label_of(new, "HIGH-000")
    matched = {p["old_label"]: p["new_label"] for p in body["pairs"]}
    assert matched == {low_old: low_new, mid_old: mid_new, high_old: high_new}
    cells = {(t["from_label"], t["to_label"]): t["customers"] for t in body["transitions"]}
    assert cells == {
        (low_old, low_new): PER_GROUP - MOVED,
        (low_old, mid_new): MOVED,
        (mid_old, mid_new): PER_GROUP,
        (high_old, high_new): PER_GROUP - LEFT,
    }
    assert body["counts"] == {
        "old": 3 * PER_GROUP,
        "new": 3 * PER_GROUP - LEFT + ENTERED,
        "shared": 3 * PER_GROUP - LEFT,
        "moved": MOVED,
        "entered": ENTERED,
        "left": LEFT,
    }
    left = {s["label"]: s["left"] for s in body["old_segments"]}
    entered = {s["label"]: s["entered"] for s in body["new_segments"]}
    assert left == {low_old: 0, mid_old: 0, high_old: LEFT}
    assert entered == {low_new: ENTERED, mid_new: 0, high_new: 0}
    pairs = {p["old_label"]: p for p in body["pairs"]}
    assert pairs[mid_old]["jaccard"] == pytest.approx(PER_GROUP / (PER_GROUP + MOVED))
    assert pairs[high_old]["jaccard"] == pytest.approx((PER_GROUP - LEFT) / PER_GROUP)
    assert set(pairs[low_old]["centroid_shift"]) == {"spend", "visits"}
    assert abs(pairs[low_old]["centroid_shift"]["spend"]) < 5  # the groups stayed put

    # The comparison is made once per pair of runs.
    assert analyst_client.get(compare_url(old, new)).json()["id"] == body["id"]
    assert RunComparison.objects.count() == 1

    movers = analyst_client.get(body["movers_url"], {"page_size": 10}).json()
    assert movers["count"] == MOVED
    everyone = analyst_client.get(body["movers_url"], {"page_size": 100}).json()["results"]
    assert {m["external_id"] for m in everyone} == set(truth["moved"])
    assert {(m["from_label"], m["to_label"]) for m in everyone} == {(low_old, mid_new)}
    assert analyst_client.get(body["movers_url"], {"from": mid_old}).json()["count"] == 0
    assert analyst_client.get(body["movers_url"], {"to": mid_new}).json()["count"] == MOVED
    bad = analyst_client.get(body["movers_url"], {"from": "low"})
    assert bad.status_code == 400
    assert "whole number" in bad.content.decode()


def test_movers_csv_is_safe_for_spreadsheets(analyst_client, planted_runs):
    old, new, _truth = planted_runs
    url = reverse("clustering-api:run-compare-movers-csv", args=[old.pk, new.pk])
    response = analyst_client.get(url, {"to": label_of(new, "MID-000")})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == MOVED
    assert set(rows[0]) == {"external_id", "from_label", "from_segment", "to_label", "to_segment"}
    ids = {row["external_id"] for row in rows}
    assert "'" + FORMULA_ID in ids
    assert FORMULA_ID not in ids
    names = dict(Cluster.objects.filter(run=new).values_list("label", "name"))
    assert {row["to_segment"] for row in rows} == {names[label_of(new, "MID-000")]}


def test_names_carry_over_when_the_new_run_is_published(planted_runs):
    old, new, _ = planted_runs
    custom = {
        label_of(old, "LOW-050"): "Occasional",
        label_of(old, "MID-000"): "Big spenders",
        label_of(old, "HIGH-000"): "Regulars",
    }
    for label, name in custom.items():
        Cluster.objects.filter(run=old, label=label).update(name=name)
    run_publish(run=old)
    run_publish(run=new)
    names = dict(Cluster.objects.filter(run=new).values_list("label", "name"))
    # low: 65 of 80+4 shared (J 0.77), mid: 80 of 95 (J 0.84), high: 74 of 80 (J 0.93).
    assert names == {
        label_of(new, "LOW-050"): "Occasional",
        label_of(new, "MID-000"): "Big spenders",
        label_of(new, "HIGH-000"): "Regulars",
    }


def test_names_do_not_carry_over_below_half_overlap(analyst):
    old_frame, new_frame, _ = planted_pair()
    old = executed(analyst, old_frame)
    # A different customer base sharing a third of the ids with the old one.
    new_frame = new_frame.copy()
    keep = new_frame["customer_id"].str.endswith(("0", "3", "6"))
    new_frame.loc[~keep, "customer_id"] = "OTHER-" + new_frame.loc[~keep, "customer_id"]
    new = executed(analyst, new_frame)
    Cluster.objects.filter(run=old).update(name="Old name")
    Cluster.objects.filter(run=old, label=label_of(old, "MID-000")).update(name="Big spenders")
    before = dict(Cluster.objects.filter(run=new).values_list("label", "name"))
    run_publish(run=old)
    run_publish(run=new)
    assert dict(Cluster.objects.filter(run=new).values_list("label", "name")) == before


def test_runs_without_shared_customers_match_on_centroids(analyst_client, analyst):
    old_frame, new_frame, _ = planted_pair()
    new_frame = new_frame.assign(customer_id="OTHER-" + new_frame["customer_id"])
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    body = analyst_client.get(compare_url(old, new)).json()
    assert body["basis"] == "centroids"
    assert body["counts"]["shared"] == 0
    assert body["counts"]["moved"] == 0
    matched = {p["old_label"]: p["new_label"] for p in body["pairs"]}
    for external_id in ("LOW-050", "MID-000", "HIGH-000"):
        assert matched[label_of(old, external_id)] == label_of(new, "OTHER-" + external_id)
    assert all(p["jaccard"] is None and p["distance"] is not None for p in body["pairs"])


def test_another_users_runs_are_not_found(analyst_client, planted_runs):
    old, new, _ = planted_runs
    stranger = UserFactory(role="analyst")
    theirs = executed(stranger, planted_pair(seed=1)[0])
    client = APIClient()
    client.force_authenticate(stranger)
    for url in (
        compare_url(old, new),
        reverse("clustering-api:run-compare-movers", args=[old.pk, new.pk]),
        reverse("clustering-api:run-compare-movers-csv", args=[old.pk, new.pk]),
        compare_url(theirs, old),
    ):
        assert client.get(url).status_code == 404, url
    assert analyst_client.get(compare_url(old, theirs)).status_code == 404
    assert not RunComparison.objects.exists()


def test_bad_pairs_answer_in_words(analyst_client, analyst, planted_runs):
    old, _new, _ = planted_runs
    itself = analyst_client.get(compare_url(old, old))
    assert itself.status_code == 400
    assert "itself" in itself.content.decode()
    queued = run_create(
        dataset=old.dataset, user=analyst, parameters={"n_clusters": 3}, enqueue=False
    )
    conflict = analyst_client.get(compare_url(old, queued))
    assert conflict.status_code == 409
    assert "succeeded" in conflict.content.decode()


def test_run_page_shows_the_comparison_and_its_sankey(client, analyst, planted_runs):
    old, new, _ = planted_runs
    client.force_login(analyst)
    url = reverse("pages:run-detail", args=[new.pk])
    page = client.get(url).content.decode()
    assert 'id="compare-heading"' in page
    assert f'<option value="{old.pk}"' in page
    page = client.get(url, {"compare": old.pk}).content.decode()
    assert 'id="comparison-pairs"' in page
    assert f"<strong>{MOVED}</strong> moved" in page
    assert '"type": "sankey"' in page or '"type":"sankey"' in page
    stranger = UserFactory(role="analyst")
    theirs = executed(stranger, planted_pair(seed=1)[0])
    page = client.get(url, {"compare": theirs.pk}).content.decode()
    assert f"Run {theirs.pk} was not found among your runs." in page
    assert 'id="comparison-pairs"' not in page
    client.force_login(stranger)
    assert client.get(url, {"compare": old.pk}).status_code == 404


def test_an_abandoned_job_starts_again_and_files_go_with_the_runs(analyst_client, planted_runs):
    old, new, _ = planted_runs
    url = compare_url(old, new)
    first = analyst_client.get(url).json()
    comparison = RunComparison.objects.get(pk=first["id"])
    path = comparison.movers_file.path
    assert Path(path).exists()
    stale = timezone.now() - timedelta(hours=2)
    RunComparison.objects.filter(pk=comparison.pk).update(
        status=RunComparison.Status.RUNNING, created_at=stale
    )
    again = analyst_client.get(url)
    assert again.status_code == 200
    assert again.json()["id"] != first["id"]
    assert not Path(path).exists()
    newer = RunComparison.objects.get().movers_file.path
    new.delete()
    assert not RunComparison.objects.exists()
    assert not Path(newer).exists()
