"""The "My applications" and "Connected apps" pages: register a client (secret shown once,
stored hashed), rotate the secret, delete; list and revoke authorizations. Another user's
applications and authorizations do not exist for the caller (404)."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oauth2_provider.models import AccessToken, Application, RefreshToken

from tests.accounts.oauth_support import (
    REDIRECT_URI,
    bearer,
    logged_in_client,
    obtain_tokens,
    register_app,
    token_request,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
APPS = "accounts-pages:applications"


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _secret_on(response) -> str:
    return re.search(r'id="secret-value" value="([^"]+)"', response.content.decode()).group(1)


def _register(browser: Client, **data):
    form = {
        "name": "Partner CRM",
        "authorization_grant_type": "authorization-code",
        "client_type": "confidential",
        "redirect_uris": REDIRECT_URI,
        **data,
    }
    return browser.post(reverse(APPS), form)


def test_my_applications_is_for_analysts_and_admins(user, analyst):
    assert _browser(user).get(reverse(APPS)).status_code == 403
    assert _browser(analyst).get(reverse(APPS)).status_code == 200
    assert _register(_browser(user)).status_code == 403
    assert not Application.objects.exists()


def test_registered_confidential_client_secret_is_shown_once_and_hashed(analyst):
    browser = _browser(analyst)
    response = _register(browser)
    assert response.status_code == 200
    secret = _secret_on(response)
    app = Application.objects.get(user=analyst)
    assert app.client_id in response.content.decode()
    assert app.client_secret != secret
    assert check_password(secret, app.client_secret)
    assert secret not in browser.get(reverse(APPS)).content.decode()
    detail = browser.get(reverse("accounts-pages:application-detail", args=[app.pk]))
    assert secret not in detail.content.decode()


def test_public_client_is_registered_without_a_secret(analyst):
    response = _register(_browser(analyst), client_type="public")
    assert response.status_code == 200
    assert 'id="secret-value"' not in response.content.decode()
    assert Application.objects.get().client_type == "public"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"redirect_uris": ""}, "Give at least one redirect URI."),
        ({"redirect_uris": "http://client.example/cb"}, "http"),
        (
            {"authorization_grant_type": "client-credentials", "client_type": "public"},
            "must be confidential",
        ),
        ({"name": ""}, "This field is required."),
    ],
)
def test_registration_refuses_bad_input_with_a_clear_message(analyst, data, message):
    response = _register(_browser(analyst), **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_rotating_the_secret_shows_a_new_one_and_the_old_one_stops(analyst):
    app, old_secret = register_app(
        owner=analyst, client_type="confidential", redirect_uris=[], grant_type="client-credentials"
    )
    browser = _browser(analyst)
    response = browser.post(reverse("accounts-pages:application-rotate-secret", args=[app.pk]))
    assert response.status_code == 200
    new_secret = _secret_on(response)
    assert new_secret != old_secret
    grant = {"grant_type": "client_credentials", "scope": "segments:read"}
    assert token_request(Client(), grant, basic=(app.client_id, old_secret)).status_code == 401
    assert token_request(Client(), grant, basic=(app.client_id, new_secret)).status_code == 200


def test_deleting_an_application_ends_its_tokens(analyst):
    app, _ = register_app(owner=analyst)
    tokens = obtain_tokens(UserFactory(), app)
    response = _browser(analyst).post(reverse("accounts-pages:application-delete", args=[app.pk]))
    assert response.status_code == 302
    assert not Application.objects.exists()
    assert Client().get("/auth/me", **bearer(tokens["access_token"])).status_code == 401


def test_another_analysts_application_does_not_exist_for_me(analyst):
    theirs, _ = register_app(owner=UserFactory(role="analyst"), name="Their app")
    browser = _browser(analyst)
    assert "Their app" not in browser.get(reverse(APPS)).content.decode()
    for name, method in (
        ("accounts-pages:application-detail", "get"),
        ("accounts-pages:application-rotate-secret", "post"),
        ("accounts-pages:application-delete", "post"),
    ):
        response = getattr(browser, method)(reverse(name, args=[theirs.pk]))
        assert response.status_code == 404, name
    assert Application.objects.filter(pk=theirs.pk).exists()


def test_connected_apps_lists_authorized_apps_with_scopes_in_words(user):
    app, _ = register_app(name="Partner CRM")
    obtain_tokens(user, app, scope="segments:read")
    html = _browser(user).get(reverse("accounts-pages:connected-apps")).content.decode()
    assert "Partner CRM" in html
    assert "Read segment reports and the published segmentation" in html
    assert "Look up customers" not in html
    other = _browser(UserFactory()).get(reverse("accounts-pages:connected-apps"))
    assert "Partner CRM" not in other.content.decode()


def test_connected_apps_are_listed_in_a_fixed_number_of_queries(user):
    from accounts.oauth.selectors import connected_app_list

    obtain_tokens(user, register_app(name="A")[0], scope="segments:read")
    with CaptureQueriesContext(connection) as one:
        assert len(connected_app_list(user=user)) == 1
    for name in ("C", "B"):
        obtain_tokens(user, register_app(name=name)[0], scope="account")
    with CaptureQueriesContext(connection) as three:
        listed = connected_app_list(user=user)
    assert [item.application.name for item in listed] == ["A", "B", "C"]
    assert [[scope for scope, _ in item.scopes] for item in listed] == [
        ["segments:read"],
        ["account"],
        ["account"],
    ]
    assert all(item.authorized_at is not None for item in listed)
    assert len(three.captured_queries) == len(one.captured_queries)


def test_revoking_a_connected_app_ends_its_access_and_refresh_tokens(user):
    app, _ = register_app()
    tokens = obtain_tokens(user, app)
    other_tokens = obtain_tokens(UserFactory(), app)
    browser = _browser(user)
    response = browser.post(reverse("accounts-pages:connected-app-revoke", args=[app.pk]))
    assert response.status_code == 302
    assert Client().get("/auth/me", **bearer(tokens["access_token"])).status_code == 401
    refresh = token_request(
        Client(),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    listing = browser.get(reverse("accounts-pages:connected-apps")).content.decode()
    assert reverse("accounts-pages:connected-app-revoke", args=[app.pk]) not in listing
    # Another user's authorization of the same app is untouched.
    assert Client().get("/auth/me", **bearer(other_tokens["access_token"])).status_code == 200
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 0


def test_another_users_authorization_cannot_be_revoked(user):
    app, _ = register_app()
    tokens = obtain_tokens(UserFactory(), app)
    response = _browser(user).post(reverse("accounts-pages:connected-app-revoke", args=[app.pk]))
    assert response.status_code == 404
    assert AccessToken.objects.count() == 1
    assert Client().get("/auth/me", **bearer(tokens["access_token"])).status_code == 200


def test_all_oauth_tokens_of_a_user_can_be_ended_at_once(user):
    from accounts.oauth.services import oauth_tokens_revoke_all

    first, second = register_app(name="A")[0], register_app(name="B")[0]
    tokens = [obtain_tokens(user, first), obtain_tokens(user, second)]
    bystander = obtain_tokens(UserFactory(), first)
    assert oauth_tokens_revoke_all(user=user) == 2
    for pair in tokens:
        assert Client().get("/auth/me", **bearer(pair["access_token"])).status_code == 401
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 0
    assert Client().get("/auth/me", **bearer(bystander["access_token"])).status_code == 200


def test_password_change_ends_the_users_oauth_tokens(user):
    app = register_app(name="A")[0]
    pair = obtain_tokens(user, app)
    assert Client().get("/auth/me", **bearer(pair["access_token"])).status_code == 200

    client = logged_in_client(user)
    response = client.put(
        "/users/me", {"password": "Brand-New-Secret-77"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert Client().get("/auth/me", **bearer(pair["access_token"])).status_code == 401
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 0
