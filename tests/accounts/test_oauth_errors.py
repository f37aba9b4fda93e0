"""Refusals of the OAuth endpoints, each with the RFC's error: a wrong code_verifier, a reused or
expired code, an unregistered redirect URI, tokens of a deactivated user, unknown tokens."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant

from accounts import services
from tests.accounts.oauth_support import (
    authorize_params,
    bearer,
    consent,
    exchange_code,
    logged_in_client,
    obtain_tokens,
    pkce_pair,
    redirect_query,
    register_app,
    token_request,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _code(app, challenge: str) -> str:
    browser = logged_in_client(UserFactory())
    return redirect_query(consent(browser, app, challenge=challenge))["code"]


def test_token_with_wrong_code_verifier_is_invalid_grant():
    app, _ = register_app()
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    response = exchange_code(Client(), app, _code(app, challenge), other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_token_without_code_verifier_for_public_client_is_refused():
    app, _ = register_app()
    _, challenge = pkce_pair()
    response = exchange_code(Client(), app, _code(app, challenge), None)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_grant")


def test_reused_code_is_invalid_grant():
    app, _ = register_app()
    verifier, challenge = pkce_pair()
    code = _code(app, challenge)
    assert exchange_code(Client(), app, code, verifier).status_code == 200
    again = exchange_code(Client(), app, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 1


def test_expired_code_is_invalid_grant():
    app, _ = register_app()
    verifier, challenge = pkce_pair()
    code = _code(app, challenge)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = exchange_code(Client(), app, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_lifetime_is_minutes(settings):
    app, _ = register_app()
    _, challenge = pkce_pair()
    _code(app, challenge)
    lifetime = Grant.objects.get().expires - timezone.now()
    assert timedelta(seconds=30) < lifetime <= timedelta(minutes=10)


def test_unregistered_redirect_uri_is_never_redirected_to():
    app, _ = register_app()
    _, challenge = pkce_pair()
    browser = logged_in_client(UserFactory())
    params = authorize_params(
        app, challenge=challenge, redirect_uri="https://attacker.example/callback"
    )
    response = browser.get(reverse("oauth2_provider:authorize"), params)
    assert response.status_code == 400
    assert "Location" not in response
    html = response.content.decode()
    assert "invalid_request" in html
    assert "redirect" in html.lower()


def test_redirect_uri_matching_is_exact():
    app, _ = register_app()
    _, challenge = pkce_pair()
    browser = logged_in_client(UserFactory())
    for near_miss in (
        "https://client.example/callback/",
        "https://client.example/callback?x=1",
        "https://client.example/call",
    ):
        params = authorize_params(app, challenge=challenge, redirect_uri=near_miss)
        response = browser.get(reverse("oauth2_provider:authorize"), params)
        assert response.status_code == 400, near_miss


def test_unknown_client_id_is_an_error_page_not_a_redirect():
    app, _ = register_app()
    browser = logged_in_client(UserFactory())
    params = authorize_params(app, challenge=pkce_pair()[1], client_id="no-such-client")
    response = browser.get(reverse("oauth2_provider:authorize"), params)
    assert response.status_code in (400, 401)
    assert "Location" not in response


def test_deactivated_users_token_is_refused_with_invalid_token():
    user = UserFactory()
    app, _ = register_app()
    tokens = obtain_tokens(user, app)
    assert Client().get("/auth/me", **bearer(tokens["access_token"])).status_code == 200
    services.user_active_set(actor=UserFactory(role="admin"), user=user, active=False)

    response = Client().get("/auth/me", **bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    # Deactivation ends the user's OAuth tokens outright, not only at authentication.
    assert not AccessToken.objects.filter(user=user).exists()
    refresh = token_request(
        Client(),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"


def test_deactivated_users_code_cannot_be_exchanged():
    app, _ = register_app()
    user = UserFactory()
    verifier, challenge = pkce_pair()
    code = redirect_query(consent(logged_in_client(user), app, challenge=challenge))["code"]
    user.is_active = False
    user.save()
    response = exchange_code(Client(), app, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_expired_access_token_is_refused():
    tokens = obtain_tokens(UserFactory())
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = Client().get("/auth/me", **bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_unknown_opaque_bearer_token_is_401_invalid_token():
    response = Client().get("/auth/me", **bearer("not-a-token-we-issued"))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_jwt_bearer_tokens_still_authenticate_beside_oauth():
    user = UserFactory()
    jwt = services.tokens_issue(user=user).access
    response = Client().get("/auth/me", **bearer(jwt))
    assert response.status_code == 200
    assert user.username in response.content.decode()


def test_access_token_in_the_query_string_is_not_accepted():
    tokens = obtain_tokens(UserFactory())
    response = Client().get("/auth/me", {"access_token": tokens["access_token"]})
    assert response.status_code == 401
