"""Serializers of the accounts API: input shapes are checked here, rules live in services."""

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from accounts.models import ApiKey, User
from accounts.scopes import ALL_SCOPES

USERNAME_FIELD_KWARGS = {
    "max_length": 150,
    "validators": [UnicodeUsernameValidator()],
    "help_text": "150 characters or fewer: letters, digits and @/./+/-/_ only.",
}


# --- Output -------------------------------------------------------------------------------------
class UserSerializer(serializers.ModelSerializer):
    """Document 004's user: the answer of /auth/register and the admin user API."""

    class Meta:
        model = User
        fields = ["id", "email", "username", "full_name", "role", "is_active", "created_at"]
        read_only_fields = fields


class UserSummarySerializer(serializers.ModelSerializer):
    """The `user` of document 004's login answer."""

    class Meta:
        model = User
        fields = ["id", "username", "email", "role"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    """Document 004's /auth/me."""

    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "role", "is_active"]
        read_only_fields = fields


class UserProfileSerializer(serializers.Serializer):
    """Document 004's /users/me/profile: the account with its activity counts."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    full_name = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(choices=User.Role.choices)
    total_predictions = serializers.IntegerField(min_value=0)
    total_saved_profiles = serializers.IntegerField(min_value=0)


class LoginSerializer(serializers.Serializer):
    """Document 004's login answer."""

    access_token = serializers.CharField()
    token_type = serializers.CharField(help_text='Always "bearer".')
    user = UserSummarySerializer()


class TokenPairSerializer(serializers.Serializer):
    """Document 003's login answer."""

    access_token = serializers.CharField()
    token_type = serializers.CharField(help_text='Always "Bearer".')
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    refresh_token = serializers.CharField()


class TokenRefreshSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The new refresh token; the one sent is revoked.")


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class AdminUserListSerializer(serializers.Serializer):
    """Document 004's /admin/users: one page of users with system totals."""

    users = UserSerializer(many=True)
    total = serializers.IntegerField(help_text="Users in total (all pages).")
    total_predictions = serializers.IntegerField()
    total_profiles = serializers.IntegerField()
    skip = serializers.IntegerField()
    limit = serializers.IntegerField()


class UsersByRoleSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    analyst = serializers.IntegerField()
    admin = serializers.IntegerField()


class SystemStatsSerializer(serializers.Serializer):
    """Document 004's /admin/stats."""

    total_users = serializers.IntegerField()
    active_users = serializers.IntegerField()
    inactive_users = serializers.IntegerField()
    total_predictions = serializers.IntegerField()
    total_profiles = serializers.IntegerField()
    users_by_role = UsersByRoleSerializer()


class ApiKeySerializer(serializers.ModelSerializer):
    """An API key as listed: never the key itself, only its first characters."""

    last_used = serializers.DateTimeField(source="last_used_at", read_only=True, allow_null=True)
    created = serializers.DateTimeField(source="created_at", read_only=True)
    is_active = serializers.BooleanField(source="is_usable", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "created",
            "last_used",
            "expires_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """A new key, with the raw key: it is shown this once and never again."""

    key = serializers.CharField(read_only=True, help_text="Send it as X-API-Key. Shown once.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class HealthComponentsSerializer(serializers.Serializer):
    database = serializers.ChoiceField(choices=["connected", "unreachable"])
    cache = serializers.ChoiceField(choices=["operational", "unavailable"])
    api_version = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    """Document 003's /api/health."""

    # A plain string (not an enum) so its name never collides with the runs' and exports'
    # `status` enums in the schema.
    status = serializers.CharField(help_text='"healthy", or "unhealthy" (with a 503).')
    timestamp = serializers.DateTimeField()
    components = HealthComponentsSerializer()


class ApiRootSerializer(serializers.Serializer):
    """Document 002's root: the service answers and says where to go next."""

    message = serializers.CharField()
    status = serializers.CharField()
    version = serializers.CharField()
    docs = serializers.CharField()
    schema = serializers.CharField()


# --- Input --------------------------------------------------------------------------------------
class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    username = serializers.CharField(**USERNAME_FIELD_KWARGS)
    full_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Your username or your email.")
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class UserUpdateInputSerializer(serializers.Serializer):
    """Every field is optional: only those sent change."""

    username = serializers.CharField(required=False, **USERNAME_FIELD_KWARGS)
    email = serializers.EmailField(required=False, max_length=254)
    full_name = serializers.CharField(required=False, max_length=150, allow_blank=True)
    password = serializers.CharField(
        required=False, write_only=True, max_length=128, trim_whitespace=False
    )


class RoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=User.Role.choices)


class ApiKeyCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(ALL_SCOPES)),
        required=False,
        allow_empty=False,
        max_length=len(ALL_SCOPES),
        help_text="Default: the read-only scopes.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
