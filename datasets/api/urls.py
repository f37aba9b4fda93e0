"""URL routes of the datasets API: the canonical `/api/v1/datasets/` resource, and the dataset
contracts of documents 000 and 002 at their own paths (APPEND_SLASH is off, so
`/api/v1/datasets` and `/api/v1/datasets/` are two routes)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .customer_table import CustomerTableCreateView, CustomerTableJobDetailView
from .views import DatasetPlainListView, DatasetUploadView, DatasetViewSet
from .workspace import CorrelationMatrixView, DataQualityView, ResetView, WorkspaceUploadView

app_name = "datasets-api"

router = SimpleRouter()
router.register("api/v1/datasets", DatasetViewSet, basename="dataset")

urlpatterns = [
    # 002: v1 datasets
    path("api/v1/datasets/upload", DatasetUploadView.as_view(), name="v1-upload"),
    path("api/v1/datasets", DatasetPlainListView.as_view(), name="v1-list"),
    *router.urls,
    path(
        "api/v1/datasets/<int:pk>/customer-table/",
        CustomerTableCreateView.as_view(),
        name="dataset-customer-table",
    ),
    path(
        "api/v1/customer-table-jobs/<int:pk>/",
        CustomerTableJobDetailView.as_view(),
        name="customer-table-job-detail",
    ),
    # 000: analytics workspace
    path("api/upload", WorkspaceUploadView.as_view(), name="upload"),
    path("api/data-quality", DataQualityView.as_view(), name="data-quality"),
    path("api/correlation-matrix", CorrelationMatrixView.as_view(), name="correlation-matrix"),
    path("api/reset", ResetView.as_view(), name="reset"),
]
