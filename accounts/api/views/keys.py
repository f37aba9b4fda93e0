"""/api/v1/auth/api-keys/: the caller's API keys. The raw key is answered once, at creation."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateInputSerializer,
    ApiKeySerializer,
)
from accounts.models import ApiKey
from accounts.scopes import HasRequiredScope


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List, create, show and revoke the caller's API keys."""

    serializer_class = ApiKeySerializer
    permission_classes = [IsAuthenticated, HasRequiredScope]
    required_scope = None  # a key or OAuth token never mints or revokes keys: log in for that
    lookup_value_converter = "int"
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ApiKey]:
        return selectors.api_key_list(owner=self.request.user)

    def get_object(self) -> ApiKey:
        return selectors.api_key_get(owner=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=ApiKeyCreateInputSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = ApiKeyCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, raw_key = services.api_key_create(owner=request.user, **data.validated_data)
        key.key = raw_key
        return Response(ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: int) -> Response:
        services.api_key_revoke(key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
