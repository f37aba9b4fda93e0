"""URL routes of the clustering API: the canonical `/api/v1/runs/` resource, and every clustering
contract of the seed documents at its own path."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views.analyze import AnalyzeView, RecommendationsView
from .views.backend import BackendClustersView, BackendElbowView, BackendTrainView
from .views.external import ExternalClustersView, ExternalJobView, ExternalRunView
from .views.runs import DatasetOptimalKView, RunDendrogramPngView, RunViewSet
from .views.v1 import ClusteringTrainView, DatasetRunsView, RunDendrogramView, RunSegmentsView
from .views.workspace import ClusterDataView, ClusterView, OptimalClustersView

app_name = "clustering-api"

router = SimpleRouter()
router.register("api/v1/runs", RunViewSet, basename="run")

urlpatterns = [
    *router.urls,
    path(
        "api/v1/runs/<int:pk>/dendrogram.png",
        RunDendrogramPngView.as_view(),
        name="run-dendrogram",
    ),
    path(
        "api/v1/datasets/<int:pk>/optimal-k/",
        DatasetOptimalKView.as_view(),
        name="dataset-optimal-k",
    ),
    # 000: analytics workspace
    path("api/optimal-clusters", OptimalClustersView.as_view(), name="optimal-clusters"),
    path("api/cluster", ClusterView.as_view(), name="cluster"),
    path("api/cluster-data", ClusterDataView.as_view(), name="cluster-data"),
    # 001: stateless analysis
    path("api/analyze", AnalyzeView.as_view(), name="analyze"),
    path("api/recommendations", RecommendationsView.as_view(), name="recommendations"),
    # 002: v1 clustering
    path("api/v1/clustering/train", ClusteringTrainView.as_view(), name="v1-train"),
    path("api/v1/clustering/runs/<int:dataset_id>", DatasetRunsView.as_view(), name="v1-runs"),
    path("api/v1/clustering/segments/<int:run_id>", RunSegmentsView.as_view(), name="v1-segments"),
    path(
        "api/v1/clustering/dendrogram/<int:run_id>",
        RunDendrogramView.as_view(),
        name="v1-dendrogram",
    ),
    # 003: external REST (envelope)
    path("api/clusters", ExternalClustersView.as_view(), name="external-clusters"),
    path("api/clusters/run", ExternalRunView.as_view(), name="external-run"),
    path("api/clusters/jobs/<str:job_id>", ExternalJobView.as_view(), name="external-job"),
    # 004: backend
    path("train", BackendTrainView.as_view(), name="backend-train"),
    path("clusters", BackendClustersView.as_view(), name="backend-clusters"),
    path("elbow", BackendElbowView.as_view(), name="backend-elbow"),
]
