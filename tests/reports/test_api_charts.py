"""Document 000 `GET /api/visualizations` and `GET /api/export`, and the canonical
`/api/v1/runs/{id}/charts/{name}/`."""

import pytest
from rest_framework.test import APIClient

from clustering.models import Cluster
from datasets.models import CurrentDataset
from reports import charts
from reports.models import Export
from tests.factories import AnalystFactory, dataset_with_rows

from .conftest import succeeded_run
from .frames import demo_frame, demo_schema

pytestmark = pytest.mark.django_db


def test_visualizations_answers_plotly_figures(owner_client, shared_run):
    # The run's owner clustered their current dataset (document 000: their own workspace).
    response = owner_client.get("/api/visualizations")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    scatter, distribution = body["scatter_chart"], body["distribution_chart"]
    assert {"data", "layout"} <= set(scatter)
    names = list(Cluster.objects.filter(run=shared_run).values_list("name", flat=True))
    assert sorted(trace["name"] for trace in scatter["data"]) == sorted(names)
    assert sum(len(trace["x"]) for trace in scatter["data"]) == shared_run.dataset.n_rows
    assert distribution["data"][0]["x"] == names


def test_visualizations_prefers_the_callers_own_latest_run(analyst, analyst_client, shared_run):
    mine = succeeded_run(owner=analyst, n_clusters=4)
    CurrentDataset.objects.update_or_create(user=analyst, defaults={"dataset": mine.dataset})
    body = analyst_client.get("/api/visualizations").json()
    assert len(body["distribution_chart"]["data"][0]["x"]) == 4


def test_workspace_export_answers_download_urls_not_paths(owner_client, shared_run):
    response = owner_client.get("/api/export")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True
    assert set(body["files"]) == {"csv", "json", "html"}
    for file_format, url in body["files"].items():
        assert url.startswith("/api/exports/")
        assert url.endswith("/download")
        download = owner_client.get(url)
        assert download.status_code == 200
        assert download["Content-Type"].split(";")[0].endswith(file_format)
    assert Export.objects.filter(status="ready").count() == 3


@pytest.mark.parametrize("path", ["/api/visualizations", "/api/export"])
def test_workspace_without_own_upload_is_400_no_data_loaded_not_the_published_run(
    analyst_client, shared_run, path
):
    response = analyst_client.get(path)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith("No data loaded")
    assert not Export.objects.exists()


@pytest.mark.parametrize("path", ["/api/visualizations", "/api/export"])
def test_workspace_without_own_clustering_is_400_no_clustering_performed(
    analyst, analyst_client, shared_run, path
):
    # The caller uploaded data of their own but has not clustered it; a run is published.
    frame = demo_frame()
    dataset = dataset_with_rows(owner=analyst, frame=frame, schema=demo_schema(frame))
    CurrentDataset.objects.update_or_create(user=analyst, defaults={"dataset": dataset})
    response = analyst_client.get(path)
    assert response.status_code == 400
    assert response.json()["error"].startswith("No clustering performed")
    assert not Export.objects.exists()


def test_workspace_export_by_user_role_is_403_plain(user_client, shared_run):
    response = user_client.get("/api/export")
    assert response.status_code == 403
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_run_chart_every_name_is_a_figure(owner_client, shared_run, name):
    response = owner_client.get(f"/api/v1/runs/{shared_run.pk}/charts/{name}/")
    assert response.status_code == 200, response.json()
    figure = response.json()
    assert figure["data"]
    assert "layout" in figure


def test_run_chart_elbow_marks_the_runs_k(owner_client, shared_run):
    figure = owner_client.get(f"/api/v1/runs/{shared_run.pk}/charts/elbow/").json()
    inertia, silhouette = figure["data"]
    assert inertia["x"][0] == 2
    assert len(inertia["y"]) == len(silhouette["y"])
    assert figure["layout"]["shapes"][0]["x0"] == shared_run.parameters["n_clusters"]


def test_run_chart_unknown_name_is_404(owner_client, shared_run):
    response = owner_client.get(f"/api/v1/runs/{shared_run.pk}/charts/pie/")
    assert response.status_code == 404
    assert "charts are scatter" in response.json()["detail"]


def test_run_chart_of_another_analysts_run_is_404(shared_run):
    client = APIClient()
    client.force_authenticate(AnalystFactory())
    assert client.get(f"/api/v1/runs/{shared_run.pk}/charts/scatter/").status_code == 404
