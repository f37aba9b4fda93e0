"""API keys: created with the key shown once, listed without it, revoked, and refused the moment
they are revoked, expired or their owner is deactivated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey, hash_api_key
from accounts.scopes import READ_SCOPES
from tests.factories import UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/auth/api-keys/"


def test_create_returns_raw_key_once_and_stores_only_its_hash(user_bearer, user):
    response = user_bearer.post(KEYS, {"name": "nightly export"}, format="json")
    assert response.status_code == 201
    body = response.json()
    raw = body["key"]
    assert raw.startswith("sk_live_")
    assert body["prefix"] == raw[:12]
    key = ApiKey.objects.get(owner=user)
    assert key.key_hash == hash_api_key(raw)
    assert raw not in {key.name, key.prefix, key.key_hash}
    listed = user_bearer.get(KEYS).json()["results"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert "key" not in user_bearer.get(f"{KEYS}{body['id']}/").json()


def test_create_defaults_to_the_read_only_scopes(user_bearer):
    body = user_bearer.post(KEYS, {"name": "reader"}, format="json").json()
    assert body["scopes"] == sorted(READ_SCOPES)


def test_create_refuses_unknown_scope_with_400(user_bearer):
    response = user_bearer.post(KEYS, {"name": "x", "scopes": ["root"]}, format="json")
    assert response.status_code == 400
    assert "scopes" in response.json()


def test_create_refuses_a_scope_beyond_the_role_with_400(user_bearer):
    response = user_bearer.post(KEYS, {"name": "x", "scopes": ["clusters:run"]}, format="json")
    assert response.status_code == 400
    assert "cannot grant: clusters:run" in response.json()["scopes"][0]


def test_create_accepts_analyst_scopes_for_an_analyst(analyst):
    client = bearer_client(analyst)
    response = client.post(KEYS, {"name": "x", "scopes": ["clusters:run"]}, format="json")
    assert response.status_code == 201


def test_create_refuses_past_expiry_with_400(user_bearer):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = user_bearer.post(KEYS, {"name": "x", "expires_at": past}, format="json")
    assert response.status_code == 400
    assert "future" in response.json()["expires_at"][0]


def test_key_authenticates_and_records_last_use(api_client, user):
    key, raw = services.api_key_create(owner=user, name="x", scopes=["account"])
    response = api_client.get("/auth/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_key_without_the_views_scope_is_403(api_client, user):
    _, raw = services.api_key_create(owner=user, name="x")  # read-only scopes, no "account"
    response = api_client.get("/auth/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert "'account' scope" in response.json()["detail"]


def test_revoke_sets_revoked_at_and_the_key_stops_at_once(user_bearer, api_client, user):
    key, raw = services.api_key_create(owner=user, name="x", scopes=["account"])
    assert user_bearer.delete(f"{KEYS}{key.pk}/").status_code == 204
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api_client.get("/auth/me", HTTP_X_API_KEY=raw).status_code == 401
    listed = user_bearer.get(KEYS).json()["results"][0]
    assert listed["revoked_at"] is not None
    assert listed["is_active"] is False


def test_revoke_twice_keeps_the_first_time(user):
    key, _ = services.api_key_create(owner=user, name="x")
    first = services.api_key_revoke(key=key).revoked_at
    assert services.api_key_revoke(key=key).revoked_at == first


def test_expired_key_is_401(api_client, user):
    key, raw = services.api_key_create(
        owner=user, name="x", scopes=["account"], expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client.get("/auth/me", HTTP_X_API_KEY=raw).status_code == 401


def test_deactivated_owners_key_stops_at_once(api_client, user, admin_user):
    _, raw = services.api_key_create(owner=user, name="x", scopes=["account"])
    assert api_client.get("/auth/me", HTTP_X_API_KEY=raw).status_code == 200
    services.user_active_set(actor=admin_user, user=user, active=False)
    response = api_client.get("/auth/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_unknown_key_is_401(api_client):
    assert api_client.get("/auth/me", HTTP_X_API_KEY="sk_live_nope").status_code == 401


def test_another_users_key_is_404(user_bearer):
    key, _ = services.api_key_create(owner=UserFactory(), name="theirs")
    assert user_bearer.get(f"{KEYS}{key.pk}/").status_code == 404
    assert user_bearer.delete(f"{KEYS}{key.pk}/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_cannot_manage_keys(api_client, user):
    _, raw = services.api_key_create(owner=user, name="x", scopes=sorted(READ_SCOPES))
    response = api_client.post(KEYS, {"name": "escalate"}, format="json", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert ApiKey.objects.filter(owner=user).count() == 1


def test_keys_need_a_credential(api_client):
    assert api_client.get(KEYS).status_code == 401
