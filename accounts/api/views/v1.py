"""Document 002: `GET /api/v1/`, the service's root (its version and where the docs are)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import ApiRootSerializer
from config.api.envelope import API_VERSION


class V1RootView(APIView):
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
