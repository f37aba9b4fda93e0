"""User administration: document 004's /admin/... contract and its /api/v1/users/ mirror.

Admins only, and never on themselves (the services refuse it). Not open to API keys or OAuth
tokens: managing users needs the admin's own login."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    AdminUserListSerializer,
    MessageSerializer,
    RoleInputSerializer,
    SystemStatsSerializer,
    UserSerializer,
)
from accounts.filters import UserFilter
from accounts.models import User
from accounts.permissions import IsAdminRole
from accounts.scopes import HasRequiredScope
from config.api.errors import not_found
from config.api.pagination import SkipLimitPagination

ADMIN_PERMISSIONS = [IsAuthenticated, HasRequiredScope, IsAdminRole]


class _AdminView(APIView):
    permission_classes = ADMIN_PERMISSIONS
    required_scope = None  # no scope grants user administration


class AdminUserListView(_AdminView):
    """GET /admin/users: one page of users (`?skip=&limit=`) with system totals."""

    @extend_schema(
        operation_id="admin_users_list",
        parameters=[
            OpenApiParameter("skip", int, description="Users to skip (default 0)."),
            OpenApiParameter("limit", int, description="Users per page (default 100, max 500)."),
        ],
        responses={200: AdminUserListSerializer},
        tags=["admin"],
    )
    def get(self, request: Request) -> Response:
        paginator = SkipLimitPagination()
        page = paginator.paginate_queryset(selectors.user_list(), request, view=self)
        body = {
            "users": page,
            "total": paginator.count,
            **selectors.system_totals(),
            "skip": paginator.offset,
            "limit": paginator.limit,
        }
        return Response(AdminUserListSerializer(body).data)


class AdminUserDetailView(_AdminView):
    """GET /admin/users/{id}: one user; DELETE removes the account (never one's own)."""

    @extend_schema(operation_id="admin_users_get", responses={200: UserSerializer}, tags=["admin"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(UserSerializer(selectors.user_get(pk=pk)).data)

    @extend_schema(
        operation_id="admin_users_delete", responses={200: MessageSerializer}, tags=["admin"]
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.user_delete_by_admin(actor=request.user, user=selectors.user_get(pk=pk))
        return Response({"message": "User deleted successfully"})


class AdminUserRoleView(_AdminView):
    """PUT /admin/users/{id}/role: change a role (never one's own)."""

    @extend_schema(
        operation_id="admin_users_role",
        request=RoleInputSerializer,
        responses={200: UserSerializer},
        tags=["admin"],
    )
    def put(self, request: Request, pk: int) -> Response:
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_role_set(
            actor=request.user, user=selectors.user_get(pk=pk), role=data.validated_data["role"]
        )
        return Response(UserSerializer(user).data)


class AdminUserToggleActiveView(_AdminView):
    """PUT /admin/users/{id}/toggle-active: flip active status (never one's own)."""

    @extend_schema(
        operation_id="admin_users_toggle_active",
        request=None,
        responses={200: UserSerializer},
        tags=["admin"],
    )
    def put(self, request: Request, pk: int) -> Response:
        user = services.user_active_toggle(actor=request.user, user=selectors.user_get(pk=pk))
        return Response(UserSerializer(user).data)


class AdminStatsView(_AdminView):
    """GET /admin/stats: users by status and role, predictions and profiles."""

    @extend_schema(
        operation_id="admin_stats", responses={200: SystemStatsSerializer}, tags=["admin"]
    )
    def get(self, request: Request) -> Response:
        return Response(SystemStatsSerializer(selectors.system_stats()).data)


@csrf_exempt  # answers 404 to every method; there is nothing to forge
def admin_users_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """/admin/users/<anything else>: the JSON API's 404 (Django admin would redirect)."""
    return not_found(request, Http404())


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
