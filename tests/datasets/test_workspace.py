"""Document 000's workspace contracts: /api/upload, /api/data-quality, /api/correlation-matrix,
/api/reset. "The loaded data" is the caller's current dataset; errors are `{"error": ...}`."""

import pytest

from datasets.models import CurrentDataset, Dataset
from datasets.signals import workspace_was_reset
from tests.factories import AnalystFactory

pytestmark = pytest.mark.django_db


def test_workspace_upload_answers_000_keys_and_sets_current_dataset(
    analyst_client, analyst, upload, demo_csv
):
    response = upload(analyst_client, demo_csv, path="/api/upload")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"success", "message", "shape", "statistics", "features", "processing_time"}
    assert body["success"] is True
    assert body["shape"] == [200, 9]
    assert body["message"].startswith("File uploaded successfully. 200 rows processed in ")
    assert body["features"] == [
        "age",
        "annual_income",
        "spending_score",
        "purchase_frequency",
        "avg_purchase_amount",
        "tenure_months",
    ]
    assert set(body["statistics"]["age"]) == {
        "count", "mean", "std", "min", "25%", "50%", "75%", "max"
    }  # fmt: skip
    assert CurrentDataset.objects.get(user=analyst).dataset_id == Dataset.objects.get().pk


def test_workspace_upload_by_plain_user_is_403_in_000_shape(user_client, upload, small_csv):
    response = upload(user_client, small_csv, path="/api/upload")
    assert response.status_code == 403
    assert response.json() == {"error": "This action needs the analyst or admin role."}


def test_workspace_upload_without_file_is_400_in_000_shape(analyst_client):
    response = analyst_client.post("/api/upload", {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "error": "No file uploaded: send the CSV as the multipart field 'file'."
    }


def test_data_quality_answers_000_metrics(analyst_client, upload, small_csv):
    upload(analyst_client, small_csv, path="/api/upload")
    response = analyst_client.get("/api/data-quality")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    metrics = body["metrics"]
    for key in (
        "total_rows",
        "total_columns",
        "numeric_columns",
        "categorical_columns",
        "duplicate_rows",
        "missing_values",
        "missing_percentage",
        "memory_usage_mb",
    ):
        assert key in metrics
    assert metrics["total_rows"] == 5
    assert metrics["numeric_columns"] == 3
    assert metrics["categorical_columns"] == 2
    assert metrics["missing_values"]["annual_income"] == 1


def test_data_quality_without_loaded_data_is_400_in_000_shape(analyst_client):
    response = analyst_client.get("/api/data-quality")
    assert response.status_code == 400
    assert response.json()["error"].startswith("No data loaded")


def test_correlation_matrix_answers_features_and_square_matrix(analyst_client, upload, demo_csv):
    upload(analyst_client, demo_csv, path="/api/upload")
    body = analyst_client.get("/api/correlation-matrix").json()
    assert body["success"] is True
    assert len(body["matrix"]) == len(body["features"]) == 6
    assert all(len(row) == 6 for row in body["matrix"])
    assert body["matrix"][1][1] == 1.0


def test_correlation_matrix_without_loaded_data_is_400(analyst_client):
    response = analyst_client.get("/api/correlation-matrix")
    assert response.status_code == 400
    assert "No data loaded" in response.json()["error"]


def test_reset_clears_only_the_callers_workspace(analyst_client, analyst, upload, small_csv):
    upload(analyst_client, small_csv, path="/api/upload")
    other = AnalystFactory()
    other_dataset = Dataset.objects.create(owner=other, name="theirs", sha256="f" * 64)
    CurrentDataset.objects.create(user=other, dataset=other_dataset)
    heard = []

    def listener(sender, user, **kwargs):
        heard.append(user)

    workspace_was_reset.connect(listener)
    try:
        response = analyst_client.post("/api/reset")
    finally:
        workspace_was_reset.disconnect(listener)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Analysis reset successfully"}
    assert not CurrentDataset.objects.filter(user=analyst).exists()
    assert CurrentDataset.objects.filter(user=other).exists()
    assert Dataset.objects.count() == 2  # reset deletes no dataset
    assert heard == [analyst]
    assert analyst_client.get("/api/data-quality").status_code == 400


def test_reset_anonymous_is_401(api_client):
    assert api_client.post("/api/reset").status_code == 401
