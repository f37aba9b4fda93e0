"""OAuth pages in a real browser (Playwright + Debian's Chromium) against a live server: an
analyst registers an application, a user walks the consent page, the app gets a token and calls
the API, and the user revokes the app from "Connected apps". Screenshots go to var/screenshots/."""

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REDIRECT_URI = "https://client.example/callback"  # answered by the test, never the internet


def _http(url: str, *, data: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """A plain HTTP call from the "third-party app" to the live server."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (the live server's http URL)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_app_registered_authorized_in_the_browser_and_revoked_from_connected_apps(
    page, live_server
):
    analyst = AnalystFactory()
    log_in(page, analyst)

    page.goto("/account/applications/")
    page.get_by_label("Name").fill("Partner CRM")
    page.get_by_label("Public: runs in a browser or on a device; no secret").check()
    page.get_by_label("Redirect URIs").fill(REDIRECT_URI)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="“Partner CRM” is registered")).to_be_visible()
    client_id = page.locator("#client-id").inner_text()
    screenshot(page, "oauth-application-registered")

    # The app sends the user to the consent page; the redirect back is answered here.
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    callbacks: list[str] = []

    def app_callback(route) -> None:
        callbacks.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>Partner CRM connected</h1>")

    page.route("https://client.example/**", app_callback)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "segments:read account",
            "state": "e2e-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"/oauth/authorize/?{query}")
    expect(
        page.get_by_role("heading", name="Allow “Partner CRM” to use your account?")
    ).to_be_visible()
    expect(page.get_by_text("Read segment reports and the published segmentation")).to_be_visible()
    screenshot(page, "oauth-consent")
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="Partner CRM connected")).to_be_visible()

    returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callbacks[-1]).query))
    assert returned["state"] == "e2e-state"
    status, tokens = _http(
        f"{live_server.url}/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "code": returned["code"],
            "redirect_uri": REDIRECT_URI,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )
    assert status == 200, tokens
    status, me = _http(f"{live_server.url}/auth/me", token=tokens["access_token"])
    assert status == 200
    assert analyst.username in json.dumps(me)

    page.goto("/account/connected-apps/")
    expect(page.get_by_role("heading", name="Partner CRM")).to_be_visible()
    screenshot(page, "oauth-connected-apps")
    page.get_by_role("button", name="Revoke access of Partner CRM").click()
    expect(page.get_by_text("“Partner CRM” can no longer use your account.")).to_be_visible()
    expect(page.get_by_role("button", name="Revoke access of Partner CRM")).to_have_count(0)
    screenshot(page, "oauth-connected-apps-revoked")

    status, _ = _http(f"{live_server.url}/auth/me", token=tokens["access_token"])
    assert status == 401
