"""URL routes of the datasets API: the canonical `/api/v1/datasets/` resource, and the dataset
contracts of documents 000 and 002 at their own paths (APPEND_SLASH is off, so
`/api/v1/datasets` and `/api/v1/datasets/` are two routes). Each contract's views live in
`views/<contract>.py` (docs/architecture.md has the table)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import canonical, v1, workspace

app_name = "datasets-api"

router = SimpleRouter()
router.register("api/v1/datasets", canonical.DatasetViewSet, basename="dataset")

urlpatterns = [
    # 002: v1 datasets
    path("api/v1/datasets/upload", v1.V1DatasetUploadView.as_view(), name="v1-upload"),
    path("api/v1/datasets", v1.V1DatasetListView.as_view(), name="v1-list"),
    # Before the router's routes: its `api/v1/datasets/{pk}/` would take "register" for an id.
    path(
        "api/v1/datasets/register/",
        canonical.DatasetRegisterView.as_view(),
        name="dataset-register",
    ),
    *router.urls,
    path(
        "api/v1/datasets/<int:pk>/customer-table/",
        canonical.CustomerTableCreateView.as_view(),
        name="dataset-customer-table",
    ),
    path(
        "api/v1/customer-table-jobs/<int:pk>/",
        canonical.CustomerTableJobDetailView.as_view(),
        name="customer-table-job-detail",
    ),
    path(
        "api/v1/registration-jobs/<int:pk>/",
        canonical.RegistrationJobDetailView.as_view(),
        name="registration-job-detail",
    ),
    # 000: analytics workspace
    path("api/upload", workspace.WorkspaceUploadView.as_view(), name="upload"),
    path("api/data-quality", workspace.WorkspaceDataQualityView.as_view(), name="data-quality"),
    path(
        "api/correlation-matrix",
        workspace.WorkspaceCorrelationMatrixView.as_view(),
        name="correlation-matrix",
    ),
    path("api/reset", workspace.WorkspaceResetView.as_view(), name="reset"),
]
