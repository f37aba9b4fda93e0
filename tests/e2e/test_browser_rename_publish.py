"""In a real browser: an analyst renames a segment on the run page (a refused name is explained
next to the form), and publishing goes through a confirmation page that shows the segments every
user sees now next to the run's. Screenshots go to var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from clustering.models import Cluster
from clustering.services import run_publish
from config.pages.numbers import number_filter
from tests.clustering.lineage_data import executed, label_of, planted_pair
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_renames_a_segment_on_the_run_page(page):
    analyst = AnalystFactory()
    run = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=3)
    taken = Cluster.objects.get(run=run, label=0).name
    old = Cluster.objects.get(run=run, label=1).name
    log_in(page, analyst)
    page.goto(f"/app/runs/{run.pk}/")

    card = page.locator(".cluster-card").nth(1)
    card.get_by_text("Rename", exact=True).click()
    field = card.get_by_label(f"New name for “{old}”")
    field.fill(taken.lower())
    card.get_by_role("button", name="Save name").click()

    card = page.locator(".cluster-card").nth(1)
    expect(card.get_by_role("alert")).to_have_text(
        f"Another segment of run {run.pk} is already called “{taken}”; choose a name no other "
        "segment of the run has."
    )
    expect(page).to_have_url(re.compile(rf"/app/runs/{run.pk}/clusters/1/rename/#cluster-1$"))
    expect(card.get_by_label(f"New name for “{old}”")).to_have_value(taken.lower())
    expect(card.get_by_role("heading", level=3)).to_have_text(old)
    screenshot(page, "run-detail-rename-refused")

    card.get_by_label(f"New name for “{old}”").fill("Weekend big spenders")
    card.get_by_role("button", name="Save name").click()

    expect(page.get_by_text("Segment 1 is now called “Weekend big spenders”.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/app/runs/{run.pk}/#cluster-1$"))
    expect(page.locator("#cluster-1")).to_have_text("Weekend big spenders")
    assert Cluster.objects.get(run=run, label=1).name_edited
    screenshot(page, "run-detail-renamed")


def test_publishing_asks_for_confirmation_showing_what_changes(page):
    analyst = AnalystFactory()
    old = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=2, publish=True)
    new = succeeded_run(dataset_upload(analyst, demo_csv(300, seed=1)), analyst, k=4)
    log_in(page, analyst)
    page.goto(f"/app/runs/{new.pk}/")

    page.get_by_role("link", name="Publish this segmentation").click()

    expect(page.get_by_role("heading", name=f"Publish run {new.pk}?", level=1)).to_be_visible()
    expect(page.locator("#publish-impact")).to_contain_text(
        "Publishing replaces what every user sees."
    )
    expect(page.locator("#publish-impact")).to_contain_text(
        f"run {new.pk}'s 4 segments instead of the 2 segments of run {old.pk}"
    )
    now = page.locator("#published-now")
    after = page.locator("#published-after")
    expect(now.locator("tbody tr")).to_have_count(2)
    expect(after.locator("tbody tr")).to_have_count(4)
    for cluster in old.clusters.all():
        row = now.get_by_role("row", name=re.compile(re.escape(cluster.name)))
        expect(row.get_by_role("cell")).to_have_text(
            [number_filter(cluster.size), f"{number_filter(cluster.percentage, 1)}%"]
        )
    for cluster in new.clusters.all():
        expect(after.get_by_role("rowheader", name=cluster.name, exact=True)).to_be_visible()
    screenshot(page, "run-publish-confirm")

    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/app/runs/{new.pk}/$"))
    new.refresh_from_db()
    assert not new.is_published

    page.get_by_role("link", name="Publish this segmentation").click()
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page.get_by_text(f"Run {new.pk} is now the published segmentation.")).to_be_visible()
    expect(page.get_by_role("link", name="Publish this segmentation")).to_have_count(0)
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.is_published
    assert not old.is_published


def test_confirmation_says_when_nothing_is_published_yet(page):
    analyst = AnalystFactory()
    run = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=3)
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/publish/")

    expect(page.locator("#published-now")).to_contain_text("Nothing is published yet")
    expect(page.locator("#published-after tbody tr")).to_have_count(3)
    expect(page.get_by_role("button", name="Publish", exact=True)).to_be_visible()
    screenshot(page, "run-publish-confirm-first")


def test_confirmation_shows_the_names_a_run_carries_over(page):
    analyst = AnalystFactory()
    old_frame, new_frame, _ = planted_pair()
    old, new = executed(analyst, old_frame), executed(analyst, new_frame)
    for external_id, name in (("LOW-050", "Occasional"), ("MID-000", "Big spenders")):
        Cluster.objects.filter(run=old, label=label_of(old, external_id)).update(name=name)
    run_publish(run=old)
    low = Cluster.objects.get(run=new, label=label_of(new, "LOW-050"))
    log_in(page, analyst)

    page.goto(f"/app/runs/{new.pk}/publish/")

    expect(page.locator("#carried-names")).to_contain_text(
        f"2 of its segments continue segments of run {old.pk} and take their names"
    )
    row = page.locator("#published-after").get_by_role("rowheader", name=re.compile("Occasional"))
    expect(row).to_have_text(f"Occasional (named “{low.name}” in this run until now)")
    screenshot(page, "run-publish-confirm-carried")
