"""The drift section of the dataset page: server-side (no segmentation published, missing
columns) and in Chromium (a shifted upload shows the major-drift badge, the PSI table, the
segment shares and the advice; the training data itself shows "Stable")."""

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from datasets.demo import generate_customers
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory


def _shifted_csv(rows: int = 300) -> bytes:
    frame = generate_customers(rows, seed=7)
    frame["annual_income"] = frame["annual_income"] * 3
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.mark.django_db
def test_drift_section_says_why_there_is_nothing_to_compare(client, analyst):
    client.force_login(analyst)
    dataset = dataset_upload(analyst, demo_csv(40))
    page = client.get(reverse("pages:dataset-detail", args=[dataset.pk])).content.decode()
    assert "Drift against the published segmentation" in page
    assert "No segmentation has been published yet" in page


@pytest.mark.django_db
def test_drift_section_names_the_missing_columns(client, analyst):
    client.force_login(analyst)
    trained = dataset_upload(analyst, demo_csv())
    succeeded_run(trained, analyst, publish=True, features=PROFILE_FEATURES)
    narrow = dataset_upload(analyst, b"age,gender\n30,Male\n41,Female\n", name="narrow.csv")
    page = client.get(reverse("pages:dataset-detail", args=[narrow.pk])).content.decode()
    assert "this table lacks annual_income, spending_score" in page
    assert "?run=" not in page  # an API parameter means nothing on the page
    assert 'id="drift-badge"' not in page


@pytest.mark.django_db
def test_drift_section_of_an_unrelated_table_says_it_has_none_of_the_columns(client, analyst):
    client.force_login(analyst)
    trained = dataset_upload(analyst, demo_csv())
    run = succeeded_run(trained, analyst, publish=True, features=PROFILE_FEATURES)
    other = dataset_upload(analyst, b"foo,bar\n1,a\n2,b\n3,c\n", name="other.csv")
    page = client.get(reverse("pages:dataset-detail", args=[other.pk])).content.decode()
    assert (
        f"Not measured: this table has none of the columns the published segmentation "
        f"(run {run.pk}) was built from" in page
    )
    assert "?run=" not in page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_dataset_page_shows_the_drift_badge_table_and_advice(page):
    analyst = AnalystFactory()
    trained = dataset_upload(analyst, demo_csv())
    run = succeeded_run(trained, analyst, publish=True, features=PROFILE_FEATURES)
    shifted = dataset_upload(analyst, _shifted_csv(), name="new-month.csv")
    log_in(page, analyst)

    page.goto(f"/app/datasets/{trained.pk}/")
    expect(page.locator("#drift-badge")).to_have_text("Stable")

    page.goto(f"/app/datasets/{shifted.pk}/")
    section = page.locator("#drift")
    expect(
        section.get_by_role("heading", name="Drift against the published segmentation")
    ).to_be_visible()
    expect(page.locator("#drift-badge")).to_have_text("Major drift")
    expect(section.get_by_role("link", name=f"run {run.pk}")).to_be_visible()
    income = section.locator("table.drift-features tbody tr").first
    expect(income.get_by_role("rowheader")).to_have_text("annual_income")
    expect(income.locator("td").last).to_have_text("Major drift")
    expect(section.locator(".drift-advice li").first).to_contain_text("annual_income moved (PSI ")
    expect(section.locator(".drift-advice li").first).to_contain_text("): retrain.")
    expect(section.locator("table.drift-segments tbody tr")).to_have_count(4)
    section.scroll_into_view_if_needed()
    path = screenshot(page, "dataset_drift")
    assert path.exists()


@pytest.mark.django_db
def test_drift_section_shows_a_job_still_measuring_and_reloads(client, analyst, settings):
    settings.DRIFT_INLINE_MAX_ROWS = 100
    client.force_login(analyst)
    trained = dataset_upload(analyst, demo_csv())
    succeeded_run(trained, analyst, publish=True, features=PROFILE_FEATURES)
    page = client.get(reverse("pages:dataset-detail", args=[trained.pk])).content.decode()
    assert "Being measured" in page
    assert 'data-auto-refresh="3000"' in page
    assert "js/auto_refresh.js" in page
