"""In a real browser: the run page compares the run with an older one (matched segments, movers'
counts, a Plotly Sankey of the transitions), in the request for small runs and through the
Celery worker for large ones. The Sankey is saved as var/screenshots/lineage_sankey.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.clustering.lineage_data import ENTERED, LEFT, MOVED, executed, planted_pair
from tests.e2e.conftest import PHONE, SCREENSHOT_DIR, log_in, screenshot
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _compare(page, new, old) -> None:
    page.goto(f"/app/runs/{new.pk}/")
    page.get_by_label("Run", exact=True).select_option(str(old.pk))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(f"**/app/runs/{new.pk}/?compare={old.pk}*")


def test_run_page_compares_two_runs_with_a_sankey(page):
    analyst = AnalystFactory()
    old_frame, new_frame, _ = planted_pair()
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    log_in(page, analyst)

    _compare(page, new, old)

    summary = page.locator("#comparison")
    expect(summary).to_contain_text(f"{MOVED} moved to another segment")
    expect(summary).to_contain_text(f"{ENTERED} entered")
    expect(summary).to_contain_text(f"{LEFT} left")
    expect(page.locator("#comparison-pairs tbody tr")).to_have_count(3)
    sankey = page.locator('[data-chart="chart-sankey"]')
    expect(sankey.locator("g.sankey")).to_be_visible()
    expect(sankey.locator("g.sankey-node")).to_have_count(8)  # 3 + 3 segments, "entered", "left"
    expect(sankey).to_contain_text(f"Not in Run {old.pk} (entered)")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator("figure.chart-figure", has=sankey).screenshot(
        path=str(SCREENSHOT_DIR / "lineage_sankey.png")
    )
    screenshot(page, "lineage_run_page")

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download the {MOVED} movers (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "external_id,from_label,from_segment,to_label,to_segment"
    assert len(lines) == 1 + MOVED


def test_large_comparison_waits_for_the_worker(page, settings, celery_worker_process):
    settings.LINEAGE_INLINE_MAX_ROWS = 100  # the 240-customer runs count as large
    analyst = AnalystFactory()
    old_frame, new_frame, _ = planted_pair()
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    log_in(page, analyst)

    _compare(page, new, old)
    expect(page.locator("#compare-pending")).to_contain_text("compared in the background")
    for _ in range(60):
        page.get_by_role("link", name="Check again").click()
        page.wait_for_load_state()
        if page.locator("#comparison").count():
            break
        page.wait_for_timeout(500)
    expect(page.locator("#comparison")).to_contain_text(f"{MOVED} moved to another segment")
    expect(page.locator('[data-chart="chart-sankey"] g.sankey')).to_be_visible()


def test_comparison_fits_a_phone(phone_page):
    analyst = AnalystFactory()
    old_frame, new_frame, _ = planted_pair()
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    log_in(phone_page, analyst)

    _compare(phone_page, new, old)

    expect(phone_page.locator('[data-chart="chart-sankey"] g.sankey')).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    screenshot(phone_page, "phone-lineage")
    assert width <= PHONE["width"], f"the comparison scrolls sideways ({width}px wide)"


def test_runs_of_two_datasets_without_a_common_feature_say_so(page):
    from tests.e2e.data import dataset_upload, demo_csv, succeeded_run

    analyst = AnalystFactory()
    first = dataset_upload(analyst, demo_csv(120, seed=1), name="spring.csv")
    second = dataset_upload(analyst, demo_csv(120, seed=2), name="autumn.csv")
    old = succeeded_run(first, analyst, k=3, features=["age", "annual_income"])
    new = succeeded_run(second, analyst, k=3, features=["spending_score", "tenure_months"])
    log_in(page, analyst)

    _compare(page, new, old)

    notes = page.locator(".comparison-note")
    expect(notes.nth(0)).to_have_text(
        f"Run {old.pk} segments “spring.csv” and run {new.pk} “autumn.csv”, two different "
        "datasets: customers are followed by their ids, so the comparison means something only "
        "if an id names the same customer in both."
    )
    expect(notes.nth(1)).to_have_text(
        "The runs share no feature, so their segments' centres cannot be compared."
    )
    screenshot(page, "walk-compare-two-datasets")
