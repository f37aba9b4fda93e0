"""The authorization code flow with PKCE end to end, through the Django test client: log in,
consent, code, token, API call, refresh (rotated), revoke, and the revoked token refused."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import AccessToken, RefreshToken

from tests.accounts.oauth_support import (
    READ_SCOPES,
    REDIRECT_URI,
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
from tests.factories import DEFAULT_PASSWORD, AnalystFactory, UserFactory
from tests.reports.conftest import published_run_make

API_ENDPOINT = "/auth/me"  # needs the `account` scope
SEGMENTS_ENDPOINT = "/api/segments/clv"  # document 003's example call; needs `segments:read`


@pytest.mark.django_db
def test_authorization_code_flow_with_pkce_works_end_to_end(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        published_run_make(owner=AnalystFactory())
    app, _ = register_app()
    user = UserFactory()
    browser = Client()
    verifier, challenge = pkce_pair()
    params = authorize_params(app, challenge=challenge)

    # Not logged in: the authorization endpoint sends the browser to the log-in page and back.
    login_page = browser.get(reverse("oauth2_provider:authorize"), params, follow=True)
    assert login_page.redirect_chain[-1][0].startswith(settings.LOGIN_URL)
    next_url = login_page.context["next"]
    consent_page = browser.post(
        login_page.redirect_chain[-1][0],
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": next_url},
        follow=True,
    )
    assert consent_page.status_code == 200
    html = consent_page.content.decode()
    assert "Partner CRM" in html
    assert "Read segment reports and the published segmentation" in html  # scopes in words

    form = consent_page.context["form"]
    data = {field.name: field.value() or "" for field in form if field.is_hidden}
    back = browser.post(reverse("oauth2_provider:authorize"), {**data, "allow": "Authorize"})
    assert back.status_code == 302
    query = redirect_query(back)
    assert query["state"] == "opaque-state-42"  # returned untouched
    assert query["iss"]  # RFC 9207 issuer identifier

    app_client = Client()  # the third-party app's server
    tokens = exchange_code(app_client, app, query["code"], verifier).json()
    assert tokens["token_type"] == "Bearer"
    assert set(tokens["scope"].split()) == set(READ_SCOPES.split())
    assert tokens["expires_in"] == settings.OAUTH_ACCESS_TOKEN_LIFETIME_S

    me = app_client.get(API_ENDPOINT, **bearer(tokens["access_token"]))
    assert me.status_code == 200, me.content
    assert user.username in me.content.decode()
    segments = app_client.get(SEGMENTS_ENDPOINT, **bearer(tokens["access_token"]))
    assert segments.status_code == 200, segments.content
    assert segments.json()["data"]["segmentation_type"] == "clv"

    refreshed = token_request(
        app_client,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
        },
    ).json()
    assert refreshed["refresh_token"] != tokens["refresh_token"]  # rotated
    assert app_client.get(API_ENDPOINT, **bearer(tokens["access_token"])).status_code == 401
    assert app_client.get(API_ENDPOINT, **bearer(refreshed["access_token"])).status_code == 200

    revoked = app_client.post(
        reverse("oauth2_provider:revoke-token"),
        {"token": refreshed["access_token"], "client_id": app.client_id},
    )
    assert revoked.status_code == 200
    refused = app_client.get(API_ENDPOINT, **bearer(refreshed["access_token"]))
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    # Revoking the access token also ended its refresh token.
    again = token_request(
        app_client,
        {
            "grant_type": "refresh_token",
            "refresh_token": refreshed["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.django_db
def test_tokens_are_stored_only_as_checksums():
    tokens = obtain_tokens(UserFactory())
    assert not AccessToken.objects.filter(token=tokens["access_token"]).exists()
    assert not RefreshToken.objects.filter(token=tokens["refresh_token"]).exists()
    assert AccessToken.objects.get().token == ""


@pytest.mark.django_db
def test_refresh_token_replayed_after_rotation_revokes_the_family():
    app, _ = register_app()
    tokens = obtain_tokens(UserFactory(), app)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": app.client_id,
    }
    rotated = token_request(Client(), data).json()
    replay = token_request(Client(), data)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The replay ended the new pair too (RFC 9700 4.14.2).
    assert Client().get(API_ENDPOINT, **bearer(rotated["access_token"])).status_code == 401


@pytest.mark.django_db
def test_consent_denied_returns_access_denied_with_state():
    app, _ = register_app()
    _, challenge = pkce_pair()
    response = consent(logged_in_client(UserFactory()), app, challenge=challenge, allow=False)
    query = redirect_query(response)
    assert query["error"] == "access_denied"
    assert query["state"] == "opaque-state-42"
    assert "code" not in query
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_confidential_client_may_skip_pkce_and_authenticates_with_its_secret():
    app, secret = register_app(client_type="confidential")
    browser = logged_in_client(UserFactory())
    code = redirect_query(consent(browser, app, challenge=None))["code"]
    wrong = exchange_code(Client(), app, code, None, client_secret="not-the-secret")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    code = redirect_query(consent(browser, app, challenge=None))["code"]
    right = exchange_code(Client(), app, code, None, client_secret=secret)
    assert right.status_code == 200, right.content


@pytest.mark.django_db
def test_public_client_without_pkce_is_refused():
    app, _ = register_app()
    browser = logged_in_client(UserFactory())
    response = browser.get(
        reverse("oauth2_provider:authorize"), authorize_params(app, challenge=None)
    )
    query = redirect_query(response)
    assert query["error"] == "invalid_request"
    assert "code_challenge" in query["error_description"].lower().replace(" ", "_")


@pytest.mark.django_db
def test_plain_pkce_method_is_refused():
    app, _ = register_app()
    browser = logged_in_client(UserFactory())
    verifier = "x" * 43
    response = consent(
        browser, app, challenge=None, code_challenge=verifier, code_challenge_method="plain"
    )
    assert redirect_query(response)["error"] == "invalid_request"
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_client_credentials_token_acts_for_the_application_owner():
    owner = UserFactory(role="analyst")
    app, secret = register_app(
        owner=owner,
        client_type="confidential",
        redirect_uris=[],
        grant_type="client-credentials",
    )
    response = token_request(
        Client(),
        {"grant_type": "client_credentials", "scope": "account"},
        basic=(app.client_id, secret),
    )
    assert response.status_code == 200, response.content
    assert "refresh_token" not in response.json()
    me = Client().get(API_ENDPOINT, **bearer(response.json()["access_token"]))
    assert me.status_code == 200
    assert owner.username in me.content.decode()


@pytest.mark.django_db
def test_client_credentials_of_deactivated_owner_are_refused():
    owner = UserFactory(role="analyst")
    app, secret = register_app(
        owner=owner, client_type="confidential", redirect_uris=[], grant_type="client-credentials"
    )
    owner.is_active = False
    owner.save()
    response = token_request(
        Client(), {"grant_type": "client_credentials"}, basic=(app.client_id, secret)
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "unauthorized_client"


@pytest.mark.django_db
def test_introspection_answers_a_client_only_about_its_own_tokens():
    owner = UserFactory(role="analyst")
    app, _ = register_app(owner=owner)
    tokens = obtain_tokens(UserFactory(), app)
    own_rs, own_secret = register_app(owner=owner, client_type="confidential")
    introspect = reverse("oauth2_provider:introspect")
    other = Client().post(
        introspect, {"token": tokens["access_token"]}, **_basic(own_rs.client_id, own_secret)
    )
    assert other.status_code == 200
    assert other.json() == {"active": False}
    anonymous = Client().post(introspect, {"token": tokens["access_token"]})
    assert anonymous.status_code in (401, 403)


@pytest.mark.django_db
def test_introspection_reports_own_token_active_with_scope():
    app, secret = register_app(client_type="confidential")
    user = UserFactory()
    code = redirect_query(consent(logged_in_client(user), app, challenge=None))["code"]
    tokens = exchange_code(Client(), app, code, None, client_secret=secret).json()
    answer = (
        Client()
        .post(
            reverse("oauth2_provider:introspect"),
            {"token": tokens["access_token"]},
            **_basic(app.client_id, secret),
        )
        .json()
    )
    assert answer["active"] is True
    assert answer["username"] == user.username
    assert set(answer["scope"].split()) == set(READ_SCOPES.split())


@pytest.mark.django_db
def test_server_metadata_lists_the_endpoints():
    response = Client().get("/oauth/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert urlsplit(body["authorization_endpoint"]).path == "/oauth/authorize/"
    assert urlsplit(body["token_endpoint"]).path == "/oauth/token/"
    assert REDIRECT_URI not in str(body)


def _basic(client_id: str, secret: str) -> dict:
    import base64

    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {pair}"}
