"""Contract tests of the canonical `/api/v1/datasets/` resource and document 002's paths."""

import pytest
from django.urls import reverse

from datasets.api.serializers import ColumnStatisticsSerializer, QualityReportSerializer
from datasets.models import Customer, Dataset
from datasets.selectors import customer_attributes
from tests.datasets.conftest import media_files
from tests.factories import AnalystFactory, DatasetFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_dataset_upload_creates_dataset_customers_and_parquet(
    analyst_client, upload, small_csv, settings
):
    response = upload(analyst_client, small_csv, name="shop.csv")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["n_rows"] == 5
    assert body["n_columns"] == 6
    assert body["name"] == "shop.csv"
    kinds = {column["name"]: column["kind"] for column in body["schema"]}
    roles = {column["name"]: column["role"] for column in body["schema"]}
    assert kinds == {
        "customer_id": "id",
        "age": "numeric",
        "gender": "categorical",
        "region": "categorical",
        "annual_income": "numeric",
        "spending_score": "numeric",
    }
    assert roles["annual_income"] == "income"
    assert roles["customer_id"] == "customer_id"
    dataset = Dataset.objects.get(pk=body["id"])
    assert dataset.customers.count() == 5
    customer = dataset.customers.get(external_id="C002")
    assert customer.row_number == 1
    c004 = dataset.customers.get(external_id="C004")
    rows = [customer.row_number, c004.row_number]
    values = customer_attributes(dataset=dataset, row_numbers=rows)
    assert values[customer.row_number]["region"] == "NA"  # a region called NA, not missing
    assert values[c004.row_number]["annual_income"] is None
    assert len(media_files(settings.MEDIA_ROOT)) == 1


def test_dataset_upload_same_bytes_answers_existing_dataset(analyst_client, upload, small_csv):
    first = upload(analyst_client, small_csv).json()
    again = upload(analyst_client, small_csv)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Dataset.objects.count() == 1


def test_dataset_upload_force_new_stores_a_second_copy(analyst_client, upload, small_csv):
    first = upload(analyst_client, small_csv).json()
    again = upload(analyst_client, small_csv, force_new="true")
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    assert Customer.objects.count() == 10


def test_dataset_upload_by_plain_user_is_403(user_client, upload, small_csv):
    response = upload(user_client, small_csv)
    assert response.status_code == 403
    assert Dataset.objects.count() == 0


def test_dataset_upload_anonymous_is_401(api_client, upload, small_csv):
    assert upload(api_client, small_csv).status_code == 401


