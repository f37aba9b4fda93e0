"""Fixtures shared by every test folder."""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.celery_worker import celery_worker_process, worker  # noqa: F401 - fixtures
from tests.dask_cluster import dask_cluster  # noqa: F401 - fixture
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes files under its own folder: nothing leaks between tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache(request) -> None:
    """Throttle counters and cached reports never leak from one test into the next."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def analyst(db):
    return UserFactory(role="analyst")


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def user_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def analyst_client(analyst) -> APIClient:
    client = APIClient()
    client.force_authenticate(analyst)
    return client


@pytest.fixture
def admin_client_api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def pytest_sessionstart(session) -> None:
    """In CI, a database or cache that is not what the environment asked for is a failure."""
    if not IN_CI:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres") and "postgresql" not in engine:
        pytest.exit("CI asked for PostgreSQL but the settings use another engine.", returncode=3)
    if os.environ.get("REDIS_URL") and "redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.exit("CI asked for Redis but the cache is not Redis.", returncode=3)
    # Tests that start their own servers or a browser never skip in CI: a missing one fails.
    for program in ("redis-server", "/usr/bin/chromium"):
        if shutil.which(program) is None:
            pytest.exit(f"CI needs {program}, which this machine does not have.", returncode=3)
