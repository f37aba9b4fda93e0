"""Every page at a phone's width (390 px) and at a laptop's: nothing scrolls sideways (wide
tables scroll inside their own box), every role drop-down of the dataset page stays reachable,
and charts fit their card with readable titles. Screenshots go to var/screenshots/."""

import pytest
from playwright.sync_api import expect

from profiles.services import predict
from reports.services import export_create
from tests.e2e.conftest import LAPTOP, PHONE, log_in, screenshot
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, demo_csv_with_gaps, succeeded_run
from tests.factories import AnalystFactory, CustomerProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _workspace():
    """An analyst with a dataset (with gaps), a published run, a prediction, a saved profile and
    an export: every page has something to show."""
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv_with_gaps(300))
    run = succeeded_run(dataset, analyst, k=4, publish=True, features=PROFILE_FEATURES)
    predict(
        user=analyst,
        records=[
            {"gender": "Female", "age": 35, "annual_income": 52, "spending_score": 61,
             "purchase_frequency": 9}
        ],
    )  # fmt: skip
    profile = CustomerProfileFactory(owner=analyst)
    export_create(user=analyst, run=run, file_format="csv")
    customer = dataset.customers.order_by("row_number")[3]
    paths = [
        "/",
        "/app/datasets/",
        f"/app/datasets/{dataset.pk}/",
        f"/app/datasets/{dataset.pk}/choose-k/",
        f"/app/datasets/{dataset.pk}/runs/new/",
        f"/app/runs/{run.pk}/",
        f"/app/runs/{run.pk}/publish/",
        *(f"/app/segments/?type={name}" for name in
          ("cluster", "gender", "region", "age_group", "income_bracket", "purchase_tier", "clv")),
        f"/app/customers/?customer_id={customer.external_id}",
        "/app/predict/",
        "/app/profiles/",
        "/app/profiles/new/",
        f"/app/profiles/{profile.pk}/edit/",
        "/app/exports/",
        "/account/api-keys/",
        "/account/connected-apps/",
        "/account/applications/",
        "/app/no-such-page/",
    ]  # fmt: skip
    return analyst, dataset, paths


# The innermost elements that reach past the right edge outside a scrolling box: what a failure
# names.
WIDE_ELEMENTS_JS = """(width) => {
  const wide = (el) => el.getBoundingClientRect().right > width + 0.5;
  const scrolls = (el) => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
  const inScrollBox = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (p !== document.body && p !== document.documentElement && scrolls(p)) { return true; } }
    return false; };
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => wide(el) && !inScrollBox(el)
      && (scrolls(el) || !Array.from(el.children).some(wide)))
    .slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (typeof el.className === "string" && el.className ? "." + el.className : "")
      + " " + Math.round(el.getBoundingClientRect().right) + "px");
}"""


def _name(path: str) -> str:
    return path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "dashboard"


def _assert_fits(page, path: str, width: int) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    for chart in page.locator(".chart").all():  # drawn charts replace their fallback text
        expect(chart.locator(".main-svg").first).to_be_attached()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{path} scrolls sideways at {width}px ({scroll_width}px wide): "
        f"{page.evaluate(WIDE_ELEMENTS_JS, width)}"
    )
    for chart in page.locator(".chart").all():
        box = chart.bounding_box()
        assert box["x"] >= 0, f"a chart on {path} starts off-screen"
        assert box["x"] + box["width"] <= width, f"a chart on {path} is wider than the screen"


def test_every_page_fits_a_phone_without_sideways_scrolling(phone_page):
    analyst, _, paths = _workspace()
    log_in(phone_page, analyst)
    failures = []
    for path in paths:
        try:
            _assert_fits(phone_page, path, PHONE["width"])
        except AssertionError as exc:
            failures.append(str(exc))
        screenshot(phone_page, f"phone-{_name(path)}")
    assert not failures, failures


def test_every_page_fits_a_laptop(page):
    analyst, _, paths = _workspace()
    log_in(page, analyst)
    for path in paths:
        _assert_fits(page, path, LAPTOP["width"])
        screenshot(page, f"laptop-{_name(path)}")


def test_role_drop_downs_are_reachable_at_phone_width(phone_page):
    analyst, dataset, _ = _workspace()
    log_in(phone_page, analyst)
    phone_page.goto(f"/app/datasets/{dataset.pk}/")

    for column in dataset.schema:
        select = phone_page.get_by_label(f"Role of {column['name']}")
        select.scroll_into_view_if_needed()
        expect(select).to_be_in_viewport()
        box = select.bounding_box()
        assert box["width"] >= 100, f"the role of {column['name']} is squeezed ({box['width']}px)"


def test_chart_titles_and_legends_stay_inside_the_chart_at_phone_width(phone_page):
    analyst, _, _ = _workspace()
    run = analyst.datasets.get().runs.get()
    log_in(phone_page, analyst)
    phone_page.goto(f"/app/runs/{run.pk}/")

    charts = phone_page.locator(".chart")
    expect(charts.first.locator(".main-svg").first).to_be_attached()
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        for part in chart.locator(".gtitle, .legend, .xtitle, .ytitle").all():
            inner = part.bounding_box()
            if inner is None:
                continue
            assert inner["x"] >= box["x"] - 1, "a chart title or legend starts outside its chart"
            assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 1, (
                "a chart title or legend ends outside its chart"
            )
