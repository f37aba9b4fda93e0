"""Hardening: malformed or absurd JSON is a 400, NaN never reaches JSON, and error answers never
carry a traceback."""

import json

import numpy as np
import pytest
from django.test import Client

from config.api.renderers import SafeJSONRenderer

from .urls_boom import SECRET

pytestmark = pytest.mark.django_db


def _post_raw(client, path: str, raw: str):
    return client.post(path, data=raw, content_type="application/json")


@pytest.mark.parametrize(
    "raw",
    [
        '{"username": "a", "password": ',  # cut off
        "{'username': 'a'}",  # not JSON
        '{"username": NaN, "password": "x"}',  # NaN is not JSON
        '{"username": Infinity, "password": "x"}',
        "\xff\xfe",  # not UTF-8 text
    ],
)
def test_malformed_json_is_400_with_a_reason(api_client, raw):
    response = _post_raw(api_client, "/auth/login", raw)
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_400(api_client, depth):
    raw = '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    response = _post_raw(api_client, "/auth/login", raw)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


def test_json_array_body_is_a_400_not_a_crash(api_client):
    response = _post_raw(api_client, "/auth/login", '["username", "password"]')
    assert response.status_code == 400


def test_renderer_turns_nan_and_infinity_into_null():
    data = {"a": float("nan"), "b": np.float64("inf"), "c": [np.nan, 1.5], "d": np.array([np.inf])}
    assert json.loads(SafeJSONRenderer().render(data)) == {
        "a": None,
        "b": None,
        "c": [None, 1.5],
        "d": [None],
    }


@pytest.mark.urls("tests.accounts.urls_boom")
def test_view_answer_with_nan_is_valid_json_with_null(api_client):
    response = api_client.get("/api/nan")
    assert response.status_code == 200
    assert b"NaN" not in response.content
    assert b"Infinity" not in response.content
    assert json.loads(response.content) == {"mean": None, "top": None, "rows": [1.5, None]}


@pytest.mark.urls("tests.accounts.urls_boom")
@pytest.mark.parametrize("path", ["/api/boom", "/boom"])
def test_server_error_is_json_without_traceback(path):
    client = Client(raise_request_exception=False)
    response = client.get(path, HTTP_ACCEPT="application/json", HTTP_X_REQUEST_ID="req-crash-1")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Internal Server Error"
    assert body["metadata"]["request_id"] == "req-crash-1"
    assert "req-crash-1" in body["message"]
    text = response.content.decode()
    assert SECRET not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text


@pytest.mark.urls("tests.accounts.urls_boom")
def test_server_error_for_a_browser_page_is_html_without_traceback():
    client = Client(raise_request_exception=False)
    response = client.get("/boom", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert SECRET not in response.content.decode()


def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["message"]


def test_request_id_is_echoed(api_client):
    response = api_client.get("/api/health", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


@pytest.mark.urls("tests.accounts.urls_boom")
def test_validation_error_with_a_plain_message_renders_as_detail(api_client):
    response = api_client.get("/api/invalid")
    assert response.status_code == 400
    assert response.json() == {"detail": "Pick a smaller number. Or a larger one."}
