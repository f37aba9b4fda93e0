"""Every API path answers the same with and without its trailing slash, for reads and for
writes (no redirect that would drop a POST body); pages keep their one spelling."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .routes import api_routes


def _plain_paths() -> list[str]:
    """Each API route's paths that need no path parameter (one spelling per route)."""
    paths = []
    for spellings, _ in api_routes():
        plain = [path for path in spellings if "{}" not in path]
        if plain:
            paths.append(plain[0])
    return sorted(set(paths))


def _toggled(path: str) -> str:
    return path[:-1] if path.endswith("/") else f"{path}/"


@pytest.mark.django_db
def test_every_api_path_reads_the_same_with_or_without_its_slash(admin_client_api):
    paths = _plain_paths()
    assert len(paths) > 40  # the walk found the API
    differing = []
    for path in paths:
        first = admin_client_api.get(path)
        second = admin_client_api.get(_toggled(path))
        if second.status_code != first.status_code or second.status_code in (301, 302, 404):
            differing.append(f"{path}: {first.status_code}, {_toggled(path)}: {second.status_code}")
    assert not differing, "\n".join(differing)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/login", "/auth/login/", "/api/auth/login/"])
def test_login_posts_keep_their_body_either_way(api_client, path):
    user = UserFactory()
    response = api_client.post(
        path, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_run_list_without_its_slash_is_the_run_list(analyst_client):
    with_slash = analyst_client.get("/api/v1/runs/")
    without = analyst_client.get("/api/v1/runs")
    assert without.status_code == with_slash.status_code == 200
    assert without.json() == with_slash.json()


@pytest.mark.django_db
def test_pages_keep_one_spelling(client):
    assert client.get("/app/datasets").status_code == 404


@pytest.mark.django_db
def test_an_upload_with_an_added_slash_is_the_upload_not_a_dataset_called_upload(analyst_client):
    content = b"customer_id,age,income\n" + b"".join(
        f"C{i},{20 + i % 50},{30_000 + 917 * i}\n".encode() for i in range(40)
    )
    upload = SimpleUploadedFile("shop.csv", content, content_type="text/csv")
    response = analyst_client.post("/api/v1/datasets/upload/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
