"""Unknown paths of the JSON API answer a JSON 404, and unknown pages the site's 404 page, with
DEBUG off (production) and on (config.settings.dev, `make run`): never Django's technical 404."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

API_PATHS = ["/api/v1/no-such-thing/", "/api/nope", "/auth/nope", "/admin/users/1/nope"]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_unknown_api_path_is_json_404(debug, path, accept):
    response = Client().get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "Not Found"
    assert path in body["message"]
    assert "URLconf" not in response.content.decode()


def test_unknown_page_is_the_sites_404_page(debug):
    response = Client().get("/app/no-such-page/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "<h1>Not found</h1>" in text
    assert "There is nothing at /app/no-such-page/." in text
    assert "URLconf" not in text
    assert "Resolver404" not in text
