"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live
server. Playwright never downloads a browser here: `.ci/run` installs /usr/bin/chromium."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from profiles.predictor.cache import process_cache_clear
from tests.factories import DEFAULT_PASSWORD

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# database access from it (SynchronousOnlyOperation) in fixtures and tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
SCREENSHOT_DIR = Path(settings.VAR_DIR) / "screenshots"
PAGE_TIMEOUT_MS = 20_000  # a page or an element; runs wait longer on their own
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WORKER_START_TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def _fresh_predictor_cache() -> Iterator[None]:
    """Rows roll back between tests (and SQLite reuses ids): the per-process model cache of the
    prediction service must forget them too."""
    process_cache_clear()
    yield
    process_cache_clear()


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Overrides the per-test media folder of tests/conftest.py: the live server and the worker
    process must read the same files, so e2e tests keep the test settings' MEDIA_ROOT."""


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real Celery worker (its own process) on the test database and this session's broker:
    runs and exports queued by the pages are executed exactly as in production."""
    log_path = Path(settings.VAR_DIR) / f"e2e-worker-{os.getpid()}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # config/settings/test.py opens this database (the one pytest-django created).
        "TEST_DATABASE_NAME": str(settings.DATABASES["default"]["NAME"]),
        "VAR_DIR": str(settings.VAR_DIR),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
        "--loglevel", "INFO", "--purge", "--without-heartbeat", "--without-gossip",
        "--without-mingle", "-n", f"e2e-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run).")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=PAGE_TIMEOUT_MS)  # pages that compute (uploads, sweeps) on busy CI
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _new_page(browser, base_url: str, viewport: dict) -> Iterator:
    """A fresh context (no cookies) whose page may only talk to the live server: any request to
    another host is aborted and fails the test, so nothing is loaded from the internet."""
    context = browser.new_context(base_url=base_url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    problems: list[str] = []
    own_host = urlsplit(base_url).netloc

    def guard(route) -> None:
        host = urlsplit(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or host == own_host:
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def page(browser, transactional_db, live_server) -> Iterator:
    """A laptop-sized page on the live server; fails on JavaScript errors or outside requests."""
    yield from _new_page(browser, live_server.url, LAPTOP)


@pytest.fixture
def phone_page(browser, transactional_db, live_server) -> Iterator:
    """The same at a phone's width."""
    yield from _new_page(browser, live_server.url, PHONE)


def log_in(page, user, *, password: str = DEFAULT_PASSWORD) -> None:
    """Log in through the log-in page, as a person would, and land on the dashboard."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.get_by_role("heading", name="Dashboard", level=1).wait_for()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as var/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
