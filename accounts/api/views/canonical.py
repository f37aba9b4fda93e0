"""The canonical `/api/v1/` accounts API: token refresh and logout, the caller's API keys (the
raw key is answered once, at creation) and user administration (admins only)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateInputSerializer,
    ApiKeySerializer,
    MessageSerializer,
    RefreshInputSerializer,
    RoleInputSerializer,
    SystemStatsSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from accounts.filters import UserFilter
from accounts.models import ApiKey, User
from accounts.scopes import HasRequiredScope
from accounts.throttles import AnonRateThrottle

from .common import ADMIN_PERMISSIONS, PublicAPIView


class TokenRefreshView(PublicAPIView):
    """POST /api/v1/auth/refresh/: trade a refresh token for a new pair (the old one is
    revoked)."""

    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        operation_id="auth_refresh",
        request=RefreshInputSerializer,
        responses={200: TokenRefreshSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.tokens_refresh(raw_refresh=data.validated_data["refresh"])
        return Response(
            TokenRefreshSerializer({"access": tokens.access, "refresh": tokens.refresh}).data
        )


class LogoutView(PublicAPIView):
    """POST /api/v1/auth/logout/: revoke a refresh token."""

    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        operation_id="auth_logout",
        request=RefreshInputSerializer,
        responses={200: MessageSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tokens_revoke(raw_refresh=data.validated_data["refresh"])
        return Response({"message": "Logged out: the refresh token is revoked."})


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


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """/api/v1/users/: the canonical user administration API (admins only)."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["id", "username", "email", "created_at", "role"]
    permission_classes = ADMIN_PERMISSIONS
    required_scope = None  # no scope grants user administration
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list()

    def get_object(self) -> User:
        return selectors.user_get(pk=self.kwargs["pk"])

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: int) -> Response:
        services.user_delete_by_admin(actor=request.user, user=self.get_object())
        return Response(status=204)

    @extend_schema(request=RoleInputSerializer, responses={200: UserSerializer})
    @action(detail=True, methods=["put"], url_path="role")
    def role(self, request: Request, pk: int) -> Response:
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_role_set(
            actor=request.user, user=self.get_object(), role=data.validated_data["role"]
        )
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["put"], url_path="toggle-active")
    def toggle_active(self, request: Request, pk: int) -> Response:
        user = services.user_active_toggle(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user).data)

    @extend_schema(responses={200: SystemStatsSerializer})
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def stats(self, request: Request) -> Response:
        return Response(SystemStatsSerializer(selectors.system_stats()).data)
