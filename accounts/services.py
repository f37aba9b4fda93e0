"""Writes of the accounts app: registration, tokens, account changes, administration, API keys.

Every rule lives here once: the API, the Django admin and the pages call these functions. Bad
input raises `ValidationError` in words a user can act on; a wrong credential raises
`NotAuthenticated`."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from config.errors import BadRequest, NotAuthenticated
from datasets.services import datasets_delete_owned

from .models import ApiKey, User, generate_api_key, hash_api_key
from .scopes import ALL_SCOPES, READ_SCOPES, scopes_for_role
from .tokens import TOKEN_VERSION_CLAIM, ServiceAccessToken, ServiceRefreshToken

API_KEY_PREFIX_CHARS = 12  # "sk_live_" + 4 characters: enough to tell keys apart in a list


@dataclass(frozen=True)
class IssuedTokens:
    access: str
    refresh: str
    expires_in: int  # seconds until the access token expires


def _unique_identity_check(*, username: str | None, email: str | None, exclude_pk=None) -> None:
    """Usernames and emails are unique regardless of case; say which one is taken."""
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    errors: dict[str, list[str]] = {}
    if username is not None and others.filter(username__iexact=username).exists():
        errors["username"] = [f"The username '{username}' is already taken; choose another."]
    if email is not None and others.filter(email__iexact=email).exists():
        errors["email"] = [
            f"An account with the email '{email}' already exists; log in or use another email."
        ]
    if errors:
        raise ValidationError(errors)


def _password_check(*, password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc


@transaction.atomic
def user_register(*, username: str, email: str, password: str, full_name: str = "") -> User:
    """Create an active user with the `user` role; a taken username or email, or a password the
    validators refuse, is a ValidationError naming the field."""
    _unique_identity_check(username=username, email=email)
    user = User(username=username, email=email.strip(), full_name=full_name, role=User.Role.USER)
    _password_check(password=password, user=user)
    user.set_password(password)
    _save_identity(user)
    return user


def _save_identity(user: User) -> None:
    """Save, turning a lost race for a username or email (checked above, then taken by a
    concurrent request) into the same 400 instead of a crash."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise BadRequest("This username or email was just taken; choose another.") from exc


