"""Document 004's admin API and its /api/v1/users/ mirror: admins only, never on themselves."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import CustomerProfileFactory, PredictionFactory, UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db


def test_admin_users_lists_with_totals_and_skip_limit(admin_bearer, admin_user):
    UserFactory.create_batch(4)
    PredictionFactory.create_batch(2)  # each makes its own user
    CustomerProfileFactory()  # and one more
    response = admin_bearer.get("/admin/users", {"skip": 1, "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == User.objects.count() == 8
    assert body["total_predictions"] == 2
    assert body["total_profiles"] == 1
    assert (body["skip"], body["limit"]) == (1, 2)
    assert [u["id"] for u in body["users"]] == list(
        User.objects.order_by("id").values_list("id", flat=True)[1:3]
    )


def test_admin_users_is_not_swallowed_by_django_admin(admin_bearer):
    response = admin_bearer.get("/admin/users")
    assert response["Content-Type"].startswith("application/json")
    assert admin_bearer.get("/admin/stats")["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("role", ["user", "analyst"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/users"),
        ("get", "/admin/users/{id}"),
        ("delete", "/admin/users/{id}"),
        ("put", "/admin/users/{id}/role"),
        ("put", "/admin/users/{id}/toggle-active"),
        ("get", "/admin/stats"),
        ("get", "/api/v1/users/"),
        ("get", "/api/v1/users/stats/"),
    ],
)
def test_admin_endpoints_refuse_other_roles_with_403(role, method, path):
    target = UserFactory()
    client = bearer_client(UserFactory(role=role))
    response = getattr(client, method)(path.format(id=target.pk), {"role": "admin"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This action needs the admin role."
    target.refresh_from_db()
    assert (target.role, target.is_active) == ("user", True)


def test_admin_user_detail_answers_user_or_404(admin_bearer):
    user = UserFactory()
    assert admin_bearer.get(f"/admin/users/{user.pk}").json()["username"] == user.username
    assert admin_bearer.get("/admin/users/999999").status_code == 404


def test_admin_sets_role(admin_bearer):
    user = UserFactory()
    response = admin_bearer.put(f"/admin/users/{user.pk}/role", {"role": "analyst"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "analyst"
    user.refresh_from_db()
    assert user.role == "analyst"


def test_admin_role_refuses_unknown_role_with_400(admin_bearer):
    user = UserFactory()
    response = admin_bearer.put(f"/admin/users/{user.pk}/role", {"role": "king"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()


def test_admin_toggle_active_flips_status(admin_bearer):
    user = UserFactory()
    assert admin_bearer.put(f"/admin/users/{user.pk}/toggle-active").json()["is_active"] is False
    assert admin_bearer.put(f"/admin/users/{user.pk}/toggle-active").json()["is_active"] is True


def test_admin_deletes_another_user(admin_bearer):
    user = UserFactory()
    assert admin_bearer.delete(f"/admin/users/{user.pk}").status_code == 200
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/admin/users/{id}/role", {"role": "user"}),
        ("put", "/admin/users/{id}/toggle-active", None),
        ("delete", "/admin/users/{id}", None),
        ("put", "/api/v1/users/{id}/role/", {"role": "analyst"}),
        ("put", "/api/v1/users/{id}/toggle-active/", None),
        ("delete", "/api/v1/users/{id}/", None),
    ],
)
def test_admin_cannot_demote_deactivate_or_delete_themselves(
    admin_bearer, admin_user, method, path, body
):
    response = getattr(admin_bearer, method)(path.format(id=admin_user.pk), body, format="json")
    assert response.status_code == 400
    assert "Admins cannot" in response.json()["detail"]
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active) == ("admin", True)


def test_admin_setting_own_role_to_admin_is_a_harmless_no_op(admin_bearer, admin_user):
    response = admin_bearer.put(
        f"/admin/users/{admin_user.pk}/role", {"role": "admin"}, format="json"
    )
    assert response.status_code == 200


def test_admin_stats_counts_users_by_status_and_role(admin_bearer):
    UserFactory(is_active=False)
    UserFactory(role="analyst")
    PredictionFactory()
    CustomerProfileFactory()
    response = admin_bearer.get("/admin/stats")
    assert response.status_code == 200
    assert response.json() == {
        "total_users": 5,
        "active_users": 4,
        "inactive_users": 1,
        "total_predictions": 1,
        "total_profiles": 1,
        "users_by_role": {"user": 3, "analyst": 1, "admin": 1},
    }


def test_v1_users_lists_paginated_and_filtered(admin_bearer):
    UserFactory.create_batch(3, role="analyst")
    response = admin_bearer.get(reverse("accounts-api:user-list"), {"role": "analyst"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {u["role"] for u in body["results"]} == {"analyst"}


def test_v1_users_search_matches_email(admin_bearer):
    UserFactory(email="needle@example.com")
    response = admin_bearer.get("/api/v1/users/", {"search": "needle"})
    assert [u["email"] for u in response.json()["results"]] == ["needle@example.com"]


def test_v1_users_role_and_toggle_active_and_delete(admin_bearer):
    user = UserFactory()
    assert (
        admin_bearer.put(f"/api/v1/users/{user.pk}/role/", {"role": "admin"}, format="json").json()[
            "role"
        ]
        == "admin"
    )
    assert admin_bearer.put(f"/api/v1/users/{user.pk}/toggle-active/").json()["is_active"] is False
    assert admin_bearer.delete(f"/api/v1/users/{user.pk}/").status_code == 204
    assert admin_bearer.get(f"/api/v1/users/{user.pk}/").status_code == 404


def test_api_key_cannot_reach_admin_endpoints_even_for_an_admin(api_client, admin_user):
    from accounts import services

    _, raw = services.api_key_create(owner=admin_user, name="script", scopes=["account"])
    response = api_client.get("/admin/users", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
