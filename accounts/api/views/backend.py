"""Document 004 (backend): `/auth/register`, `/auth/login`, `/auth/me`, `/users/me/profile`,
`/users/me` and the admin's `/admin/users...` and `/admin/stats`.

User administration is for admins only, and never on themselves (the services refuse it); it
is not open to API keys or OAuth tokens: managing users needs the admin's own login."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    AdminUserListSerializer,
    LoginInputSerializer,
    LoginSerializer,
    MeSerializer,
    MessageSerializer,
    RegisterInputSerializer,
    RoleInputSerializer,
    SystemStatsSerializer,
    UserProfileSerializer,
    UserSerializer,
    UserUpdateInputSerializer,
)
from accounts.scopes import HasRequiredScope
from accounts.throttles import AnonRateThrottle, RegisterThrottle
from config.api.errors import not_found
from config.api.pagination import SkipLimitPagination

from .common import AdminAPIView, LoginAPIView, PublicAPIView


class BackendRegisterView(PublicAPIView):
    """POST /auth/register: create an account with the `user` role."""

    throttle_classes = [RegisterThrottle, AnonRateThrottle]

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInputSerializer,
        responses={201: UserSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class BackendLoginView(LoginAPIView):
    """POST /auth/login (document 004): an access token and the user, by username or email."""

    @extend_schema(
        operation_id="auth_login",
        request=LoginInputSerializer,
        responses={200: LoginSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        user = self.authenticated_user(request)
        token = services.access_token_issue(user=user)
        return Response(
            LoginSerializer({"access_token": token, "token_type": "bearer", "user": user}).data
        )


class BackendMeView(APIView):
    """GET /auth/me: who the credential belongs to."""

    permission_classes = [IsAuthenticated, HasRequiredScope]
    required_scope = "account"

    @extend_schema(operation_id="auth_me", responses={200: MeSerializer}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class BackendUserProfileView(APIView):
    """GET /users/me/profile: the account with its prediction and saved-profile counts."""

    permission_classes = [IsAuthenticated, HasRequiredScope]
    required_scope = "account"

    @extend_schema(
        operation_id="users_me_profile", responses={200: UserProfileSerializer}, tags=["users"]
    )
    def get(self, request: Request) -> Response:
        user = request.user
        body = {
            **MeSerializer(user).data,
            **selectors.user_activity_counts(user=user),
        }
        return Response(UserProfileSerializer(body).data)


class BackendUserMeView(APIView):
    """PUT /users/me changes the account (a new password revokes every token issued before);
    DELETE /users/me deletes it."""

    permission_classes = [IsAuthenticated, HasRequiredScope]
    required_scope = "account"

    @extend_schema(
        operation_id="users_me_update",
        request=UserUpdateInputSerializer,
        responses={200: MeSerializer},
        tags=["users"],
    )
    def put(self, request: Request) -> Response:
        data = UserUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(MeSerializer(user).data)

    @extend_schema(
        operation_id="users_me_delete", responses={200: MessageSerializer}, tags=["users"]
    )
    def delete(self, request: Request) -> Response:
        services.user_delete(user=request.user)
        return Response({"message": "Account deleted successfully"})


class BackendAdminUserListView(AdminAPIView):
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


class BackendAdminUserDetailView(AdminAPIView):
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


class BackendAdminUserRoleView(AdminAPIView):
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


class BackendAdminUserToggleActiveView(AdminAPIView):
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


class BackendAdminStatsView(AdminAPIView):
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
