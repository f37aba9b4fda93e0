"""Django admin pages of datasets and customers, and API-key scopes on the datasets API."""

import pytest
from django.test import Client

from accounts import services as account_services
from datasets.models import Dataset
from tests.datasets.conftest import csv_file
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = b"<b>name</b>,age\n<script>alert(1)</script>,30\nplain,40\n"


@pytest.fixture
def staff_client(admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=DEFAULT_PASSWORD)
    return client


@pytest.fixture
def stored_dataset(analyst) -> Dataset:
    from datasets.services import dataset_create_from_upload

    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=csv_file(HOSTILE))
    return dataset


def test_dataset_admin_shows_quality_summary_escaped(staff_client, stored_dataset):
    changelist = staff_client.get("/admin/datasets/dataset/")
    assert changelist.status_code == 200
    page = staff_client.get(f"/admin/datasets/dataset/{stored_dataset.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 rows, 2 columns" in html
    assert "&lt;b&gt;name&lt;/b&gt;" in html
    assert "<b>name</b>" not in html


def test_dataset_admin_has_no_add_page(staff_client):
    assert staff_client.get("/admin/datasets/dataset/add/").status_code == 403


def test_dataset_admin_delete_action_removes_customers(staff_client, stored_dataset):
    response = staff_client.post(
        "/admin/datasets/dataset/",
        {"action": "delete_with_customers", "_selected_action": [stored_dataset.pk]},
    )
    assert response.status_code == 302
    assert not Dataset.objects.exists()


def test_customer_admin_lists_and_shows_read_only(staff_client, stored_dataset):
    customer = stored_dataset.customers.get(row_number=1)
    found = staff_client.get("/admin/datasets/customer/", {"q": "1"})
    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [customer]
    page = staff_client.get(f"/admin/datasets/customer/{customer.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="external_id"' not in html  # read-only, no input
    # The row's values, read from the Parquet copy, shown as escaped text.
    assert "&quot;&lt;b&gt;name&lt;/b&gt;&quot;: &quot;plain&quot;" in html
    assert "&quot;age&quot;: 40" in html
    assert "<b>name</b>" not in html


def test_customer_table_job_admin_lists_and_shows_read_only(staff_client, stored_dataset):
    from datasets.models import CustomerTableJob

    job = CustomerTableJob.objects.create(
        owner=stored_dataset.owner,
        source=stored_dataset,
        status=CustomerTableJob.Status.FAILED,
        error="Line 3: no date",
    )
    listing = staff_client.get("/admin/datasets/customertablejob/", {"status__exact": "failed"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [job]
    page = staff_client.get(f"/admin/datasets/customertablejob/{job.pk}/change/")
    assert page.status_code == 200
    assert "Line 3: no date" in page.content.decode()
    assert 'name="status"' not in page.content.decode()  # read-only, no input
    assert staff_client.get("/admin/datasets/customertablejob/add/").status_code == 403


def test_api_key_with_read_scope_lists_but_cannot_upload(api_client, analyst, small_csv):
    _, raw = account_services.api_key_create(owner=analyst, name="r", scopes=["datasets:read"])
    assert api_client.get("/api/v1/datasets/", HTTP_X_API_KEY=raw).status_code == 200
    response = api_client.post(
        "/api/v1/datasets/", {"file": csv_file(small_csv)}, format="multipart", HTTP_X_API_KEY=raw
    )
    assert response.status_code == 403
    assert "datasets:write" in response.json()["detail"]


def test_api_key_with_write_scope_uploads(api_client, analyst, small_csv):
    _, raw = account_services.api_key_create(owner=analyst, name="w", scopes=["datasets:write"])
    response = api_client.post(
        "/api/v1/datasets/upload",
        {"file": csv_file(small_csv)},
        format="multipart",
        HTTP_X_API_KEY=raw,
    )
    assert response.status_code == 201


def test_api_key_of_plain_user_cannot_upload_to_workspace(api_client, small_csv):
    owner = UserFactory()
    _, raw = account_services.api_key_create(owner=owner, name="u", scopes=None)
    response = api_client.post(
        "/api/upload", {"file": csv_file(small_csv)}, format="multipart", HTTP_X_API_KEY=raw
    )
    assert response.status_code == 403
    assert "error" in response.json()
