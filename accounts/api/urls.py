"""URL routes of the accounts API: documents 004 (/auth, /users/me, /admin/users, /admin/stats)
and 003 (/api/auth/login, /api/health), the /api/v1/ root, and the canonical /api/v1/ resources.

config/urls.py includes these before Django's admin, so /admin/users and /admin/stats reach
the JSON API."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import account, admin, auth, keys, system

app_name = "accounts-api"

router = SimpleRouter(use_regex_path=False)
router.register("api/v1/users", admin.UserViewSet, basename="user")
router.register("api/v1/auth/api-keys", keys.ApiKeyViewSet, basename="api-key")

urlpatterns = [
    # Document 004
    path("auth/register", auth.RegisterView.as_view(), name="register"),
    path("auth/login", auth.LoginView.as_view(), name="login"),
    path("auth/me", account.MeView.as_view(), name="me"),
    path("users/me/profile", account.UserProfileView.as_view(), name="me-profile"),
    path("users/me", account.UserMeView.as_view(), name="me-update"),
    path("admin/users", admin.AdminUserListView.as_view(), name="admin-users"),
    path("admin/users/<int:pk>", admin.AdminUserDetailView.as_view(), name="admin-user"),
    path("admin/users/<int:pk>/role", admin.AdminUserRoleView.as_view(), name="admin-user-role"),
    path(
        "admin/users/<int:pk>/toggle-active",
        admin.AdminUserToggleActiveView.as_view(),
        name="admin-user-toggle-active",
    ),
    path("admin/stats", admin.AdminStatsView.as_view(), name="admin-stats"),
    # Any other /admin/users/... (a non-numeric id) is the JSON API's 404, not Django admin's.
    path("admin/users/<path:rest>", admin.admin_users_not_found, name="admin-users-unknown"),
    # Document 003
    path("api/auth/login", auth.ApiLoginView.as_view(), name="api-login"),
    path("api/health", system.HealthView.as_view(), name="health"),
    # Document 002's root and the canonical API
    path("api/v1/", system.ApiRootView.as_view(), name="api-root"),
    path("api/v1/auth/refresh/", auth.TokenRefreshView.as_view(), name="token-refresh"),
    path("api/v1/auth/logout/", auth.LogoutView.as_view(), name="logout"),
    *router.urls,
]
