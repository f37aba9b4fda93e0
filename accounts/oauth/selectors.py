"""Reads for OAuth applications and authorizations, scoped to the caller: another user's
application or authorization does not exist for them (404)."""

from collections import defaultdict
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
    """The applications `user` authorized that still hold a live token, by name; in a fixed
    number of queries however many applications there are."""
    application_ids = _connected_application_ids(user=user)
    granted: dict[int, set[str]] = defaultdict(set)
    created: dict[int, list[datetime]] = defaultdict(list)
    tokens = AccessToken.objects.filter(user=user, application_id__in=application_ids)
    for application_id, scope, at in tokens.values_list("application_id", "scope", "created"):
        granted[application_id].update(scope.split())
        created[application_id].append(at)
    refresh = RefreshToken.objects.filter(
        user=user, application_id__in=application_ids, revoked__isnull=True
    )
    for application_id, at in refresh.values_list("application_id", "created"):
        created[application_id].append(at)
    applications = Application.objects.filter(pk__in=application_ids).order_by("name", "pk")
    return [
        ConnectedApp(
            application=application,
            scopes=[(s, words) for s, words in ALL_SCOPES.items() if s in granted[application.pk]],
            authorized_at=min(created[application.pk]),
        )
        for application in applications
    ]


def connected_app_get(*, user: User, pk: int) -> Application:
    """An application holding a live token of `user`; 404 otherwise."""
    if pk not in _connected_application_ids(user=user):
        raise Http404("No such connected application.")
    return Application.objects.get(pk=pk)