def user_authenticate(*, request, username: str, password: str) -> User:
    """The active user with this username (or email) and password, else NotAuthenticated."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise NotAuthenticated("Incorrect username/email or password.")
    return user


def tokens_issue(*, user: User) -> IssuedTokens:
    """A fresh access + refresh pair; the refresh token is recorded so it can be revoked."""
    refresh = ServiceRefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return IssuedTokens(
        access=str(refresh.access_token),
        refresh=str(refresh),
        expires_in=int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    )


def access_token_issue(*, user: User) -> str:
    """An access token alone (document 004's login)."""
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return str(ServiceAccessToken.for_user(user))


def _refresh_token_load(raw: str) -> ServiceRefreshToken:
    try:
        return ServiceRefreshToken(raw)  # checks signature, expiry and the blacklist
    except TokenError as exc:
        raise NotAuthenticated(f"Refresh token refused: {exc}; log in again.") from exc


@transaction.atomic
def tokens_refresh(*, raw_refresh: str) -> IssuedTokens:
    """Rotate: blacklist the presented refresh token and issue a new pair with the user's
    current claims. Refused for deleted or deactivated users and revoked token versions."""
    refresh = _refresh_token_load(raw_refresh)
    user = User.objects.filter(pk=refresh.get("user_id")).first()
    if user is None or not user.is_active:
        raise NotAuthenticated("This account no longer exists or is deactivated.")
    if refresh.get(TOKEN_VERSION_CLAIM) != user.token_version:
        raise NotAuthenticated("This refresh token was revoked; log in again.")
    refresh.blacklist()
    return tokens_issue(user=user)


def tokens_revoke(*, raw_refresh: str) -> None:
    """Blacklist one refresh token (logout). Idempotent: a genuine token already blacklisted
    is accepted again; a forged or expired one is refused."""
    try:
        refresh = ServiceRefreshToken(raw_refresh)
    except TokenError as exc:
        try:
            payload = token_backend.decode(raw_refresh, verify=True)  # signature and expiry
        except TokenBackendError:
            payload = {}
        if BlacklistedToken.objects.filter(token__jti=payload.get("jti", "")).exists():
            return
        raise NotAuthenticated(f"Refresh token refused: {exc}; log in again.") from exc
    refresh.blacklist()


@transaction.atomic
def tokens_revoke_all(*, user: User) -> None:
    """Refuse every token issued so far: blacklist all outstanding refresh tokens, bump
    `token_version` (which access tokens carry) and end the user's OAuth tokens."""
    from .oauth.services import oauth_tokens_revoke_all  # the OAuth package imports this module

    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    oauth_tokens_revoke_all(user=user)


@transaction.atomic
def user_update(
    *,
    user: User,
    username: str | None = None,
    email: str | None = None,
    full_name: str | None = None,
    password: str | None = None,
) -> User:
    """Change the caller's own account. A new password is validated, and revokes every token
    issued before it."""
    _unique_identity_check(username=username, email=email, exclude_pk=user.pk)
    if username is not None:
        user.username = username
    if email is not None:
        user.email = email.strip()
    if full_name is not None:
        user.full_name = full_name
    if password is not None:
        _password_check(password=password, user=user)
        user.set_password(password)
    _save_identity(user)
    if password is not None:
        tokens_revoke_all(user=user)
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account with everything it owns (profiles, history, datasets, keys). The last
    active admin cannot delete themselves: the service would have nobody to run it."""
    other_admins = User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(pk=user.pk)
    if user.is_admin_role and not other_admins.exists():
        raise BadRequest("You are the only active admin; make someone else admin first.")
    datasets_delete_owned(owner=user)  # their tables and files, in bulk (not the ORM cascade)
    user.delete()


def _not_on_self(*, actor: User, user: User, action: str) -> None:
    if actor.pk == user.pk:
        raise BadRequest(f"Admins cannot {action} themselves; ask another admin to do it.")


@transaction.atomic
def user_role_set(*, actor: User, user: User, role: str) -> User:
    """Give `user` a role. An admin never changes their own role (no demoting oneself)."""
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(User.Role.values)}."]})
    if user.role == role:
        return user
    _not_on_self(actor=actor, user=user, action="change the role of")
    user.role = role
    user.save(update_fields=["role", "updated_at"])
    return user


@transaction.atomic
def user_active_set(*, actor: User, user: User, active: bool) -> User:
    """Activate or deactivate `user`. Deactivation revokes every token at once; API keys stop
    because their owner is inactive. An admin never deactivates themselves."""
    if user.is_active == active:
        return user
    if not active:
        _not_on_self(actor=actor, user=user, action="deactivate")
    user.is_active = active
    user.save(update_fields=["is_active", "updated_at"])
    if not active:
        tokens_revoke_all(user=user)
    return user


def user_active_toggle(*, actor: User, user: User) -> User:
    """Flip `user`'s active status (document 004's toggle-active)."""
    return user_active_set(actor=actor, user=user, active=not user.is_active)


@transaction.atomic
def user_delete_by_admin(*, actor: User, user: User) -> None:
    """An admin deletes someone else's account; never their own through this path."""
    _not_on_self(actor=actor, user=user, action="delete")
    datasets_delete_owned(owner=user)
    user.delete()


def api_key_scopes_check(*, owner: User, scopes: list[str] | None) -> list[str]:
    """The scopes a new key gets: the read-only ones by default; each must exist and be one the
    owner's role may use."""
    if scopes is None:
        return sorted(READ_SCOPES)
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationError({"scopes": [f"Unknown scope(s): {', '.join(unknown)}."]})
    beyond_role = sorted(set(scopes) - scopes_for_role(owner.role))
    if beyond_role:
        raise ValidationError(
            {"scopes": [f"Your role ({owner.role}) cannot grant: {', '.join(beyond_role)}."]}
        )
    if not scopes:
        raise ValidationError({"scopes": ["Give the key at least one scope."]})
    return sorted(set(scopes))


@transaction.atomic
def api_key_create(
    *, owner: User, name: str, scopes: list[str] | None = None, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw key, which is never stored and never shown
    again (only its SHA-256 is kept)."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["Choose an expiry date in the future."]})
    raw_key = generate_api_key()
    key = ApiKey.objects.create(
        owner=owner,
        name=name,
        prefix=raw_key[:API_KEY_PREFIX_CHARS],
        key_hash=hash_api_key(raw_key),
        scopes=api_key_scopes_check(owner=owner, scopes=scopes),
        expires_at=expires_at,
    )
    return key, raw_key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke a key from its next request on. Idempotent: the first revocation time is kept."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key
