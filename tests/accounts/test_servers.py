"""Real server processes (gunicorn) against the test database and cache: throttle counters hold
when requests alternate between two processes, and /api/health answers 503 when the database is
unreachable. Nothing is mocked: the failing database is a real closed port."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from accounts import services
from tests.factories import UserFactory

BASE_DIR = Path(settings.BASE_DIR)
CLOSED_PORT = 9  # "discard": nothing listens there on a test machine
STARTUP_TIMEOUT_S = 120  # generous: CI machines run other suites beside this one


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server that opens this test run's database and cache."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["VAR_DIR"] = str(settings.VAR_DIR)
    env["SECRET_KEY"] = settings.SECRET_KEY  # tokens made here must verify there
    env["TEST_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env.update(overrides)
    return env


class Server:
    """One gunicorn process started by this module."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "config.wsgi"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                *("--timeout", "120", "--graceful-timeout", "2"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, deadline: float) -> None:
        while True:
            try:
                # The first request imports every app's views: allow it its time.
                requests.get(f"{self.url}/api/health", timeout=STARTUP_TIMEOUT_S)
                return
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self._log.flush()
                    pytest.fail(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory) -> Iterator[dict[str, Server]]:
    """Three servers started at once (booting one costs seconds of imports): two sharing the
    test database and cache, one whose database is a closed port (its database cache fails
    with it)."""
    log_dir = tmp_path_factory.mktemp("gunicorn")
    shared = _server_env(TEST_THROTTLE_USER="4/day")
    no_database = _server_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/nowhere")
    no_database.pop("TEST_DATABASE_NAME")
    no_database.pop("REDIS_URL", None)
    started = {
        "first": Server(shared, log_dir),
        "second": Server(shared, log_dir),
        "no_database": Server(no_database, log_dir),
    }
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        for server in started.values():
            server.wait_ready(deadline)
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.mark.django_db(transaction=True)
def test_throttle_holds_when_requests_alternate_between_two_processes(servers):
    user = UserFactory()
    headers = {"Authorization": f"Bearer {services.tokens_issue(user=user).access}"}
    first, second = servers["first"].url, servers["second"].url
    answers = [
        requests.get(f"{base}/auth/me", headers=headers, timeout=30)
        for base in (first, second, first, second, first, second)
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers[:4]] == ["3", "2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"4"}
    refused = answers[4].json()
    assert refused["success"] is False
    assert refused["retry_after_seconds"] == int(answers[4].headers["Retry-After"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_on_two_processes_never_exceed_the_limit(servers):
    user = UserFactory()
    headers = {"Authorization": f"Bearer {services.tokens_issue(user=user).access}"}
    bases = [servers["first"].url, servers["second"].url] * 6

    def call(base: str) -> int:
        return requests.get(f"{base}/auth/me", headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(call, bases))
    assert codes == [200] * 4 + [429] * 8  # atomic counters: no hit lost, none double-counted


def test_health_is_200_when_everything_answers(servers):
    response = requests.get(f"{servers['first'].url}/api/health", timeout=30)
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


def test_health_is_503_when_the_database_is_unreachable(servers):
    response = requests.get(f"{servers['no_database'].url}/api/health", timeout=30)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["components"]["database"] == "unreachable"
    assert body["components"]["api_version"] == "1.0"
    assert "Traceback" not in response.text
