"""Registration, log-in (documents 004 and 003), refresh and logout."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Tangerine-Orbit-4417"


def _register(client: APIClient, **overrides):
    body = {
        "email": "ada@example.com",
        "username": "ada",
        "full_name": "Ada Lovelace",
        "password": STRONG,
        **overrides,
    }
    return client.post("/auth/register", body, format="json")


def test_register_answers_201_in_004_shape_with_user_role(api_client):
    response = _register(api_client)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "email", "username", "full_name", "role", "is_active", "created_at",
    }  # fmt: skip
    assert body["role"] == "user"
    assert body["is_active"] is True
    assert "password" not in body
    assert User.objects.get(username="ada").check_password(STRONG)


def test_register_refuses_duplicate_username_ignoring_case_with_400(api_client):
    UserFactory(username="Ada")
    response = _register(api_client, username="ada", email="other@example.com")
    assert response.status_code == 400
    assert "already taken" in response.json()["username"][0]


def test_register_refuses_duplicate_email_ignoring_case_with_400(api_client):
    UserFactory(email="ada@example.com")
    response = _register(api_client, email="ADA@example.com")
    assert response.status_code == 400
    assert "already exists" in response.json()["email"][0]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short", "too short"), ("password123", "too common"), ("8394027561", "entirely numeric")],
)
def test_register_refuses_weak_password_with_validator_message(api_client, password, fragment):
    response = _register(api_client, password=password)
    assert response.status_code == 400
    assert any(fragment in message for message in response.json()["password"])
    assert not User.objects.filter(username="ada").exists()


def test_register_refuses_invalid_email_and_username_with_400(api_client):
    response = _register(api_client, email="not-an-email", username="bad name!")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "username"}


@pytest.mark.parametrize("login_as", ["username", "email"])
def test_login_004_answers_token_and_user_by_username_or_email(api_client, login_as):
    user = UserFactory()
    response = api_client.post(
        "/auth/login",
        {"username": getattr(user, login_as), "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"] == {
        "id": user.pk, "username": user.username, "email": user.email, "role": "user",
    }  # fmt: skip
    me = api_client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_login_refuses_wrong_password_with_401(api_client):
    user = UserFactory()
    response = api_client.post(
        "/auth/login", {"username": user.username, "password": "wrong-Password-1"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect username/email or password."


def test_login_refuses_unknown_user_like_a_wrong_password(api_client):
    response = api_client.post(
        "/auth/login", {"username": "nobody", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect username/email or password."


def test_login_refuses_deactivated_user_with_401(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(
        "/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 401


def test_login_refuses_missing_fields_with_400(api_client):
    response = api_client.post("/auth/login", {"username": "ada"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_api_login_003_answers_bearer_pair_with_expiry(api_client, settings):
    user = UserFactory()
    response = api_client.post(
        "/api/auth/login", {"username": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()


def test_api_login_003_error_uses_the_envelope(api_client):
    response = api_client.post(
        "/api/auth/login", {"username": "nobody", "password": "x"}, format="json"
    )
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Unauthorized"
    assert body["metadata"]["request_id"] == response["X-Request-ID"]


def _pair(client: APIClient, user) -> dict:
    response = client.post(
        "/api/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    return response.json()


def test_refresh_rotates_and_refuses_the_old_refresh_token(api_client):
    pair = _pair(api_client, UserFactory())
    first = api_client.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh_token"]}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["refresh"] != pair["refresh_token"]
    again = api_client.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh_token"]}, format="json"
    )
    assert again.status_code == 401
    assert "blacklisted" in again.json()["detail"]


def test_refresh_carries_the_current_role_into_the_new_access_token(api_client):
    from rest_framework_simplejwt.tokens import AccessToken

    user = UserFactory()
    pair = _pair(api_client, user)
    User.objects.filter(pk=user.pk).update(role="analyst")
    response = api_client.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh_token"]}, format="json"
    )
    assert AccessToken(response.json()["access"])["roles"] == ["analyst"]


def test_refresh_refuses_deleted_user_with_401(api_client):
    user = UserFactory()
    pair = _pair(api_client, user)
    user.delete()
    response = api_client.post(
        "/api/v1/auth/refresh/", {"refresh": pair["refresh_token"]}, format="json"
    )
    assert response.status_code == 401


def test_refresh_refuses_garbage_with_401(api_client):
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": "abc.def.ghi"}, format="json")
    assert response.status_code == 401


def test_logout_blacklists_the_refresh_token_and_is_idempotent(api_client):
    pair = _pair(api_client, UserFactory())
    body = {"refresh": pair["refresh_token"]}
    assert api_client.post("/api/v1/auth/logout/", body, format="json").status_code == 200
    assert api_client.post("/api/v1/auth/logout/", body, format="json").status_code == 200
    assert api_client.post("/api/v1/auth/refresh/", body, format="json").status_code == 401


def test_logout_refuses_forged_token_with_401(api_client):
    response = api_client.post("/api/v1/auth/logout/", {"refresh": "x.y.z"}, format="json")
    assert response.status_code == 401


def test_auth_me_answers_004_shape(user_bearer, user):
    response = user_bearer.get("/auth/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": "user",
        "is_active": True,
    }


def test_auth_me_without_credential_is_401(api_client):
    assert api_client.get("/auth/me").status_code == 401
