"""Document 003 (external REST): `POST /api/auth/login` (a token pair) and `GET /api/health`."""

import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import HealthSerializer, LoginInputSerializer, TokenPairSerializer
from config.api.envelope import API_VERSION

from .common import LoginAPIView


class ExternalLoginView(LoginAPIView):
    """POST /api/auth/login (document 003): an access + refresh token pair."""

    error_style = "envelope"

    @extend_schema(
        operation_id="api_auth_login",
        request=LoginInputSerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        user = self.authenticated_user(request)
        tokens = services.tokens_issue(user=user)
        body = {
            "access_token": tokens.access,
            "token_type": "Bearer",
            "expires_in": tokens.expires_in,
            "refresh_token": tokens.refresh,
        }
        return Response(TokenPairSerializer(body).data)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def cache_ok() -> bool:
    probe = uuid.uuid4().hex
    key = f"health-probe:{probe}"  # one key per check: concurrent checks never collide
    try:
        cache.set(key, probe, timeout=10)
        ok = cache.get(key) == probe
        cache.delete(key)
        return ok
    except Exception:  # any backend's own error (redis, database): the cache is down
        return False


class ExternalHealthView(APIView):
    """Unauthenticated and unthrottled: 200 when the database and the cache answer, else 503."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    required_scope = None
    error_style = "envelope"

    @extend_schema(
        operation_id="api_health", responses={200: HealthSerializer, 503: HealthSerializer}
    )
    def get(self, request: Request) -> Response:
        database, cache_ = database_ok(), cache_ok()
        healthy = database and cache_
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "timestamp": timezone.now().replace(microsecond=0),
            "components": {
                "database": "connected" if database else "unreachable",
                "cache": "operational" if cache_ else "unavailable",
                "api_version": API_VERSION,
            },
        }
        return Response(HealthSerializer(body).data, status=200 if healthy else 503)
