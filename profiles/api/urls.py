"""URL routes of the profiles API: document 004's `/predict`, `/history`, `/profiles/...`,
document 003's `/api/customers/{id}/segment`, and the canonical `/api/v1/` resources."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "profiles-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("predictions", views.PredictionViewSet, basename="prediction")
router.register("profiles", views.CustomerProfileViewSet, basename="profile")

urlpatterns = [
    path("predict", views.PredictView.as_view(), name="predict"),
    path("history", views.HistoryView.as_view(), name="history"),
    re_path(r"^profiles/?$", views.ProfileListView.as_view(), name="profiles-004"),
    path("profiles/<int:pk>", views.ProfileDetailView.as_view(), name="profile-004-detail"),
    path(
        "api/customers/<str:customer_id>/segment",
        views.CustomerSegmentView.as_view(),
        name="customer-segment",
    ),
    path("api/v1/", include(router.urls)),
]