def test_dataset_upload_without_file_is_400_naming_the_field(analyst_client):
    response = analyst_client.post("/api/v1/datasets/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_dataset_list_shows_only_own_datasets(analyst_client, analyst):
    own = DatasetFactory(owner=analyst)
    DatasetFactory()
    response = analyst_client.get("/api/v1/datasets/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [own.pk]


def test_dataset_list_shows_every_dataset_to_admin(admin_client_api):
    DatasetFactory.create_batch(3)
    assert admin_client_api.get("/api/v1/datasets/").json()["count"] == 3


def test_dataset_list_filters_by_name_and_rows(analyst_client, analyst):
    DatasetFactory(owner=analyst, name="spring customers", n_rows=100)
    DatasetFactory(owner=analyst, name="autumn customers", n_rows=5000)
    DatasetFactory(owner=analyst, name="spring leads", n_rows=9000)
    response = analyst_client.get("/api/v1/datasets/", {"name": "spring", "min_rows": 1000})
    assert [item["name"] for item in response.json()["results"]] == ["spring leads"]


def test_dataset_list_paginates_with_page_size(analyst_client, analyst):
    DatasetFactory.create_batch(5, owner=analyst)
    body = analyst_client.get("/api/v1/datasets/", {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]
    assert body["previous"]


def test_dataset_list_bad_filter_value_is_400(analyst_client):
    response = analyst_client.get("/api/v1/datasets/", {"min_rows": "many"})
    assert response.status_code == 400
    assert "min_rows" in response.json()


def test_dataset_detail_of_another_analyst_is_404(analyst_client):
    other = DatasetFactory(owner=AnalystFactory())
    assert analyst_client.get(f"/api/v1/datasets/{other.pk}/").status_code == 404
    assert analyst_client.delete(f"/api/v1/datasets/{other.pk}/").status_code == 404
    assert Dataset.objects.filter(pk=other.pk).exists()


def test_dataset_detail_visible_to_admin(admin_client_api):
    dataset = DatasetFactory()
    response = admin_client_api.get(f"/api/v1/datasets/{dataset.pk}/")
    assert response.status_code == 200
    assert response.json()["owner"] == dataset.owner.username


def test_dataset_delete_removes_customers_and_file(
    analyst_client, upload, small_csv, settings, django_capture_on_commit_callbacks
):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once committed
        response = analyst_client.delete(f"/api/v1/datasets/{dataset_id}/")
    assert response.status_code == 204
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def test_dataset_delete_by_plain_user_owner_is_403(api_client):
    owner = UserFactory()
    dataset = DatasetFactory(owner=owner)
    api_client.force_authenticate(owner)
    assert api_client.delete(f"/api/v1/datasets/{dataset.pk}/").status_code == 403


def test_dataset_quality_statistics_correlation_answer_reports(analyst_client, upload, small_csv):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    quality = analyst_client.get(f"/api/v1/datasets/{dataset_id}/quality/").json()
    assert quality["total_rows"] == 5
    assert quality["missing_values"]["annual_income"] == 1
    assert quality["missing_percentage"]["annual_income"] == 20.0
    statistics = analyst_client.get(f"/api/v1/datasets/{dataset_id}/statistics/").json()
    assert statistics["age"]["mean"] == pytest.approx(37.2)
    assert statistics["gender"]["top_values"][0] == {"value": "Female", "count": 3}
    correlation = analyst_client.get(f"/api/v1/datasets/{dataset_id}/correlation/").json()
    assert correlation["features"] == ["age", "annual_income", "spending_score"]
    assert correlation["matrix"][0][0] == 1.0


def test_dataset_quality_and_statistics_answer_the_documented_fields(
    analyst_client, upload, small_csv
):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    quality = analyst_client.get(f"/api/v1/datasets/{dataset_id}/quality/").json()
    assert set(quality) == set(QualityReportSerializer().fields)
    statistics = analyst_client.get(f"/api/v1/datasets/{dataset_id}/statistics/").json()
    documented = set(ColumnStatisticsSerializer().fields)
    assert statistics
    for column, figures in statistics.items():
        assert set(figures) <= documented, column


def test_dataset_customers_paginates_in_file_order(analyst_client, upload, small_csv):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    body = analyst_client.get(
        f"/api/v1/datasets/{dataset_id}/customers/", {"page_size": 2, "page": 2}
    ).json()
    assert body["count"] == 5
    assert [c["external_id"] for c in body["results"]] == ["C003", "C004"]


def test_dataset_customers_filters_by_external_id(analyst_client, upload, small_csv):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    body = analyst_client.get(
        f"/api/v1/datasets/{dataset_id}/customers/", {"external_id": "C005"}
    ).json()
    assert body["count"] == 1
    assert body["results"][0]["attributes"]["spending_score"] == 38
    missing = analyst_client.get(
        f"/api/v1/datasets/{dataset_id}/customers/", {"external_id": "nobody"}
    ).json()
    assert missing["count"] == 0


def test_dataset_customers_of_another_analyst_is_404(analyst_client):
    other = DatasetFactory(owner=AnalystFactory())
    assert analyst_client.get(f"/api/v1/datasets/{other.pk}/customers/").status_code == 404


def test_dataset_columns_patch_moves_a_role(analyst_client, upload, small_csv):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    response = analyst_client.patch(
        f"/api/v1/datasets/{dataset_id}/columns/",
        {"roles": {"spending_score": "income", "region": None}},
        format="json",
    )
    assert response.status_code == 200, response.content
    roles = {column["name"]: column["role"] for column in response.json()["schema"]}
    assert roles["spending_score"] == "income"
    assert roles["annual_income"] is None  # a role belongs to one column
    assert roles["region"] is None
    assert Dataset.objects.get(pk=dataset_id).schema[4]["role"] is None


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"no_such_column": "age"}, "No column named 'no_such_column'"),
        ({"age": "shoe_size"}, "shoe_size"),
        ({"age": "income", "annual_income": "income"}, "more than one column"),
    ],
)
def test_dataset_columns_patch_bad_input_is_400(analyst_client, upload, small_csv, roles, message):
    dataset_id = upload(analyst_client, small_csv).json()["id"]
    response = analyst_client.patch(
        f"/api/v1/datasets/{dataset_id}/columns/", {"roles": roles}, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json())


def test_v1_upload_contract_answers_dataset(analyst_client, upload, small_csv):
    response = upload(analyst_client, small_csv, path="/api/v1/datasets/upload")
    assert response.status_code == 201
    assert response.json()["n_rows"] == 5


def test_v1_list_contract_is_a_plain_list(analyst_client, analyst):
    DatasetFactory.create_batch(2, owner=analyst)
    DatasetFactory()
    response = analyst_client.get("/api/v1/datasets")
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(response.json()) == 2


def test_dataset_routes_reverse_to_contract_paths():
    assert reverse("datasets-api:v1-list") == "/api/v1/datasets"
    assert reverse("datasets-api:v1-upload") == "/api/v1/datasets/upload"
    assert reverse("datasets-api:dataset-list") == "/api/v1/datasets/"
    assert reverse("datasets-api:dataset-customers", args=[7]) == "/api/v1/datasets/7/customers/"
