"""URL routes of the reports API: document 003 (segments, insights, exports), document 000
(visualizations, export) and the canonical /api/v1/ charts and exports."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views.canonical import ExportViewSet, RunChartView
from .views.external import (
    ExternalExportDownloadView,
    ExternalInsightView,
    ExternalSegmentExportCreateView,
    ExternalSegmentListView,
)
from .views.workspace import WorkspaceExportView, WorkspaceVisualizationsView

app_name = "reports-api"

router = SimpleRouter()
router.register("api/v1/exports", ExportViewSet, basename="export")

urlpatterns = [
    path("api/segments/<str:segment_type>", ExternalSegmentListView.as_view(), name="segments"),
    path("api/insights/<str:segment_type>", ExternalInsightView.as_view(), name="insights"),
    path(
        "api/export/<str:segment_type>",
        ExternalSegmentExportCreateView.as_view(),
        name="export-create-003",
    ),
    path(
        "api/exports/<str:export_id>/download",
        ExternalExportDownloadView.as_view(),
        name="export-download-003",
    ),
    path("api/visualizations", WorkspaceVisualizationsView.as_view(), name="visualizations"),
    path("api/export", WorkspaceExportView.as_view(), name="export-000"),
    path(
        "api/v1/runs/<int:pk>/charts/<str:chart>/",
        RunChartView.as_view(),
        name="run-chart",
    ),
    *router.urls,
]
