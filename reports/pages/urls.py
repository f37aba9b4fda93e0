"""Report pages (namespace `pages`, composed in config/pages/urls.py): the dashboard, the segment
explorer and exports."""

from django.urls import path

from reports.pages import dashboard, exports, segments

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("app/runs/<int:pk>/export/", exports.export_create_page, name="run-export"),
    path("app/exports/", exports.export_list_page, name="export-list"),
    path("app/exports/<uuid:pk>/download/", exports.export_download, name="export-download"),
    path("app/segments/", segments.segment_explorer, name="segments"),
]
