"""In a real browser: the customer look-up says why the customer is in its segment (the
runner-up and the three features that pull it there, in original units with each segment's
typical value), as the API answers it; the predict page says the same for its answer.
Screenshot: var/screenshots/customer_explanation.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clustering.models import Assignment
from datasets.selectors import customer_attributes
from profiles.explanations import customer_explanation
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory, UserFactory

FEATURES = ["age", "gender", "annual_income", "spending_score"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_customer_lookup_shows_why_this_segment(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(300))
    run = succeeded_run(dataset, analyst, k=4, publish=True, features=FEATURES)
    customer = dataset.customers.order_by("row_number")[9]
    label = Assignment.objects.get(run=run, customer=customer).cluster_label
    attributes = customer_attributes(dataset=dataset, row_numbers=[customer.row_number])[
        customer.row_number
    ]
    expected = customer_explanation(run=run, attributes=attributes, cluster_label=label)
    log_in(page, UserFactory())
    page.goto("/app/customers/")

    page.get_by_label("Customer id").fill(customer.external_id)
    page.get_by_role("button", name="Look up").click()

    why = page.locator("#why-segment")
    expect(why.get_by_role("heading", name="Why this segment")).to_be_visible()
    runner_up = expected["runner_up"]["cluster_name"]
    expect(page.locator("#why-runner-up")).to_have_text(runner_up)
    reasons = page.locator("#why-reasons li")
    expect(reasons).to_have_count(len(expected["top_features"]))
    for position, reason in enumerate(expected["top_features"]):
        expect(reasons.nth(position)).to_have_text(reason["sentence"])
        expect(reasons.nth(position)).to_contain_text(" and ")
        expect(reasons.nth(position)).to_contain_text(runner_up)
    own = run.clusters.get(label=label).name
    expect(why).to_contain_text(f"What pulls this customer towards {own} rather than {runner_up}")
    screenshot(page, "customer_explanation")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_predict_page_shows_why_this_segment_in_the_browser(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=FEATURES)
    user = UserFactory()
    log_in(page, user)
    page.goto("/app/predict/")

    page.get_by_label("Sex").select_option("Female")
    page.get_by_label("Age").fill("24")
    page.get_by_label("Annual income").fill("40")
    page.get_by_label("Spending score").fill("80")
    page.get_by_role("button", name="Predict").click()

    answer = page.locator("#prediction-result")
    expect(answer).to_contain_text("This customer belongs to")
    prediction = user.predictions.get()
    why = answer.locator("#why-segment")
    expect(why.get_by_role("heading", name="Why this segment")).to_be_visible()
    reasons = why.locator("#why-reasons li")
    expect(reasons.first).to_contain_text(f"{prediction.cluster_name} and ")
    runner_up = page.locator("#why-runner-up").inner_text()
    assert runner_up != prediction.cluster_name
    expect(reasons.first).to_contain_text(runner_up)
    screenshot(page, "predict_explanation")


@pytest.mark.django_db
def test_predict_page_says_why_this_segment(client):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=FEATURES)
    user = UserFactory()
    client.force_login(user)

    page = client.post(
        reverse("pages:predict"),
        {"sex": "Male", "age": 40, "annual_income": 70, "spending_score": 40},
    )

    assert page.status_code == 200
    content = page.content.decode()
    assert "Why this segment" in content
    assert 'id="why-runner-up"' in content
    assert '<ul id="why-reasons">\n    <li>' in content
    assert " vs typical " in content or " % of " in content
