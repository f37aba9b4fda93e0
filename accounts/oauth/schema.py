"""The project's AutoSchema: each operation's description names the scope that API keys and
OAuth tokens need (`required_scope`); the security requirement itself is set by
`accounts.oauth.authentication.ScopedOAuth2Scheme` through `operation_scope`."""

from drf_spectacular.openapi import AutoSchema

from accounts.scopes import HasRequiredScope, view_required_scope

OPEN_TO_ANY_SCOPE = ""  # the view does not check scopes: any valid credential may call it


def operation_scope(view, method: str) -> str | None:
    """The scope a scoped credential needs for this operation, `OPEN_TO_ANY_SCOPE` when the view
    does not check scopes, or None when scoped credentials are refused."""
    if not any(isinstance(permission, HasRequiredScope) for permission in view.get_permissions()):
        return OPEN_TO_ANY_SCOPE
    return view_required_scope(view, method)


class ScopedAutoSchema(AutoSchema):
    def get_description(self) -> str:
        description = super().get_description() or ""
        required = operation_scope(self.view, self.method)
        if required == OPEN_TO_ANY_SCOPE:
            return description
        if required is None:
            note = "API keys and OAuth tokens cannot call this operation."
        else:
            note = f"Required scope for API keys and OAuth tokens: `{required}`."
        return f"{description}\n\n{note}".strip()
