"""Users with a role, and API keys for scripts."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class AccountManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """A superuser is always an admin of the service, also when made by `--noinput`."""
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person using the service. `role` decides what they may do (DESIGN.md, Who may do what)."""

    class Role(models.TextChoices):
        USER = "user", "User"
        ANALYST = "analyst", "Analyst"
        ADMIN = "admin", "Admin"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped when the password changes or an admin deactivates the user: tokens issued before
    # carry an older value and are refused.
    token_version = models.PositiveIntegerField(default=0)

    objects = AccountManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.username

    @property
    def is_analyst(self) -> bool:
        """Analysts and admins may upload, cluster, publish and export."""
        return self.role in (self.Role.ANALYST, self.Role.ADMIN)

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN


API_KEY_PREFIX = "sk_live_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    """A key for scripts (`X-API-Key`). Only its SHA-256 is stored; the key is shown once."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # Empty means "every scope the owner's role allows" (keys made before scopes existed).
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def granted_scopes(self) -> set[str]:
        """The key's scopes, capped by what its owner's role allows today."""
        from .scopes import scopes_for_role

        allowed = scopes_for_role(self.owner.role)
        return set(self.scopes) & allowed if self.scopes else allowed

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class RateCounter(models.Model):
    """One fixed-window throttle counter, used when the shared cache is the database.

    Django's database cache increments by read-then-write, which loses hits when two processes
    count at once; an `UPDATE ... SET count = count + 1` on this row does not. On Redis the
    throttles use the cache's atomic INCR instead and this table stays empty."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
