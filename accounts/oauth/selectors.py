"""Reads for OAuth applications and authorizations, scoped to the caller: another user's
application or authorization does not exist for them (404)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)

from accounts.models import User
from accounts.scopes import ALL_SCOPES

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


@dataclass(frozen=True)
class ConnectedApp:
    """An application the user authorized, with the scopes of its live tokens."""

    application: Application
    scopes: list[tuple[str, str]]  # (scope, plain words), in the order of ALL_SCOPES
    authorized_at: datetime


def application_list(*, user: User) -> QuerySet[Application]:
    """The applications `user` registered, newest first."""
    return Application.objects.filter(user=user).order_by("-created")


def application_get(*, user: User, pk: int) -> Application:
    """One of `user`'s own applications; 404 for anyone else's."""
    application = application_list(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404("No such application.")
    return application


def _connected_application_ids(*, user: User) -> set[int]:
    """Applications holding an unexpired access token or an unrevoked refresh token of `user`."""
    live_access = AccessToken.objects.filter(user=user, expires__gt=timezone.now())
    live_refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    return {
        *live_access.exclude(application=None).values_list("application_id", flat=True),
        *live_refresh.values_list("application_id", flat=True),
    }


def connected_app_list(*, user: User) -> list[ConnectedApp]:
    """The applications `user` authorized that still hold a live token, by name."""
    applications = Application.objects.filter(pk__in=_connected_application_ids(user=user))
    connected = []
    for application in applications.order_by("name", "pk"):
        tokens = AccessToken.objects.filter(user=user, application=application)
        refresh = RefreshToken.objects.filter(
            user=user, application=application, revoked__isnull=True
        )
        granted: set[str] = set()
        for scope in tokens.values_list("scope", flat=True):
            granted.update(scope.split())
        created = [*tokens.values_list("created", flat=True)]
        created += refresh.values_list("created", flat=True)
        connected.append(
            ConnectedApp(
                application=application,
                scopes=[(s, words) for s, words in ALL_SCOPES.items() if s in granted],
                authorized_at=min(created),
            )
        )
    return connected


def connected_app_get(*, user: User, pk: int) -> Application:
    """An application holding a live token of `user`; 404 otherwise."""
    if pk not in _connected_application_ids(user=user):
        raise Http404("No such connected application.")
    return Application.objects.get(pk=pk)
