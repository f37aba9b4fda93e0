"""URL routes of the profiles API: document 004's `/predict`, `/history`, `/profiles/...`,
document 003's `/api/customers/{id}/segment`, and the canonical `/api/v1/` resources. Each
contract's views live in `views/<contract>.py` (docs/architecture.md has the table)."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from .views import backend, canonical, external

app_name = "profiles-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("predictions", canonical.PredictionViewSet, basename="prediction")
router.register("profiles", canonical.CustomerProfileViewSet, basename="profile")

urlpatterns = [
    path("predict", backend.BackendPredictView.as_view(), name="predict"),
    path("history", backend.BackendHistoryView.as_view(), name="history"),
    re_path(r"^profiles/?$", backend.BackendProfileListView.as_view(), name="profiles-004"),
    path(
        "profiles/<int:pk>", backend.BackendProfileDetailView.as_view(), name="profile-004-detail"
    ),
    path(
        "api/customers/<str:customer_id>/segment",
        external.ExternalCustomerSegmentView.as_view(),
        name="customer-segment",
    ),
    path(
        "api/v1/runs/<int:pk>/customers/<str:customer_id>/",
        canonical.RunCustomerView.as_view(),
        name="run-customer",
    ),
    path("api/v1/", include(router.urls)),
]
