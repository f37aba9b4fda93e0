"""The caller's own account: /auth/me, /users/me/profile, PUT and DELETE /users/me."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    MeSerializer,
    MessageSerializer,
    UserProfileSerializer,
    UserUpdateInputSerializer,
)
from accounts.scopes import HasRequiredScope


class MeView(APIView):
    """GET /auth/me: who the credential belongs to."""

    permission_classes = [IsAuthenticated, HasRequiredScope]
    required_scope = "account"

    @extend_schema(operation_id="auth_me", responses={200: MeSerializer}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class UserProfileView(APIView):
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


class UserMeView(APIView):
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
