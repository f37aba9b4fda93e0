"""Account pages under /account/: API keys, connected apps, my applications."""

from django.urls import path

from . import views

app_name = "accounts-pages"

urlpatterns = [
    path("api-keys/", views.api_key_list_view, name="api-keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
    path("connected-apps/", views.connected_app_list_view, name="connected-apps"),
    path(
        "connected-apps/<int:pk>/revoke/",
        views.connected_app_revoke_view,
        name="connected-app-revoke",
    ),
    path("applications/", views.application_list_view, name="applications"),
    path("applications/<int:pk>/", views.application_detail_view, name="application-detail"),
    path(
        "applications/<int:pk>/rotate-secret/",
        views.application_rotate_secret_view,
        name="application-rotate-secret",
    ),
    path(
        "applications/<int:pk>/delete/",
        views.application_delete_view,
        name="application-delete",
    ),
]
