"""The project boots: settings, URLs, schema and admin load on the configured database."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_renders_as_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_swagger_ui_is_served_without_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn." not in response.content.lower()


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_createsuperuser_noinput_is_admin_role(monkeypatch):
    from accounts.models import User

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Another-Strong-Pass-77")
    call_command("createsuperuser", "--noinput", username="boss", email="boss@example.com")
    assert User.objects.get(username="boss").role == User.Role.ADMIN
