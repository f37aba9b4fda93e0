"""URL routes of the clustering API: the canonical `/api/v1/runs/` resource, and every clustering
contract of the seed documents at its own path. Each contract's views live in
`views/<contract>.py` (docs/architecture.md has the table)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import analyze, backend, canonical, external, v1, workspace

app_name = "clustering-api"

router = SimpleRouter()
router.register("api/v1/runs", canonical.RunViewSet, basename="run")

urlpatterns = [
    *router.urls,
    path(
        "api/v1/runs/<int:pk>/dendrogram.png",
        canonical.RunDendrogramPngView.as_view(),
        name="run-dendrogram",
    ),
    path(
        "api/v1/runs/<int:pk>/compare/<int:other_pk>/",
        canonical.RunCompareView.as_view(),
        name="run-compare",
    ),
    path(
        "api/v1/runs/<int:pk>/compare/<int:other_pk>/movers/",
        canonical.RunCompareMoversView.as_view(),
        name="run-compare-movers",
    ),
    path(
        "api/v1/runs/<int:pk>/compare/<int:other_pk>/movers.csv",
        canonical.RunCompareMoversCsvView.as_view(),
        name="run-compare-movers-csv",
    ),
    path(
        "api/v1/datasets/<int:pk>/optimal-k/",
        canonical.DatasetOptimalKView.as_view(),
        name="dataset-optimal-k",
    ),
    # 000: analytics workspace
    path(
        "api/optimal-clusters",
        workspace.WorkspaceOptimalClustersView.as_view(),
        name="optimal-clusters",
    ),
    path("api/cluster", workspace.WorkspaceClusterView.as_view(), name="cluster"),
    path("api/cluster-data", workspace.WorkspaceClusterDataView.as_view(), name="cluster-data"),
    # 001: stateless analysis
    path("api/analyze", analyze.AnalyzeView.as_view(), name="analyze"),
    path(
        "api/recommendations",
        analyze.AnalyzeRecommendationsView.as_view(),
        name="recommendations",
    ),
    # 002: v1 clustering
    path("api/v1/clustering/train", v1.V1TrainView.as_view(), name="v1-train"),
    path(
        "api/v1/clustering/runs/<int:dataset_id>",
        v1.V1DatasetRunsView.as_view(),
        name="v1-runs",
    ),
    path(
        "api/v1/clustering/segments/<int:run_id>",
        v1.V1RunSegmentsView.as_view(),
        name="v1-segments",
    ),
    path(
        "api/v1/clustering/dendrogram/<int:run_id>",
        v1.V1RunDendrogramView.as_view(),
        name="v1-dendrogram",
    ),
    # 003: external REST (envelope)
    path("api/clusters", external.ExternalClustersView.as_view(), name="external-clusters"),
    path("api/clusters/run", external.ExternalRunView.as_view(), name="external-run"),
    path("api/clusters/jobs/<str:job_id>", external.ExternalJobView.as_view(), name="external-job"),
    # 004: backend
    path("train", backend.BackendTrainView.as_view(), name="backend-train"),
    path("clusters", backend.BackendClustersView.as_view(), name="backend-clusters"),
    path("elbow", backend.BackendElbowView.as_view(), name="backend-elbow"),
]
