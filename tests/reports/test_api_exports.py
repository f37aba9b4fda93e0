"""Exports: document 003 `POST /api/export/{type}` + `GET /api/exports/{id}/download`, the
canonical /api/v1/exports/, formats read back, owner-only downloads, expiry and purge."""

import csv
import io
import json
import re
from datetime import timedelta

import pandas as pd
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from clustering.models import Assignment, Cluster
from reports.models import Export
from reports.services import export_build, export_create, exports_purge_expired
from tests.factories import AnalystFactory, ExportFactory

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_content(response).decode(), newline="")))


def _export(client, segment_type, **body):
    response = client.post(f"/api/export/{segment_type}", body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["data"]


def test_export_segments_csv_is_202_and_downloads_the_segment_table(owner_client, shared_run):
    data = _export(owner_client, "clv", format="csv")
    assert data["status"] == "ready"
    assert data["format"] == "csv"
    assert data["download_url"] == f"/api/exports/{data['export_id']}/download"
    assert data["expires_at"].endswith("Z")
    assert data["estimated_size_mb"] > 0
    response = owner_client.get(data["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    back = pd.read_csv(io.BytesIO(_content(response)))
    segments = owner_client.get("/api/segments/clv").json()["data"]["segments"]
    assert list(back["clv_tier"]) == [s["clv_tier"] for s in segments]
    assert list(back["total_customers"]) == [s["total_customers"] for s in segments]
    assert back["avg_clv"].tolist() == pytest.approx([s["avg_clv"] for s in segments])


def test_export_columns_and_filters_are_honoured(owner_client, shared_run):
    segments = owner_client.get("/api/segments/region").json()["data"]["segments"]
    threshold = sorted(s["total_customers"] for s in segments)[2]
    data = _export(
        owner_client,
        "region",
        format="csv",
        columns=["segment_name", "total_customers", "avg_purchase_amount"],
        filters={"min_customers": threshold},
    )
    rows = _csv_rows(owner_client.get(data["download_url"]))
    assert rows[0] == ["segment_name", "total_customers", "avg_purchase_amount"]
    kept = [s for s in segments if s["total_customers"] >= threshold]
    assert [r[0] for r in rows[1:]] == [s["segment_name"] for s in kept]


def test_export_cluster_xlsx_reads_back_with_formula_names_neutralised(owner_client, shared_run):
    Cluster.objects.filter(run=shared_run, label=0).update(name='=HYPERLINK("http://x","y")')
    data = _export(owner_client, "cluster", format="xlsx")
    response = owner_client.get(data["download_url"])
    sheet = load_workbook(io.BytesIO(_content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    names = [r[header.index("cluster_name")] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x","y")' in names
    counts = [r[header.index("customer_count")] for r in rows[1:]]
    assert sum(counts) == shared_run.dataset.n_rows
    assert all(isinstance(c, int) for c in counts)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_export_segments_json_has_segments_and_insights(owner_client, shared_run):
    data = _export(owner_client, "gender", format="json")
    document = json.loads(_content(owner_client.get(data["download_url"])))
    assert document["segmentation_type"] == "gender"
    assert sum(s["total_customers"] for s in document["segments"]) == shared_run.dataset.n_rows
    assert document["insights"]
    assert document["key_metrics"]["total_customers"] == shared_run.dataset.n_rows


def test_export_segments_html_is_standalone(owner_client, shared_run):
    data = _export(owner_client, "age_group", format="html", include_charts=True)
    document = _content(owner_client.get(data["download_url"])).decode()
    assert not re.search(r"<script[^>]*\bsrc\s*=", document, re.IGNORECASE)
    assert "Plotly.newPlot(" in document
    assert "26-40" in document


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "columns": ["segment_name", "ssn"]}, "Unknown column(s) ssn"),
        ({"format": "csv", "filters": {"favourite": 1}}, "Unknown filter(s) favourite"),
        ({"format": "csv", "filters": {"min_customers": -3}}, "min_customers"),
        ({"format": "csv", "columns": "segment_name"}, "columns"),
    ],
)
def test_export_bad_body_is_400_and_records_nothing(owner_client, shared_run, body, message):
    response = owner_client.post("/api/export/gender", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not Export.objects.exists()


def test_export_unknown_type_is_400(owner_client, shared_run):
    response = owner_client.post("/api/export/shoes", {"format": "csv"}, format="json")
    assert response.status_code == 400
    assert "Invalid export type" in response.json()["message"]


def test_export_by_user_role_is_403(user_client, shared_run):
    response = user_client.post("/api/export/gender", {"format": "csv"}, format="json")
    assert response.status_code == 403
    assert response.json()["success"] is False


def test_export_throttle_is_20_an_hour_by_default_scope(owner_client, shared_run, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "export": "2/hour"},
    }
    for _ in range(2):
        _export(owner_client, "gender", format="csv")
    response = owner_client.post("/api/export/gender", {"format": "csv"}, format="json")
    assert response.status_code == 429
    assert response.json()["retry_after_seconds"] > 0
    assert Export.objects.count() == 2


# --- Downloads: owner-only, expiry --------------------------------------------------------------


def test_download_of_another_analysts_export_is_404(api_client, shared_run, owner_client):
    data = _export(owner_client, "gender", format="csv")
    api_client.force_authenticate(AnalystFactory())
    response = api_client.get(data["download_url"])
    assert response.status_code == 404
    assert response.json()["success"] is False
    assert api_client.get(f"/api/v1/exports/{data['export_id']}/download/").status_code == 404


def test_download_by_admin_is_allowed(admin_client_api, owner_client, shared_run):
    data = _export(owner_client, "gender", format="csv")
    assert admin_client_api.get(data["download_url"]).status_code == 200


def test_download_expired_export_is_410(owner_client, shared_run):
    data = _export(owner_client, "gender", format="csv")
    Export.objects.filter(pk=data["export_id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = owner_client.get(data["download_url"])
    assert response.status_code == 410
    assert response.json()["error"] == "Gone"
    assert "expired" in response.json()["message"]


def test_download_processing_export_is_409(owner_client, shared_owner, shared_run):
    export = ExportFactory(owner=shared_owner, run=shared_run)
    response = owner_client.get(f"/api/exports/{export.pk}/download")
    assert response.status_code == 409
    assert "still being built" in response.json()["message"]


def test_download_failed_export_is_409_with_reason(owner_client, shared_owner, shared_run):
    export = ExportFactory(owner=shared_owner, run=shared_run, status="failed", error="Disk full.")
    response = owner_client.get(f"/api/exports/{export.pk}/download")
    assert response.status_code == 409
    assert "Disk full." in response.json()["message"]


@pytest.mark.parametrize("export_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_download_unknown_export_is_404(owner_client, export_id):
    assert owner_client.get(f"/api/exports/{export_id}/download").status_code == 404


# --- Canonical /api/v1/exports/ -----------------------------------------------------------------


def test_v1_export_assignments_csv_has_original_columns_and_cluster(owner_client, shared_run):
    response = owner_client.post(
        "/api/v1/exports/", {"run": shared_run.pk, "format": "csv"}, format="json"
    )
    assert response.status_code == 202, response.json()
    export = response.json()
    assert export["what"] == "assignments"
    assert export["status"] == "ready"
    download = owner_client.get(export["download_url"])
    back = pd.read_csv(io.BytesIO(_content(download)))
    original = [c["name"] for c in shared_run.dataset.schema]
    assert list(back.columns) == [*original, "cluster", "cluster_name", "confidence"]
    assert len(back) == shared_run.dataset.n_rows
    assignments = Assignment.objects.filter(run=shared_run).order_by("customer__row_number")
    assert back["cluster"].tolist() == list(assignments.values_list("cluster_label", flat=True))
    names = dict(Cluster.objects.filter(run=shared_run).values_list("label", "name"))
    assert back["cluster_name"].tolist() == [names[label] for label in back["cluster"]]
    assert back["customer_id"].tolist() == list(
        assignments.values_list("customer__external_id", flat=True)
    )


def test_v1_export_assignments_xlsx_reads_back(owner_client, shared_run):
    response = owner_client.post(
        "/api/v1/exports/",
        {"run": shared_run.pk, "format": "xlsx", "columns": ["customer_id", "age", "cluster"]},
        format="json",
    )
    assert response.status_code == 202, response.json()
    sheet = load_workbook(
        io.BytesIO(_content(owner_client.get(response.json()["download_url"])))
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("customer_id", "age", "cluster")
    assert len(rows) == shared_run.dataset.n_rows + 1
    assert isinstance(rows[1][1], int)


def test_v1_export_report_json_has_everything_of_the_run(owner_client, shared_run):
    response = owner_client.post(
        "/api/v1/exports/", {"run": shared_run.pk, "format": "json"}, format="json"
    )
    document = json.loads(_content(owner_client.get(response.json()["download_url"])))
    assert document["run"]["id"] == shared_run.pk
    assert document["n_clusters"] == Cluster.objects.filter(run=shared_run).count()
    assert document["metrics"]["silhouette"] == shared_run.metrics["silhouette"]
    assert {"cluster_analysis", "recommendations", "cluster_profiles", "centroids"} <= set(document)
    assert all(c["recommendation"] for c in document["clusters"])


def test_v1_export_report_html_has_cards_and_offline_charts(owner_client, shared_run):
    response = owner_client.post(
        "/api/v1/exports/", {"run": shared_run.pk, "format": "html"}, format="json"
    )
    document = _content(owner_client.get(response.json()["download_url"])).decode()
    assert not re.search(r"<script[^>]*\bsrc\s*=", document, re.IGNORECASE)
    assert "cdn.plot.ly/plotly" not in document
    for cluster in Cluster.objects.filter(run=shared_run):
        assert cluster.name in document
    assert document.count("Plotly.newPlot(") >= 3


def test_v1_export_of_another_analysts_run_is_404(api_client, shared_run):
    api_client.force_authenticate(AnalystFactory())
    response = api_client.post(
        "/api/v1/exports/", {"run": shared_run.pk, "format": "csv"}, format="json"
    )
    assert response.status_code == 404


def test_v1_export_wrong_format_for_what_is_400(owner_client, shared_run):
    response = owner_client.post(
        "/api/v1/exports/",
        {"run": shared_run.pk, "format": "html", "what": "assignments"},
        format="json",
    )
    assert response.status_code == 400
    assert "csv, xlsx, json" in json.dumps(response.json())


def test_v1_export_list_shows_only_own_unexpired_exports(owner_client, shared_owner, shared_run):
    mine = ExportFactory(owner=shared_owner, run=shared_run)
    ExportFactory(
        owner=shared_owner, run=shared_run, expires_at=timezone.now() - timedelta(hours=1)
    )
    ExportFactory(run=shared_run)
    response = owner_client.get("/api/v1/exports/")
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["results"]] == [str(mine.pk)]
    assert owner_client.get(f"/api/v1/exports/{mine.pk}/").json()["status"] == "processing"


# --- Services: build, purge ---------------------------------------------------------------------


def test_export_build_is_idempotent(shared_owner, shared_run):
    export = export_create(
        user=shared_owner, run=shared_run, file_format="csv", what="segments:gender"
    )
    first = export.file.name
    export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.file.name == first
    assert export.status == Export.Status.READY


def test_exports_purge_expired_deletes_files_and_rows(shared_owner, shared_run):
    old = export_create(
        user=shared_owner, run=shared_run, file_format="csv", what="segments:gender"
    )
    fresh = export_create(
        user=shared_owner, run=shared_run, file_format="csv", what="segments:region"
    )
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert default_storage.exists(old.file.name)
    assert exports_purge_expired() == 1
    assert not default_storage.exists(old.file.name)
    assert list(Export.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert default_storage.exists(fresh.file.name)
    assert exports_purge_expired() == 0


def test_exports_purge_expired_tolerates_a_file_already_gone(shared_owner, shared_run):
    export = export_create(
        user=shared_owner, run=shared_run, file_format="csv", what="segments:gender"
    )
    default_storage.delete(export.file.name)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert exports_purge_expired() == 1
    assert not Export.objects.exists()


def test_export_create_large_run_waits_for_the_worker(
    shared_owner, shared_run, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 10
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = export_create(user=shared_owner, run=shared_run, file_format="csv")
    assert export.status == Export.Status.PROCESSING
    assert not export.file
    assert len(callbacks) == 1  # export_build_task.delay, sent once the row is committed
    client = APIClient()
    client.force_authenticate(shared_owner)
    assert client.get(f"/api/exports/{export.pk}/download").status_code == 409


def test_v1_export_list_filters_by_status(owner_client, shared_owner, shared_run):
    ready = ExportFactory(owner=shared_owner, run=shared_run, status="ready")
    ExportFactory(owner=shared_owner, run=shared_run)
    response = owner_client.get("/api/v1/exports/", {"status": "ready"})
    assert [e["id"] for e in response.json()["results"]] == [str(ready.pk)]


def test_admin_action_purges_expired_exports(client, admin_user, shared_owner, shared_run):
    expired = ExportFactory(
        owner=shared_owner, run=shared_run, expires_at=timezone.now() - timedelta(minutes=5)
    )
    fresh = ExportFactory(owner=shared_owner, run=shared_run)
    client.force_login(admin_user)
    response = client.post(
        "/admin/reports/export/",
        {"action": "purge_expired", "_selected_action": [str(fresh.pk)]},
    )
    assert response.status_code == 302
    assert not Export.objects.filter(pk=expired.pk).exists()
    assert Export.objects.filter(pk=fresh.pk).exists()
