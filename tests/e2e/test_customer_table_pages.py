"""The purchase-log section of the dataset page: server-side (who may post, errors at 400) and
in Chromium (the button makes the customer table and opens it; a large log shows its job)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from datasets.demo import generate_purchase_log
from datasets.models import CustomerTableJob, Dataset
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv
from tests.factories import AnalystFactory

LOG_CSV = (
    b"customer_id,order_date,amount\n"
    b"A,2024-01-01,10\nB,2024-01-02,20\nA,2024-01-05,5\nC,2024-01-10,3\nB,2024-01-03,-5\n"
)
JOB_TIMEOUT_MS = 90_000


@pytest.mark.django_db
def test_dataset_page_offers_the_customer_table_only_for_a_purchase_log(client, analyst):
    client.force_login(analyst)
    log = dataset_upload(analyst, LOG_CSV, name="orders.csv")
    table = dataset_upload(analyst, demo_csv(40))
    page = client.get(reverse("pages:dataset-detail", args=[log.pk])).content.decode()
    assert "This upload reads as a purchase log" in page
    assert "Make a customer table" in page
    other = client.get(reverse("pages:dataset-detail", args=[table.pk])).content.decode()
    assert "Make a customer table" not in other


@pytest.mark.django_db
def test_customer_table_page_shows_the_services_refusal_at_400(client, analyst):
    client.force_login(analyst)
    log = dataset_upload(analyst, LOG_CSV, name="orders.csv")
    url = reverse("pages:dataset-customer-table", args=[log.pk])
    response = client.post(url, {"as_of": "2023-06-01"})
    assert response.status_code == 400
    assert "on or before the as-of date" in response.content.decode()
    assert Dataset.objects.count() == 1


@pytest.mark.django_db
def test_customer_table_page_of_another_analysts_dataset_is_404(client, analyst):
    log = dataset_upload(AnalystFactory(), LOG_CSV, name="orders.csv")
    client.force_login(analyst)
    response = client.post(reverse("pages:dataset-customer-table", args=[log.pk]), {})
    assert response.status_code == 404


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_button_makes_the_customer_table_and_opens_it(page):
    analyst = AnalystFactory()
    log = dataset_upload(analyst, LOG_CSV, name="orders.csv")
    log_in(page, analyst)
    page.goto(f"/app/datasets/{log.pk}/")
    expect(page.get_by_role("heading", name="Purchase log")).to_be_visible()
    screenshot(page, "purchase-log")
    page.get_by_role("button", name="Make a customer table").click()

    expect(
        page.get_by_role("heading", name="orders.csv: customers as of 2024-01-11", level=1)
    ).to_be_visible()
    expect(page.get_by_text("made from the purchase log")).to_be_visible()
    expect(page.get_by_role("heading", name="Purchase log")).to_have_count(0)
    roles = page.get_by_label("Role of recency_days")
    expect(roles).to_have_value("recency")
    expect(page.get_by_label("Role of tenure_days")).to_have_value("tenure")
    screenshot(page, "customer-table")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_button_on_a_large_log_shows_the_jobs_progress(page, celery_worker_process, settings):
    settings.CUSTOMER_TABLE_INLINE_MAX_ROWS = 50
    analyst = AnalystFactory()
    csv = generate_purchase_log(60, seed=4).frame.to_csv(index=False).encode()
    log = dataset_upload(analyst, csv, name="big orders.csv")
    log_in(page, analyst)
    page.goto(f"/app/datasets/{log.pk}/")
    page.get_by_label("As of").fill("2024-12-31")
    page.get_by_role("button", name="Make a customer table").click()

    expect(page.get_by_text("The customer table is being built")).to_be_visible()
    job = CustomerTableJob.objects.get(source=log)
    expect(page.get_by_text(f"Job {job.pk}:")).to_be_visible()
    link = page.get_by_role("link", name="big orders.csv: customers as of 2024-12-31")
    for _ in range(JOB_TIMEOUT_MS // 1000):
        if link.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    link.click()
    expect(
        page.get_by_role("heading", name="big orders.csv: customers as of 2024-12-31")
    ).to_be_visible()
    job.refresh_from_db()
    assert job.status == CustomerTableJob.Status.SUCCEEDED, job.error
    assert job.result.n_rows == 60
