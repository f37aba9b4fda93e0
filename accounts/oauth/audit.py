"""The audit log (logger `accounts.audit`): one line per credential event, with the request id.

Never pass a secret here: tokens, keys and client secrets are identified by their owner, their
application's client id or their key prefix only."""

import logging

from django.db.models.signals import post_save
from oauth2_provider.signals import app_authorized

from config.api.request_id import current_request_id

audit_logger = logging.getLogger("accounts.audit")


def audit_event(event: str, **fields: object) -> None:
    """Log `event` with `fields` and the current request id, as `key=value` pairs."""
    details = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    request_id = current_request_id()
    audit_logger.info(
        "%s request_id=%s %s", event, request_id, details, extra={"audit_event": event}
    )


def _token_issued(sender, request, token, **kwargs) -> None:
    """DOT sends `app_authorized` for every access token its token endpoint issues."""
    audit_event(
        "oauth.token_issued",
        client_id=token.application.client_id if token.application else None,
        user_id=token.user_id,
        grant_type=request.POST.get("grant_type", ""),
        scope=token.scope.replace(" ", ","),
        expires=token.expires.isoformat(),
    )


app_authorized.connect(_token_issued, dispatch_uid="accounts.oauth.audit.token_issued")


def _api_key_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """API keys are audited on save, so the API, the pages and the admin are all covered."""
    if created:
        audit_event(
            "api_key.created",
            key_id=instance.pk,
            prefix=instance.prefix,
            owner_id=instance.owner_id,
            scopes=",".join(instance.scopes) or "role-default",
            expires=instance.expires_at.isoformat() if instance.expires_at else "never",
        )
    elif instance.revoked_at is not None and "revoked_at" in (update_fields or ["revoked_at"]):
        audit_event(
            "api_key.revoked",
            key_id=instance.pk,
            prefix=instance.prefix,
            owner_id=instance.owner_id,
        )


post_save.connect(_api_key_saved, sender="accounts.ApiKey", dispatch_uid="accounts.oauth.audit.key")
