"""Authentication classes of the API.

- `JWTAuthentication`: simplejwt's bearer tokens, also refusing tokens of deactivated users and
  tokens whose `token_version` is older than the user's (password changed, user deactivated).
- `ApiKeyAuthentication`: `X-API-Key`; the key's SHA-256 is looked up; revoked, expired keys and
  keys of deactivated owners are refused on the very next request. `last_used_at` is written at
  most once a minute per key.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_simplejwt import authentication as simplejwt_authentication
from rest_framework_simplejwt.exceptions import InvalidToken

from .models import ApiKey, User, hash_api_key
from .tokens import TOKEN_VERSION_CLAIM

API_KEY_HEADER = "X-API-Key"
# `ApiKey.last_used_at` is exact to this much.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class JWTAuthentication(simplejwt_authentication.JWTAuthentication):
    """Bearer JWTs, refused once the user is deactivated or their token version moved on."""

    def get_user(self, validated_token) -> User:
        user = super().get_user(validated_token)  # also checks is_active and the password hash
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise InvalidToken(
                "This token was revoked (password changed or account deactivated); log in again."
            )
        return user


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw_key = request.headers.get(API_KEY_HEADER)
        if not raw_key:
            return None
        key = ApiKey.objects.select_related("owner").filter(key_hash=hash_api_key(raw_key)).first()
        if key is None or not key.is_usable:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        if not key.owner.is_active:
            raise exceptions.AuthenticationFailed("The owner of this API key is deactivated.")
        now = timezone.now()
        # At most one write a minute per key: a busy script must not write a row per request.
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.owner, key

    def authenticate_header(self, request) -> str:
        return API_KEY_HEADER


class JWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.JWTAuthentication"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
