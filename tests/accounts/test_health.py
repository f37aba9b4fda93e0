"""GET /api/health (document 003): unauthenticated, unthrottled, 503 when a component is down.
The database-down case runs in a real server process (test_servers.py)."""

import pytest

CLOSED_PORT = 9  # "discard": nothing listens there on a test machine

pytestmark = pytest.mark.django_db


def test_health_answers_003_shape_without_credentials(api_client):
    response = api_client.get("/api/health", HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["components"] == {
        "database": "connected",
        "cache": "operational",
        "api_version": "1.0",
    }
    assert body["timestamp"].endswith("Z")


def test_api_root_answers_without_credentials(api_client):
    response = api_client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    assert response.json()["docs"] == "/api/docs/"


def test_health_is_503_when_the_cache_is_unreachable(settings, client):
    # In process, with a real Redis client pointed at a closed port (no server needed).
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["components"] == {
        "database": "connected",
        "cache": "unavailable",
        "api_version": "1.0",
    }
