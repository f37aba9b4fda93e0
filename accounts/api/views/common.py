"""Bases shared by the accounts views of several contracts: open views (no credential read),
the log-in both documents 004 and 003 offer, and admin-only views."""

from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import LoginInputSerializer
from accounts.models import User
from accounts.permissions import IsAdminRole
from accounts.scopes import HasRequiredScope
from accounts.throttles import AnonRateThrottle, LoginThrottle


class PublicAPIView(APIView):
    """Open to anyone: no credential is read (a stale token must not block logging in again),
    so no scope applies either."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    required_scope = None

    def get_authenticate_header(self, request: Request) -> str:
        # A wrong password is a 401 (with its challenge), not the 403 DRF falls back to when a
        # view reads no credential.
        return 'Bearer realm="api"'


class LoginAPIView(PublicAPIView):
    """Both log-in paths: the same input, the same checks, one throttle bucket."""

    throttle_classes = [LoginThrottle, AnonRateThrottle]

    def authenticated_user(self, request: Request) -> User:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return services.user_authenticate(request=request, **data.validated_data)


ADMIN_PERMISSIONS = [IsAuthenticated, HasRequiredScope, IsAdminRole]


class AdminAPIView(APIView):
    permission_classes = ADMIN_PERMISSIONS
    required_scope = None  # no scope grants user administration
