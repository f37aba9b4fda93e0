"""In a real browser: a run that says little about the customers shows its warnings on the run
page, the run form refuses clustering on only an id column, and the customer look-up shows the
customer's actual values next to the segment's typical ones (found whatever the case and spaces
of the typed id). Screenshots go to var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from clustering.services import run_execute_inline
from datasets.selectors import customer_attributes
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv, shop_csv, succeeded_run
from tests.factories import AnalystFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_run_page_warns_when_one_segment_holds_nearly_everyone(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, shop_csv(dominant=True))
    run = succeeded_run(dataset, analyst, k=2, features=["age", "annual_spend"])
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    warnings = page.locator("#run-warnings")
    expect(warnings).to_be_visible()
    expect(warnings).to_contain_text("Check this run before using it")
    expect(warnings).to_contain_text("One segment holds 98.0% of the customers (196 of 200)")
    screenshot(page, "run-detail-warning")


def test_run_page_of_a_forced_id_run_says_the_features_are_ids(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, shop_csv())
    run = run_execute_inline(
        dataset=dataset,
        user=analyst,
        algorithm="kmeans",
        parameters={"n_clusters": 3},
        features=["CustomerID"],
        force_features=True,
    )
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    warnings = page.locator("#run-warnings li")
    expect(warnings.filter(has_text="'CustomerID' is an id column")).to_be_visible()
    expect(warnings.filter(has_text="is an id, a date or free text")).to_be_visible()


def test_run_form_refuses_only_the_id_column_and_says_how_to_force(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, shop_csv())
    log_in(page, analyst)
    page.goto(f"/app/datasets/{dataset.pk}/runs/new/")

    for name in ("age", "annual_spend"):
        page.get_by_label(name, exact=True).uncheck()
    page.get_by_label("CustomerID", exact=True).check()
    page.get_by_role("button", name="Start the run").click()

    expect(page.get_by_text(re.compile("'CustomerID' identifies customers"))).to_be_visible()
    expect(page.get_by_text(re.compile('tick "Use id columns as features"'))).to_be_visible()
    expect(page.get_by_label("Use id columns as features")).not_to_be_checked()


def test_customer_lookup_shows_actual_values_next_to_the_segments_typical_ones(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(200))
    run = succeeded_run(
        dataset, analyst, k=3, publish=True, features=["age", "gender", "annual_income"]
    )
    customer = dataset.customers.order_by("row_number")[7]
    log_in(page, UserFactory())
    page.goto("/app/customers/")

    page.get_by_label("Customer id").fill(f"  {customer.external_id.lower()} ")
    page.get_by_role("button", name="Look up").click()

    expect(page.get_by_role("heading", name=f"Customer {customer.external_id}")).to_be_visible()
    table = page.locator("#customer-comparison")
    expect(table.get_by_role("columnheader", name="This customer")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Segment typical")).to_be_visible()
    age_row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="age"))
    attributes = customer_attributes(dataset=dataset, row_numbers=[customer.row_number])[
        customer.row_number
    ]
    expect(age_row.get_by_role("cell").first).to_have_text(f"{attributes['age']:g}")
    expect(age_row.get_by_role("cell").nth(1)).to_contain_text("(median)")
    gender_row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="gender"))
    expect(gender_row.get_by_role("cell").first).to_have_text(attributes["gender"])
    expect(gender_row.get_by_role("cell").nth(1)).to_contain_text("most common")
    # The bracket is shown with the value behind it.
    expect(page.locator("dd", has_text=f"(age: {attributes['age']:g})")).to_have_count(1)
    assert run.is_published
    screenshot(page, "customer-lookup")
