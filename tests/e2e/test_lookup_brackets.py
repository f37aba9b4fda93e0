"""In a real browser: the look-up shows, next to each bracket, the value the bracket was drawn
from. The purchase tier brackets a customer's yearly spend (average purchase times purchases a
year), so the page shows that product, not the average purchase alone (36.82 is no "1k-3k")."""

import pytest
from playwright.sync_api import expect

from common.numbers import number_text
from datasets.selectors import customer_attributes
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory, UserFactory

FEATURES = ["age", "annual_income", "spending_score"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_lookup_shows_the_yearly_spend_behind_the_purchase_tier(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=FEATURES)
    customer = dataset.customers.order_by("row_number")[0]
    values = customer_attributes(dataset=dataset, row_numbers=[customer.row_number])[
        customer.row_number
    ]
    spend = values["avg_purchase_amount"] * values["purchase_frequency"]
    log_in(page, UserFactory())

    page.goto(f"/app/customers/?customer_id={customer.external_id}")

    tier = page.locator("dt", has_text="Purchase tier").locator("xpath=following-sibling::dd[1]")
    expect(tier).to_contain_text(
        f"(yearly spend, avg_purchase_amount times purchase_frequency: {number_text(spend)})"
    )
    screenshot(page, "walk-lookup-purchase-tier")
