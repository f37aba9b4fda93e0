"""URL routes of the accounts API: documents 004 (/auth, /users/me, /admin/users, /admin/stats)
and 003 (/api/auth/login, /api/health), the /api/v1/ root, and the canonical /api/v1/ resources.
Each contract's views live in `views/<contract>.py` (docs/architecture.md has the table).

config/urls.py includes these before Django's admin, so /admin/users and /admin/stats reach
the JSON API."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import backend, canonical, external, v1

app_name = "accounts-api"

router = SimpleRouter(use_regex_path=False)
router.register("api/v1/users", canonical.UserViewSet, basename="user")
router.register("api/v1/auth/api-keys", canonical.ApiKeyViewSet, basename="api-key")

urlpatterns = [
    # Document 004
    path("auth/register", backend.BackendRegisterView.as_view(), name="register"),
    path("auth/login", backend.BackendLoginView.as_view(), name="login"),
    path("auth/me", backend.BackendMeView.as_view(), name="me"),
    path("users/me/profile", backend.BackendUserProfileView.as_view(), name="me-profile"),
    path("users/me", backend.BackendUserMeView.as_view(), name="me-update"),
    path("admin/users", backend.BackendAdminUserListView.as_view(), name="admin-users"),
    path("admin/users/<int:pk>", backend.BackendAdminUserDetailView.as_view(), name="admin-user"),
    path(
        "admin/users/<int:pk>/role",
        backend.BackendAdminUserRoleView.as_view(),
        name="admin-user-role",
    ),
    path(
        "admin/users/<int:pk>/toggle-active",
        backend.BackendAdminUserToggleActiveView.as_view(),
        name="admin-user-toggle-active",
    ),
    path("admin/stats", backend.BackendAdminStatsView.as_view(), name="admin-stats"),
    # Any other /admin/users/... (a non-numeric id) is the JSON API's 404, not Django admin's.
    path("admin/users/<path:rest>", backend.admin_users_not_found, name="admin-users-unknown"),
    # Document 003
    path("api/auth/login", external.ExternalLoginView.as_view(), name="api-login"),
    path("api/health", external.ExternalHealthView.as_view(), name="health"),
    # Document 002's root
    path("api/v1/", v1.V1RootView.as_view(), name="api-root"),
    # Canonical
    path("api/v1/auth/refresh/", canonical.TokenRefreshView.as_view(), name="token-refresh"),
    path("api/v1/auth/logout/", canonical.LogoutView.as_view(), name="logout"),
    *router.urls,
]
