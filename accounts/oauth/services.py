"""Writes for OAuth applications and the authorizations users gave them. Every change is audited
(`accounts.audit`); client secrets are returned once and stored only hashed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
    revoke_access_token,
)

from accounts.models import User

from .audit import audit_event

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

REGISTRABLE_GRANT_TYPES = (
    Application.GRANT_AUTHORIZATION_CODE,  # third-party apps acting for the users who consent
    Application.GRANT_CLIENT_CREDENTIALS,  # server-to-server apps acting for their owner
)


@transaction.atomic
def application_create(
    *,
    owner: User,
    name: str,
    redirect_uris: list[str],
    client_type: str,
    grant_type: str = Application.GRANT_AUTHORIZATION_CODE,
) -> tuple[Application, str | None]:
    """Register a client for an analyst or admin. Returns the application and, for confidential
    clients, the secret in clear: it is stored hashed and cannot be shown again."""
    if not owner.is_analyst:
        raise PermissionDenied("Registering applications needs the analyst or admin role.")
    if grant_type not in REGISTRABLE_GRANT_TYPES:
        raise ValidationError(
            {"authorization_grant_type": "Choose the authorization code or client credentials."}
        )
    if grant_type == Application.GRANT_CLIENT_CREDENTIALS:
        if client_type != Application.CLIENT_CONFIDENTIAL:
            raise ValidationError(
                {"client_type": "A server-to-server app must be confidential: it needs a secret."}
            )
        if redirect_uris:
            raise ValidationError(
                {"redirect_uris": "A server-to-server app has no redirect URIs; leave them empty."}
            )
    elif not redirect_uris:
        raise ValidationError({"redirect_uris": "Give at least one redirect URI."})
    secret = generate_client_secret()
    application = Application(
        user=owner,
        name=name.strip(),
        redirect_uris=" ".join(redirect_uris),
        client_type=client_type,
        authorization_grant_type=grant_type,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=False,
    )
    application.full_clean()
    application.save()
    audit_event(
        "oauth.application_registered",
        client_id=application.client_id,
        owner_id=owner.pk,
        client_type=client_type,
        grant_type=grant_type,
    )
    return application, secret if client_type == Application.CLIENT_CONFIDENTIAL else None


@transaction.atomic
def application_secret_rotate(*, application: Application) -> str:
    """Give a confidential client a new secret (returned once); the old one stops at once.
    Tokens already issued keep working until they expire or are revoked."""
    if application.client_type != Application.CLIENT_CONFIDENTIAL:
        raise ValidationError("A public client has no secret to rotate.")
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    audit_event(
        "oauth.secret_rotated", client_id=application.client_id, owner_id=application.user_id
    )
    return secret


@transaction.atomic
def application_delete(*, application: Application) -> None:
    """Delete a client with every code and token it holds."""
    audit_event(
        "oauth.application_deleted", client_id=application.client_id, owner_id=application.user_id
    )
    application.delete()


def _user_tokens_end(*, user: User, **scope: object) -> int:
    """End `user`'s access and refresh tokens and drop their pending codes, narrowed by `scope`
    (e.g. `application=...`). Returns how many access tokens were ended."""
    access_tokens = list(AccessToken.objects.filter(user=user, **scope))
    for access_token in access_tokens:
        revoke_access_token(access_token)  # also revokes the bound refresh token
    RefreshToken.objects.filter(user=user, revoked__isnull=True, **scope).update(
        revoked=timezone.now()
    )
    Grant.objects.filter(user=user, **scope).delete()
    return len(access_tokens)


@transaction.atomic
def authorization_revoke(*, user: User, application: Application) -> int:
    """End everything `user` granted `application`: its access and refresh tokens and pending
    codes stop at once. Returns how many access tokens were ended."""
    ended = _user_tokens_end(user=user, application=application)
    audit_event(
        "oauth.authorization_revoked",
        client_id=application.client_id,
        user_id=user.pk,
        access_tokens=ended,
    )
    return ended


@transaction.atomic
def oauth_tokens_revoke_all(*, user: User) -> int:
    """End every OAuth access and refresh token of `user` and drop their pending codes, for all
    applications (a password change, or an admin's deactivation). Returns the access tokens
    ended."""
    ended = _user_tokens_end(user=user)
    audit_event("oauth.user_tokens_revoked", user_id=user.pk, access_tokens=ended)
    return ended
