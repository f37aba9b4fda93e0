"""Throttles: X-RateLimit-* headers, document 003's 429, the log-in throttle keyed on username
and client address, and client addresses that a forged X-Forwarded-For cannot change.

Rates are per day here so a test never straddles a window boundary. The same counters holding
across two server processes is tested in test_servers.py."""

import time

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.throttles import ClusterRunThrottle, ExportThrottle, UserRateThrottle
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Set some throttle rates for one test (the rest stay as the test settings have them)."""

    def apply(**new_rates: str) -> None:
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **new_rates}
        settings.REST_FRAMEWORK = rest

    return apply


def test_throttled_endpoint_sends_rate_limit_headers_then_003_429(rates, user_bearer):
    rates(user="3/day")
    remaining = []
    for _ in range(3):
        response = user_bearer.get("/auth/me")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        remaining.append(response["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    reset = int(response["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 86400

    refused = user_bearer.get("/auth/me")
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False
    assert body["error"] == "Too Many Requests"
    assert body["retry_after_seconds"] == int(refused["Retry-After"]) > 0
    assert f"Try again after {body['retry_after_seconds']} seconds" in body["message"]
    assert refused["X-RateLimit-Remaining"] == "0"


def test_limit_is_per_user(rates):
    rates(user="1/day")
    a, b = bearer_client(UserFactory()), bearer_client(UserFactory())
    assert a.get("/auth/me").status_code == 200
    assert a.get("/auth/me").status_code == 429
    assert b.get("/auth/me").status_code == 200


def test_health_is_never_throttled_and_sends_no_rate_headers(rates, api_client):
    rates(anon="1/day", user="1/day")
    for _ in range(5):
        response = api_client.get("/api/health")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response


def test_anonymous_requests_are_counted_per_address(rates, api_client):
    rates(anon="2/day")
    assert api_client.get("/api/v1/").status_code == 200
    assert api_client.get("/api/v1/").status_code == 200
    assert api_client.get("/api/v1/").status_code == 429
    assert api_client.get("/api/v1/", REMOTE_ADDR="10.0.0.9").status_code == 200


def _login(client, username: str, password: str, **extra):
    return client.post(
        "/auth/login", {"username": username, "password": password}, format="json", **extra
    )


def test_failed_logins_count_and_then_even_the_right_password_waits(rates, api_client):
    rates(login="3/day")
    user = UserFactory()
    for _ in range(3):
        assert _login(api_client, user.username, "wrong-Password-1").status_code == 401
    response = _login(api_client, user.username, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response.json()["retry_after_seconds"] > 0


def test_login_throttle_is_keyed_on_username_and_address(rates, api_client):
    rates(login="2/day")
    user = UserFactory()
    for _ in range(2):
        _login(api_client, user.username, "wrong-Password-1")
    assert _login(api_client, user.username, DEFAULT_PASSWORD).status_code == 429
    # The same address may still log in as someone else, and the user from elsewhere.
    other = UserFactory()
    assert _login(api_client, other.username, DEFAULT_PASSWORD).status_code == 200
    response = _login(api_client, user.username, DEFAULT_PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200


def test_login_throttle_ignores_case_and_covers_both_login_paths(rates, api_client):
    rates(login="2/day")
    user = UserFactory(username="casey")
    _login(api_client, "CASEY", "wrong-Password-1")
    api_client.post("/api/auth/login", {"username": "casey", "password": "nope"}, format="json")
    assert _login(api_client, "Casey", DEFAULT_PASSWORD).status_code == 429
    assert user.is_active


def test_forged_x_forwarded_for_does_not_buy_a_fresh_bucket(rates, api_client, settings):
    rates(login="2/day")
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    user = UserFactory()
    for n in range(2):
        _login(api_client, user.username, "wrong-Password-1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    response = _login(
        api_client, user.username, DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.77"
    )
    assert response.status_code == 429


def test_trusted_proxy_count_uses_the_forwarded_address(rates, api_client, settings):
    rates(login="1/day")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    user = UserFactory()
    _login(api_client, user.username, "wrong-Password-1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    again = _login(api_client, user.username, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert again.status_code == 429
    # Behind one trusted proxy, a different client address is a different client.
    elsewhere = _login(
        api_client, user.username, DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert elsewhere.status_code == 200


def test_registration_throttle_per_username_and_address(rates, api_client):
    rates(register="1/day")
    body = {"email": "r@example.com", "username": "reg", "password": "short"}
    assert api_client.post("/auth/register", body, format="json").status_code == 400
    assert api_client.post("/auth/register", body, format="json").status_code == 429


class _ExpensiveView(APIView):
    required_scope = None
    throttle_classes = [UserRateThrottle, ClusterRunThrottle]

    def post(self, request):
        return Response({"ok": True})


class _ExportView(_ExpensiveView):
    throttle_classes = [UserRateThrottle, ExportThrottle]


def test_cluster_run_and_export_throttles_have_their_own_counters(rates):
    rates(cluster_run="2/day", export="1/day", user="50/day")
    user = UserFactory(role="analyst")
    factory = APIRequestFactory()

    def call(view):
        request = factory.post("/x", {}, format="json")
        force_authenticate(request, user=user)
        return view.as_view()(request)

    first = call(_ExpensiveView)
    assert first.status_code == 200
    assert call(_ExpensiveView).status_code == 200
    assert call(_ExpensiveView).status_code == 429
    assert call(_ExportView).status_code == 200
    assert call(_ExportView).status_code == 429


def test_the_tightest_throttle_sets_the_headers(rates, analyst):
    rates(cluster_run="2/day", user="50/day")
    client = bearer_client(analyst)
    factory_response = client.get("/auth/me")
    assert factory_response["X-RateLimit-Limit"] == "50"
    request = APIRequestFactory().post("/x", {}, format="json")
    force_authenticate(request, user=analyst)
    response = _ExpensiveView.as_view()(request)
    assert response.status_code == 200
    assert request.rate_limit.limit == 2  # what the middleware will send
    assert request.rate_limit.remaining == 1
