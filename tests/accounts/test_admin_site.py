"""The Django admin back office: users with role and status, filters, search, bulk actions that
call the services, and the same self-protection."""

import pytest

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _action(client, action: str, users: list) -> object:
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_changelist_shows_role_and_active_status_with_filters(staff_client):
    UserFactory(username="carol", role="analyst")
    response = staff_client.get(CHANGELIST, {"role__exact": "analyst", "q": "carol"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "carol" in content
    assert "column-role" in content
    assert "column-is_active" in content


def test_bulk_deactivate_revokes_tokens_and_skips_oneself(staff_client, admin_user):
    victims = UserFactory.create_batch(2)
    response = _action(staff_client, "deactivate", [*victims, admin_user])
    assert "2 user(s) deactivated" in response.content.decode()
    assert "Admins cannot deactivate themselves" in response.content.decode()
    for user in victims:
        user.refresh_from_db()
        assert (user.is_active, user.token_version) == (False, 1)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_bulk_activate(staff_client):
    user = UserFactory(is_active=False)
    _action(staff_client, "activate", [user])
    user.refresh_from_db()
    assert user.is_active


def test_bulk_change_role_skips_oneself(staff_client, admin_user):
    user = UserFactory()
    response = _action(staff_client, "make_analyst", [user, admin_user])
    user.refresh_from_db()
    admin_user.refresh_from_db()
    assert (user.role, admin_user.role) == ("analyst", "admin")
    assert "Admins cannot change the role of themselves" in response.content.decode()


def test_change_form_refuses_deactivating_oneself(staff_client, admin_user):
    url = f"/admin/accounts/user/{admin_user.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update({"is_active": "", "role": "admin", "is_staff": "on", "is_superuser": "on"})
    data["date_joined_0"], data["date_joined_1"] = "2026-01-01", "00:00:00"
    response = staff_client.post(url, data)
    assert response.status_code == 200  # the form comes back with the error
    assert "Admins cannot deactivate themselves." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_admin_cannot_delete_own_account_from_the_back_office(staff_client, admin_user):
    response = staff_client.get(f"/admin/accounts/user/{admin_user.pk}/delete/")
    assert response.status_code == 403
    other = UserFactory()
    response = staff_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [other.pk, admin_user.pk], "post": "yes"},
    )
    assert response.status_code == 403  # a bulk delete that includes oneself is refused whole
    assert User.objects.filter(pk__in=[admin_user.pk, other.pk]).count() == 2


def test_add_form_creates_user_with_email_and_role(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "role": "analyst",
            "password1": "Tangerine-Orbit-4417",
            "password2": "Tangerine-Orbit-4417",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newbie").role == "analyst"


def test_api_key_back_office_lists_and_revokes_without_showing_the_key(staff_client, user):
    from accounts import services

    key, raw = services.api_key_create(owner=user, name="nightly")
    response = staff_client.get("/admin/accounts/apikey/")
    assert response.status_code == 200
    assert "nightly" in response.content.decode()
    assert raw not in response.content.decode()
    staff_client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
