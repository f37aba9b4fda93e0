"""Helpers for the OAuth tests: a client app registered through the real service, PKCE pairs, and
the authorization code flow driven through the Django test client (no mocked OAuth)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.oauth.services import application_create
from tests.factories import DEFAULT_PASSWORD, UserFactory

REDIRECT_URI = "https://client.example/callback"
READ_SCOPES = "segments:read account"  # `account` lets the flow call /auth/me


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def register_app(*, owner=None, client_type: str = "public", redirect_uris=None, **kwargs):
    """An application registered by an analyst through the service; returns (app, secret)."""
    owner = owner or UserFactory(role="analyst")
    return application_create(
        owner=owner,
        name=kwargs.pop("name", "Partner CRM"),
        redirect_uris=[REDIRECT_URI] if redirect_uris is None else redirect_uris,
        client_type=client_type,
        **kwargs,
    )


def authorize_params(app, *, challenge: str | None, scope: str = READ_SCOPES, **extra) -> dict:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "opaque-state-42",
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


def logged_in_client(user) -> Client:
    """A browser that logged in through the log-in page."""
    client = Client()
    response = client.post(
        settings.LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, "log-in failed"
    return client


def consent(client: Client, app, *, challenge: str | None, allow: bool = True, **extra):
    """Open the consent page, then allow or deny; returns the redirect to the app."""
    params = authorize_params(app, challenge=challenge, **extra)
    page = client.get(reverse("oauth2_provider:authorize"), params)
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"]
    data = {field.name: field.value() or "" for field in form if field.is_hidden}
    if allow:
        data["allow"] = "Authorize"
    return client.post(reverse("oauth2_provider:authorize"), data)


def redirect_query(response) -> dict[str, str]:
    """The query of a redirect back to the app, one value per key."""
    location = response["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def token_request(client: Client, data: dict, *, basic: tuple[str, str] | None = None):
    """POST to the token endpoint as a form (RFC 6749 4.1.3), optionally with HTTP Basic."""
    headers = {}
    if basic:
        pair = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {pair}"
    return client.post(
        reverse("oauth2_provider:token"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def exchange_code(client: Client, app, code: str, verifier: str | None, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": app.client_id,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    data.update(extra)
    return token_request(client, data)


def obtain_tokens(user, app=None, *, scope: str = READ_SCOPES) -> dict:
    """Log `user` in, consent for `app` with PKCE and exchange the code: the token response."""
    app = app or register_app()[0]
    client = logged_in_client(user)
    verifier, challenge = pkce_pair()
    code = redirect_query(consent(client, app, challenge=challenge, scope=scope))["code"]
    response = exchange_code(Client(), app, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
