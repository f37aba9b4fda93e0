"""`X-API-Key` authentication: the key's SHA-256 is looked up; revoked, expired keys and keys of
deactivated owners are refused."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiKey, hash_api_key

API_KEY_HEADER = "X-API-Key"


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
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key.owner, key

    def authenticate_header(self, request) -> str:
        return API_KEY_HEADER


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
