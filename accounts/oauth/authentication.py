"""DRF authentication with DOT's OAuth 2.0 access tokens, and their OpenAPI security scheme.

An OAuth token authenticates as its user; `request.auth` is an `OAuthTokenCredential`, which
answers `granted_scopes()` like an API key does, so `accounts.scopes.HasRequiredScope` checks
both the same way. A token of a deactivated user is refused at once."""

from dataclasses import dataclass

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AbstractAccessToken
from rest_framework import exceptions

from accounts.scopes import ALL_SCOPES, scopes_for_role


@dataclass(frozen=True)
class OAuthTokenCredential:
    """What `request.auth` holds for an OAuth request: the token and the scopes it grants."""

    access_token: AbstractAccessToken

    def granted_scopes(self) -> set[str]:
        """The token's scopes, capped by what its user's role allows today: a scope never raises
        a role."""
        return set(self.access_token.scope.split()) & scopes_for_role(self.access_token.user.role)


def _bearer_token(request) -> str | None:
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class ScopedOAuth2Authentication(OAuth2Authentication):
    """`Authorization: Bearer <opaque token>`. JWTs (which contain dots; DOT's tokens never do)
    are left to `JWTAuthentication`, listed after this class."""

    def authenticate(self, request):
        token = _bearer_token(request)
        if token is None or "." in token:
            return None
        result = super().authenticate(request)
        if result is None:
            self._refuse(request, "The access token is invalid, expired or revoked.")
        user, access_token = result
        if user is None or not user.is_active:
            self._refuse(request, "The user of this access token is deactivated.")
        return user, OAuthTokenCredential(access_token=access_token)

    def _refuse(self, request, description: str) -> None:
        """RFC 6750 3.1: 401 with `error="invalid_token"` in `WWW-Authenticate`."""
        request.oauth2_error = {"error": "invalid_token", "error_description": description}
        raise exceptions.AuthenticationFailed(description, code="invalid_token")


class ScopedOAuth2Scheme(OpenApiAuthenticationExtension):
    """OAuth 2.0 (authorization code with PKCE, client credentials) with every scope; each
    operation requires the scope its view declares (`required_scope`)."""

    target_class = "accounts.oauth.authentication.ScopedOAuth2Authentication"
    name = "OAuth2"
    priority = 1  # above drf-spectacular's own scheme for DOT's base class

    def get_security_requirement(self, auto_schema):
        from accounts.oauth.schema import operation_scope  # DRF loads this module while importing

        required = operation_scope(auto_schema.view, auto_schema.method)
        if required is None:
            return None  # the view is not open to OAuth tokens
        return {self.name: [required] if required else []}

    def get_security_definition(self, auto_schema):
        token_url = reverse("oauth2_provider:token")
        return {
            "type": "oauth2",
            "description": "Third-party apps: register one under “My applications”.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": reverse("oauth2_provider:authorize"),
                    "tokenUrl": token_url,
                    "refreshUrl": token_url,
                    "scopes": dict(ALL_SCOPES),
                },
                "clientCredentials": {"tokenUrl": token_url, "scopes": dict(ALL_SCOPES)},
            },
        }
