"""Role permissions (DESIGN.md, Who may do what). Others' objects are hidden by selectors (404)."""

from rest_framework.permissions import BasePermission


class IsAnalyst(BasePermission):
    """Analysts and admins: upload, run and publish clustering, export."""

    message = "This action needs the analyst or admin role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_analyst)


class IsAdminRole(BasePermission):
    """Admins only: manage users, roles, active status, system stats."""

    message = "This action needs the admin role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin_role)
