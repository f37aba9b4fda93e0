"""Registration, log-in (documents 004 and 003), token refresh and logout."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    LoginInputSerializer,
    LoginSerializer,
    MessageSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from accounts.models import User
from accounts.throttles import AnonRateThrottle, LoginThrottle, RegisterThrottle


class _PublicView(APIView):
    """Open to anyone: no credential is read (a stale token must not block logging in again),
    so no scope applies either."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    required_scope = None

    def get_authenticate_header(self, request: Request) -> str:
        # A wrong password is a 401 (with its challenge), not the 403 DRF falls back to when a
        # view reads no credential.
        return 'Bearer realm="api"'


class RegisterView(_PublicView):
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


class _LoginView(_PublicView):
    """Both log-in paths: the same input, the same checks, one throttle bucket."""

    throttle_classes = [LoginThrottle, AnonRateThrottle]

    def authenticated_user(self, request: Request) -> User:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return services.user_authenticate(request=request, **data.validated_data)


class LoginView(_LoginView):
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


class ApiLoginView(_LoginView):
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


class TokenRefreshView(_PublicView):
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


class LogoutView(_PublicView):
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
