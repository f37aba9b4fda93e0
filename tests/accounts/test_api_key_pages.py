"""The "API keys" page: create with scope checkboxes (read-only by default), the key shown once,
list with prefix and scopes, revoke; another user's key does not exist (404)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiKey, hash_api_key
from accounts.scopes import ANALYST_ONLY_SCOPES, READ_SCOPES
from accounts.services import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "accounts-pages:api-keys"


def _browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict | None = None):
    """POST like the page's form does, with the CSRF token from the page."""
    page = client.get(reverse(PAGE))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token.group(1)})


def test_api_key_page_requires_log_in():
    response = Client().get(reverse(PAGE))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_api_key_page_offers_read_only_scopes_checked_by_default(user):
    html = _browser(user).get(reverse(PAGE)).content.decode()
    for scope in READ_SCOPES:
        assert re.search(rf'value="{re.escape(scope)}"[^>]*checked', html), scope
    assert 'value="predict"' in html
    for scope in ANALYST_ONLY_SCOPES:  # a plain user is never offered what their role lacks
        assert f'value="{scope}"' not in html


def test_api_key_created_on_the_page_is_shown_once_and_stored_hashed(user):
    browser = _browser(user)
    response = _post(browser, reverse(PAGE), {"name": "nightly", "scopes": ["segments:read"]})
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    raw = re.search(r'value="(sk_live_[^"]+)"', response.content.decode()).group(1)
    key = ApiKey.objects.get(owner=user)
    assert key.key_hash == hash_api_key(raw)
    assert key.scopes == ["segments:read"]
    again = browser.get(reverse(PAGE)).content.decode()
    assert raw not in again
    assert key.prefix in again
    assert Client(headers={"X-API-Key": raw}).get("/auth/me").status_code == 403  # no `account`


def test_api_key_page_refuses_a_scope_beyond_the_role(user):
    response = _post(_browser(user), reverse(PAGE), {"name": "x", "scopes": ["clusters:run"]})
    assert response.status_code == 400
    assert "clusters:run" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_api_key_page_refuses_no_scope_and_a_past_expiry(user):
    browser = _browser(user)
    response = _post(browser, reverse(PAGE), {"name": "x"})
    assert response.status_code == 400
    assert "Choose at least one scope." in response.content.decode()
    response = _post(
        browser,
        reverse(PAGE),
        {"name": "x", "scopes": ["segments:read"], "expires_on": "2000-01-01"},
    )
    assert response.status_code == 400
    assert "Choose today or a later day." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_api_key_with_expiry_day_expires_at_the_end_of_it(user):
    _post(
        _browser(user),
        reverse(PAGE),
        {"name": "x", "scopes": ["segments:read"], "expires_on": "2999-12-31"},
    )
    key = ApiKey.objects.get()
    assert key.expires_at.isoformat() == "3000-01-01T00:00:00+00:00"


def test_api_key_revoked_on_the_page_stops_at_once(user):
    key, raw = api_key_create(owner=user, name="old", scopes=["account"])
    assert Client(headers={"X-API-Key": raw}).get("/auth/me").status_code == 200
    browser = _browser(user)
    response = _post(browser, reverse("accounts-pages:api-key-revoke", args=[key.pk]))
    assert response.status_code == 302
    assert Client(headers={"X-API-Key": raw}).get("/auth/me").status_code == 401
    assert "revoked" in browser.get(reverse(PAGE)).content.decode()


def test_api_key_of_another_user_cannot_be_seen_or_revoked(user):
    other_key, _ = api_key_create(owner=UserFactory(), name="theirs", scopes=["account"])
    browser = _browser(user)
    assert "theirs" not in browser.get(reverse(PAGE)).content.decode()
    response = _post(browser, reverse("accounts-pages:api-key-revoke", args=[other_key.pk]))
    assert response.status_code == 404
    other_key.refresh_from_db()
    assert other_key.revoked_at is None


def test_api_key_revoke_needs_post_and_csrf(user):
    key, _ = api_key_create(owner=user, name="k")
    browser = _browser(user)
    url = reverse("accounts-pages:api-key-revoke", args=[key.pk])
    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403  # no CSRF token
    key.refresh_from_db()
    assert key.revoked_at is None
