"""Small things a visitor notices, in a real browser: the favicon, ReDoc served without asking
any other host (scripts, fonts, CDN), and the site's own 404 page (never Django's technical page
listing the routes) even with DEBUG on, as `make run` serves."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOT_DIR, log_in, screenshot
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REDOC_RENDER_TIMEOUT_MS = 60_000  # ReDoc lays out the whole schema before showing anything


def test_pages_link_a_favicon_that_loads(page):
    page.goto("/login/")

    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_count(1)
    href = icon.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text()
    legacy = page.request.get("/favicon.ico")  # follows the redirect to the same icon
    assert legacy.status == 200
    assert legacy.url.endswith(href)


def test_redoc_loads_everything_from_this_site_under_a_self_only_policy(page, live_server):
    own = urlsplit(live_server.url).netloc
    requested: list[str] = []
    refused: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    response = page.goto("/api/redoc/")

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy  # no other host is allowed, by name or by scheme
    heading = page.get_by_role("heading", name="Customer Segmentation API", level=1)
    expect(heading).to_be_visible(timeout=REDOC_RENDER_TIMEOUT_MS)
    assert not failed, failed
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT_DIR / "redoc.png"))  # the first screen: the page is long
    others = [url for url in requested if urlsplit(url).netloc not in (own, "")]
    assert not others, f"ReDoc asked other hosts: {others}"
    assert not refused, refused
    assert not page.locator("link[href*='fonts.googleapis.com']").count()


@pytest.fixture
def debug_on(settings):
    """DEBUG as `make run` serves it (config.settings.dev)."""
    settings.DEBUG = True


@pytest.mark.usefixtures("debug_on")
def test_unknown_page_is_the_sites_404_page_with_debug_on(page):
    log_in(page, AnalystFactory())

    response = page.goto("/app/no-such-page/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("There is nothing at /app/no-such-page/.")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_text("URLconf")).to_have_count(0)
    expect(page.get_by_text("Resolver404")).to_have_count(0)
    screenshot(page, "not-found-debug")


@pytest.mark.usefixtures("debug_on")
def test_missing_object_of_a_page_is_the_sites_404_page_with_debug_on(page):
    log_in(page, AnalystFactory())

    response = page.goto("/app/datasets/987654/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(page.get_by_text("Raised by")).to_have_count(0)
    expect(page.get_by_text("DEBUG = True")).to_have_count(0)
