"""GET /api/health (document 003) and GET /api/v1/ (document 002's root)."""

import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import ApiRootSerializer, HealthSerializer
from config.api.envelope import API_VERSION


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


class HealthView(APIView):
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


class ApiRootView(APIView):
    """GET /api/v1/: the service answers, with its version and where the docs are."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    required_scope = None

    @extend_schema(operation_id="api_root", responses={200: ApiRootSerializer})
    def get(self, request: Request) -> Response:
        body = {
            "message": "Customer Segmentation API",
            "status": "healthy",
            "version": API_VERSION,
            "docs": "/api/docs/",
            "schema": "/api/schema/",
        }
        return Response(ApiRootSerializer(body).data)
