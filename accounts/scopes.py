"""Scopes shared by OAuth 2.0 tokens and API keys.

Every API view declares `required_scope`: one scope, or a dict from HTTP method to scope
(`{"GET": "datasets:read", "POST": "datasets:write"}`). A scoped credential (an API key or an
OAuth token) must carry it; a JWT or a session keeps the full access of its user's role. A scope
never raises a role: role permissions are checked as well.
"""

from rest_framework.permissions import BasePermission

READ_SCOPES = {
    "segments:read": "Read segment reports and the published segmentation",
    "clusters:read": "Read clustering runs and clusters",
    "customers:read": "Look up customers and their segments",
    "insights:read": "Read generated insights",
    "datasets:read": "Read datasets and their quality reports",
}
WRITE_SCOPES = {
    "clusters:run": "Run and publish clustering",
    "exports:write": "Create exports",
    "predict": "Predict segments for customers",
    "profiles:write": "Create, change and delete saved customer profiles",
    "datasets:write": "Upload and delete datasets",
    "account": "Read and change your own account",
}
ALL_SCOPES = {**READ_SCOPES, **WRITE_SCOPES}
ANALYST_ONLY_SCOPES = {"clusters:run", "exports:write", "datasets:write"}


def scopes_for_role(role: str) -> set[str]:
    """Every scope a user of this role may use (keys made before scopes existed get these)."""
    if role in ("analyst", "admin"):
        return set(ALL_SCOPES)
    return set(ALL_SCOPES) - ANALYST_ONLY_SCOPES


def credential_scopes(request) -> set[str] | None:
    """The scopes of the request's credential, or None when it is not a scoped credential."""
    auth = request.auth
    scopes = getattr(auth, "granted_scopes", None)
    if callable(scopes):
        return set(scopes())
    return None


def view_required_scope(view, method: str) -> str | None:
    required = getattr(view, "required_scope", None)
    if isinstance(required, dict):
        return required.get(method) or required.get("*")
    return required


class HasRequiredScope(BasePermission):
    """Scoped credentials need the view's scope; 403 names the missing one."""

    def has_permission(self, request, view) -> bool:
        granted = credential_scopes(request)
        if granted is None:
            return True
        required = view_required_scope(view, request.method)
        if required is None:
            self.message = "This endpoint is not available to API keys or OAuth tokens."
            return False
        if required not in granted:
            self.message = f"This credential lacks the '{required}' scope."
            return False
        return True
