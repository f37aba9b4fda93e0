"""The product in a real browser (Playwright + Debian's Chromium) against a live server: the
analyst's whole workflow with a real Celery worker, a plain user's predictions and profiles,
what a plain user may not reach, and data shown as text. Screenshots go to var/screenshots/."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 90_000  # a real worker fits the run; CI machines are slow


def test_analyst_uploads_clusters_publishes_explores_and_exports(
    page, celery_worker_process, tmp_path
):
    analyst = AnalystFactory()
    csv_path = tmp_path / "shop customers.csv"
    csv_path.write_bytes(demo_csv(400))
    log_in(page, analyst)
    screenshot(page, "dashboard-analyst")

    page.get_by_role("link", name="Datasets", exact=True).click()
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_label("Name").fill("Shop customers")
    page.get_by_role("button", name="Upload").click()

    # Parsing, profiling and loading the file happen before the answer.
    expect(page.get_by_role("heading", name="Shop customers", level=1)).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_role("heading", name="Data quality")).to_be_visible()
    expect(page.get_by_role("heading", name="Statistics")).to_be_visible()
    expect(page.locator("[data-chart=chart-correlation] .main-svg").first).to_be_attached()
    screenshot(page, "dataset-detail")

    page.get_by_role("link", name="Choose the number of segments").click()
    expect(page.get_by_role("heading", name=re.compile(r"Recommended: k = \d+"))).to_be_visible()
    screenshot(page, "choose-k")

    page.get_by_role("link", name=re.compile(r"Start a run with k = \d+")).click()
    page.get_by_label("Algorithm").select_option("kmeans")
    page.get_by_label("Number of clusters (k)").fill("4")
    screenshot(page, "run-form")
    page.get_by_role("button", name="Start the run").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Run \d+"))).to_be_visible()
    expect(page.get_by_text("Succeeded", exact=True)).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator(".cluster-card")).to_have_count(4)
    expect(page.locator("[data-chart=chart-sizes] .main-svg").first).to_be_attached()
    screenshot(page, "run-detail")

    page.get_by_role("link", name="Publish this segmentation").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Publish run \d+\?"))).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("is now the published segmentation")).to_be_visible()

    page.get_by_role("link", name="Segments", exact=True).click()
    expect(page.locator("#segment-table tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Region").click()
    expect(page.get_by_role("heading", name="Region", level=2)).to_be_visible()
    page.wait_for_load_state("load")  # the sorting script runs after the table is shown
    page.locator("#segment-table thead th").first.get_by_role("button").click()
    expect(page.locator("#segment-table thead th").first).to_have_attribute(
        "aria-sort", "ascending"
    )
    screenshot(page, "segment-explorer")

    page.go_back()
    page.go_back()
    page.get_by_label("Export as").select_option("csv")
    page.get_by_role("button", name="Export").click()
    download_link = page.get_by_role("link", name=re.compile("Download CSV"))
    expect(download_link).to_be_visible(timeout=RUN_TIMEOUT_MS)
    screenshot(page, "exports")
    with page.expect_download() as download_info:
        download_link.click()
    text = Path(download_info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 400
    assert {"customer_id", "cluster", "cluster_name"} <= set(rows[0])


def test_user_predicts_saves_a_profile_and_sees_it_in_history(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(300))
    succeeded_run(dataset, analyst, k=4, publish=True, features=PROFILE_FEATURES)
    log_in(page, UserFactory())

    page.get_by_role("link", name="Predict", exact=True).click()
    page.get_by_label("Sex").select_option("Female")
    page.get_by_label("Age").fill("29")
    page.get_by_label("Annual income").fill("95")
    page.get_by_label("Spending score").fill("80")
    page.get_by_label("Purchase frequency").fill("30")
    page.get_by_role("button", name="Predict").click()

    answer = page.locator("#prediction-result")
    expect(answer).to_contain_text("This customer belongs to")
    expect(answer).to_contain_text("% confidence")
    expect(page.locator("table tbody tr")).to_have_count(1)
    screenshot(page, "predict")

    page.get_by_role("link", name="Save as a profile").click()
    expect(page.get_by_label("Age")).to_have_value("29")
    page.get_by_label("Name").fill("Ada the regular")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile “Ada the regular” saved.")).to_be_visible()
    screenshot(page, "profiles")

    page.get_by_role("button", name="Segment Ada the regular").click()
    expect(page.get_by_text("Answer for the profile “Ada the regular”")).to_be_visible()
    history = page.locator("table tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Ada the regular")


def test_plain_user_cannot_reach_analyst_pages(page):
    log_in(page, UserFactory())

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Datasets")).to_have_count(0)
    expect(nav.get_by_role("link", name="Exports")).to_have_count(0)
    for path in ("/app/datasets/", "/app/exports/", "/app/runs/1/"):
        response = page.goto(path)
        assert response.status == 403, path


def test_column_named_script_shows_as_text(page):
    analyst = AnalystFactory()
    content = b"customer_id,<script>alert(1)</script>,age\n1,5,30\n2,6,40\n3,7,50\n4,8,20\n"
    dataset = dataset_upload(analyst, content, name="<b>bold</b>.csv")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, analyst)

    page.goto(f"/app/datasets/{dataset.pk}/")

    # Its row in the roles table and in the statistics table, as text.
    expect(page.get_by_role("rowheader", name="<script>alert(1)</script>")).to_have_count(2)
    expect(page.locator("main b")).to_have_count(0)
    assert dialogs == []


def test_pages_are_usable_at_phone_width(phone_page):
    analyst = AnalystFactory()
    run = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=3)
    log_in(phone_page, analyst)
    screenshot(phone_page, "dashboard-phone")

    phone_page.goto(f"/app/runs/{run.pk}/")

    expect(phone_page.locator(".cluster-card")).to_have_count(3)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways at phone width ({width}px)"
    screenshot(phone_page, "run-detail-phone")


def test_skip_link_moves_keyboard_focus_to_main(page):
    log_in(page, UserFactory())

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"
