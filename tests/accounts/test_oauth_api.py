"""OAuth tokens and API keys on the API: one scope check for both (403 naming the missing scope),
scopes never raising a role, the same throttle bucket as JWTs, the OpenAPI security schemes,
the audit log and the Django admin."""

import logging
import re

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from accounts import services
from accounts.oauth.authentication import OAuthTokenCredential
from accounts.scopes import ALL_SCOPES, ANALYST_ONLY_SCOPES
from tests.accounts.oauth_support import (
    bearer,
    consent,
    exchange_code,
    logged_in_client,
    obtain_tokens,
    pkce_pair,
    redirect_query,
    register_app,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _key_client(raw_key: str) -> Client:
    return Client(headers={"X-API-Key": raw_key})


def _run_clusters(client: Client, **headers):
    return client.post(
        "/api/clusters/run", {"algorithm": "kmeans"}, content_type="application/json", **headers
    )


def test_read_only_key_running_clusters_is_403_naming_the_scope():
    analyst = UserFactory(role="analyst")
    _, raw = services.api_key_create(owner=analyst, name="reporting")  # read-only by default
    response = _run_clusters(_key_client(raw))
    assert response.status_code == 403
    assert "clusters:run" in response.content.decode()


def test_oauth_token_without_the_scope_is_403_naming_it():
    tokens = obtain_tokens(UserFactory(role="analyst"), scope="segments:read")
    response = _run_clusters(Client(), **bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert "clusters:run" in response.content.decode()


def test_oauth_scope_never_raises_a_role():
    """A plain user may consent to `clusters:run`, but the token still cannot run clustering."""
    user = UserFactory(role="user")
    tokens = obtain_tokens(user, scope="clusters:run clusters:read")
    credential = OAuthTokenCredential(access_token=AccessToken.objects.get(user=user))
    assert credential.granted_scopes() == {"clusters:read"}
    response = _run_clusters(Client(), **bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert "clusters:run" in response.content.decode()


def test_analyst_token_scopes_follow_a_later_demotion():
    analyst = UserFactory(role="analyst")
    obtain_tokens(analyst, scope=" ".join(sorted(ALL_SCOPES)))
    credential = OAuthTokenCredential(access_token=AccessToken.objects.get(user=analyst))
    assert credential.granted_scopes() == set(ALL_SCOPES)
    analyst.role = "user"
    analyst.save()
    credential = OAuthTokenCredential(access_token=AccessToken.objects.get(user=analyst))
    assert not credential.granted_scopes() & ANALYST_ONLY_SCOPES


def test_endpoints_without_a_scope_refuse_oauth_tokens():
    tokens = obtain_tokens(UserFactory(), scope=" ".join(sorted(ALL_SCOPES)))
    response = Client().get("/api/v1/auth/api-keys/", **bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert "not available to API keys or OAuth tokens" in response.content.decode()


def test_oauth_tokens_and_api_keys_share_the_users_throttle_bucket(settings):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "user": "3/day"}
    settings.REST_FRAMEWORK = rest
    user = UserFactory()
    jwt = services.tokens_issue(user=user).access
    _, raw_key = services.api_key_create(owner=user, name="script", scopes=["account"])
    oauth = obtain_tokens(user)["access_token"]

    remaining = [
        Client().get("/auth/me", **bearer(jwt))["X-RateLimit-Remaining"],
        _key_client(raw_key).get("/auth/me")["X-RateLimit-Remaining"],
        Client().get("/auth/me", **bearer(oauth))["X-RateLimit-Remaining"],
    ]
    assert remaining == ["2", "1", "0"]
    assert Client().get("/auth/me", **bearer(oauth)).status_code == 429
    assert _key_client(raw_key).get("/auth/me").status_code == 429


def test_schema_declares_three_security_schemes_and_each_operations_scope():
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    flows = schemes["OAuth2"]["flows"]
    assert flows["authorizationCode"]["authorizationUrl"] == "/oauth/authorize/"
    assert flows["authorizationCode"]["tokenUrl"] == "/oauth/token/"
    assert flows["authorizationCode"]["scopes"] == ALL_SCOPES
    assert flows["clientCredentials"]["tokenUrl"] == "/oauth/token/"

    run = schema["paths"]["/api/clusters/run"]["post"]
    assert {"OAuth2": ["clusters:run"]} in run["security"]
    assert "Required scope for API keys and OAuth tokens: `clusters:run`" in run["description"]
    me = schema["paths"]["/auth/me"]["get"]
    assert {"OAuth2": ["account"]} in me["security"]
    keys = schema["paths"]["/api/v1/auth/api-keys/"]["get"]
    assert not any("OAuth2" in requirement for requirement in keys["security"])


def test_swagger_ui_offers_oauth_login_with_pkce_and_its_redirect_page():
    html = Client().get("/api/docs/").content.decode()
    assert "usePkceWithAuthorizationCodeGrant" in html
    redirect = Client().get("/api/docs/oauth2-redirect.html")
    assert redirect.status_code == 302
    assert "oauth2-redirect.html" in redirect["Location"]


def test_token_issue_is_audited_with_the_request_id_and_no_secret(caplog):
    app, _ = register_app()
    verifier, challenge = pkce_pair()
    code = redirect_query(consent(logged_in_client(UserFactory()), app, challenge=challenge))[
        "code"
    ]
    with caplog.at_level(logging.INFO, logger="accounts.audit"):
        response = exchange_code(
            Client(headers={"X-Request-ID": "req-audit-token"}), app, code, verifier
        )
    tokens = response.json()
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.audit"]
    issued = [line for line in lines if line.startswith("oauth.token_issued")]
    assert len(issued) == 1
    assert "request_id=req-audit-token" in issued[0]
    assert app.client_id in issued[0]
    assert all(tokens["access_token"] not in line for line in lines)
    assert all(tokens["refresh_token"] not in line for line in lines)


def test_api_key_creation_and_revocation_are_audited(caplog):
    user = UserFactory()
    client = Client(headers={"Authorization": f"Bearer {services.tokens_issue(user=user).access}"})
    with caplog.at_level(logging.INFO, logger="accounts.audit"):
        created = client.post(
            "/api/v1/auth/api-keys/",
            {"name": "nightly"},
            content_type="application/json",
            headers={"X-Request-ID": "req-audit-key"},
        )
        assert created.status_code == 201, created.content
        body = created.json()
        key_id = body.get("id") or body.get("data", {}).get("id")
        revoked = client.delete(
            f"/api/v1/auth/api-keys/{key_id}/", headers={"X-Request-ID": "req-audit-revoke"}
        )
        assert revoked.status_code in (200, 204)
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.audit"]
    assert any(line.startswith("api_key.created") and "req-audit-key" in line for line in lines)
    assert any(line.startswith("api_key.revoked") and "req-audit-revoke" in line for line in lines)
    raw_key = re.search(r"sk_live_[A-Za-z0-9_-]{20,}", created.content.decode()).group()
    assert all(raw_key not in line for line in lines)  # only the prefix is logged


def test_consent_and_connected_app_revocation_are_audited(caplog):
    from accounts.oauth.services import authorization_revoke

    user = UserFactory()
    app, _ = register_app()
    with caplog.at_level(logging.INFO, logger="accounts.audit"):
        obtain_tokens(user, app)
        authorization_revoke(user=user, application=app)
    events = [r.getMessage().split(" ")[0] for r in caplog.records if r.name == "accounts.audit"]
    assert "oauth.consent_given" in events
    assert "oauth.authorization_revoked" in events


def test_admin_lists_applications_and_tokens_and_revokes_tokens(admin_user):
    app, _ = register_app()
    tokens = obtain_tokens(UserFactory(), app)
    browser = Client()
    browser.force_login(admin_user)
    for path in (
        "/admin/oauth2_provider/application/",
        f"/admin/oauth2_provider/application/{app.pk}/change/",
        "/admin/oauth2_provider/accesstoken/",
        "/admin/oauth2_provider/refreshtoken/",
    ):
        assert browser.get(path).status_code == 200, path
    listing = browser.get("/admin/oauth2_provider/accesstoken/").content.decode()
    assert tokens["access_token"] not in listing
    token = AccessToken.objects.get()
    response = browser.post(
        "/admin/oauth2_provider/accesstoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert Client().get("/auth/me", **bearer(tokens["access_token"])).status_code == 401
