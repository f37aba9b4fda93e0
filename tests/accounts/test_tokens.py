"""JWTs: document 003's claims, and every way a token must be refused with 401."""

import base64
import json
from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _me(api_client, token: str):
    return api_client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_access_token_carries_003_claims_and_token_version():
    user = UserFactory(role="analyst")
    claims = _payload(services.tokens_issue(user=user).access)
    assert claims["user_id"] == str(user.pk)
    assert claims["email"] == user.email
    assert claims["roles"] == ["analyst"]
    assert claims["token_version"] == 0
    assert claims["exp"] > claims["iat"]


def test_token_signed_with_hs256_header():
    token = services.tokens_issue(user=UserFactory()).access
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256"


def test_tampered_token_is_401(api_client):
    user, other = UserFactory(), UserFactory()
    header, _, signature = services.tokens_issue(user=user).access.split(".")
    claims = _payload(services.tokens_issue(user=user).access)
    claims["user_id"] = str(other.pk)  # try to become someone else, keeping the old signature
    response = _me(api_client, f"{header}.{_b64(claims)}.{signature}")
    assert response.status_code == 401


def test_alg_none_token_is_401(api_client):
    user = UserFactory()
    claims = _payload(services.tokens_issue(user=user).access)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert _me(api_client, unsigned).status_code == 401


def test_expired_token_is_401(api_client):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = _me(api_client, str(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_token_used_as_access_token_is_401(api_client):
    tokens = services.tokens_issue(user=UserFactory())
    assert _me(api_client, tokens.refresh).status_code == 401


def test_deactivated_users_access_token_is_refused_on_next_request(admin_user):
    user = UserFactory()
    client = bearer_client(user)
    assert client.get("/auth/me").status_code == 200
    services.user_active_set(actor=admin_user, user=user, active=False)
    assert client.get("/auth/me").status_code == 401


def test_deactivated_user_via_admin_api_is_refused_on_next_request(admin_bearer):
    user = UserFactory()
    client = bearer_client(user)
    assert admin_bearer.put(f"/admin/users/{user.pk}/toggle-active").status_code == 200
    assert client.get("/auth/me").status_code == 401


def test_reactivated_user_needs_a_new_token(admin_user):
    user = UserFactory()
    client = bearer_client(user)
    services.user_active_set(actor=admin_user, user=user, active=False)
    services.user_active_set(actor=admin_user, user=user, active=True)
    assert client.get("/auth/me").status_code == 401  # the old token's version is stale
    assert bearer_client(user).get("/auth/me").status_code == 200


def test_stale_token_version_is_401(api_client):
    user = UserFactory()
    token = services.tokens_issue(user=user).access
    User.objects.filter(pk=user.pk).update(token_version=5)
    response = _me(api_client, token)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_password_change_revokes_refresh_and_access_tokens(api_client):
    user = UserFactory()
    old = services.tokens_issue(user=user)
    client = bearer_client(user)
    response = client.put("/users/me", {"password": "Brand-New-Secret-77"}, format="json")
    assert response.status_code == 200
    assert _me(api_client, old.access).status_code == 401
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": old.refresh}, format="json")
    assert refresh.status_code == 401
    login = api_client.post(
        "/auth/login", {"username": user.username, "password": "Brand-New-Secret-77"}
    )
    assert login.status_code == 200
    assert (
        api_client.post(
            "/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}
        ).status_code
        == 401
    )


def test_malformed_authorization_header_is_401(api_client):
    response = api_client.get("/auth/me", HTTP_AUTHORIZATION="Bearer")
    assert response.status_code == 401
    response = api_client.get("/auth/me", HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert response.status_code == 401
