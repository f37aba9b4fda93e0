"""Account pages under /account/ (namespace `accounts-pages`, included from config/urls.py): API
keys, connected apps, my applications."""

from django.urls import path

from accounts.pages import account

app_name = "accounts-pages"

urlpatterns = [
    path("api-keys/", account.api_key_list_view, name="api-keys"),
    path("api-keys/<int:pk>/revoke/", account.api_key_revoke_view, name="api-key-revoke"),
    path("connected-apps/", account.connected_app_list_view, name="connected-apps"),
    path(
        "connected-apps/<int:pk>/revoke/",
        account.connected_app_revoke_view,
        name="connected-app-revoke",
    ),
    path("applications/", account.application_list_view, name="applications"),
    path("applications/<int:pk>/", account.application_detail_view, name="application-detail"),
    path(
        "applications/<int:pk>/rotate-secret/",
        account.application_rotate_secret_view,
        name="application-rotate-secret",
    ),
    path(
        "applications/<int:pk>/delete/",
        account.application_delete_view,
        name="application-delete",
    ),
]
