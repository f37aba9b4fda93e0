"""Answers while nothing is published or clustered (these tests need an empty database, so they
live apart from the modules that share one published run)."""

import pytest

pytestmark = pytest.mark.django_db


def test_segments_nothing_published_is_409(user_client):
    response = user_client.get("/api/segments/gender")
    assert response.status_code == 409
    assert "No segmentation is published yet" in response.json()["message"]


def test_insights_errors_are_envelopes(user_client):
    assert user_client.get("/api/insights/gender").status_code == 409
    bad = user_client.get("/api/insights/nope")
    assert bad.status_code == 400
    assert bad.json()["success"] is False


def test_export_nothing_published_is_409(analyst_client):
    response = analyst_client.post("/api/export/gender", {"format": "csv"}, format="json")
    assert response.status_code == 409


def test_visualizations_without_any_upload_is_400_plain(analyst_client):
    response = analyst_client.get("/api/visualizations")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith("No data loaded")
