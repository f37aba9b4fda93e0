"""The caller's own account: /users/me/profile, PUT and DELETE /users/me."""

import pytest

from accounts.models import User
from tests.factories import CustomerProfileFactory, PredictionFactory, UserFactory

from .conftest import bearer_client

pytestmark = pytest.mark.django_db


def test_profile_counts_own_predictions_and_saved_profiles_only(user_bearer, user):
    PredictionFactory.create_batch(3, user=user)
    CustomerProfileFactory.create_batch(2, owner=user)
    PredictionFactory(user=UserFactory())  # someone else's: not counted
    CustomerProfileFactory(owner=UserFactory())
    response = user_bearer.get("/users/me/profile")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": "user",
        "total_predictions": 3,
        "total_saved_profiles": 2,
    }


def test_profile_counts_are_zero_for_a_new_user(user_bearer):
    body = user_bearer.get("/users/me/profile").json()
    assert (body["total_predictions"], body["total_saved_profiles"]) == (0, 0)


def test_update_me_changes_only_the_fields_sent(user_bearer, user):
    response = user_bearer.put("/users/me", {"full_name": "New Name"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.full_name == "New Name"
    assert response.json()["username"] == user.username


def test_update_me_refuses_a_taken_email_with_400(user_bearer):
    UserFactory(email="taken@example.com")
    response = user_bearer.put("/users/me", {"email": "Taken@example.com"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_update_me_keeps_own_username_without_conflict(user_bearer, user):
    response = user_bearer.put("/users/me", {"username": user.username}, format="json")
    assert response.status_code == 200


def test_update_me_refuses_weak_password_and_keeps_tokens(user_bearer, user):
    response = user_bearer.put("/users/me", {"password": "123"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert user_bearer.get("/auth/me").status_code == 200


def test_delete_me_deletes_account_and_owned_rows(user_bearer, user):
    PredictionFactory(user=user)
    response = user_bearer.delete("/users/me")
    assert response.status_code == 200
    assert response.json() == {"message": "Account deleted successfully"}
    assert not User.objects.filter(pk=user.pk).exists()
    assert user_bearer.get("/auth/me").status_code == 401


def test_delete_me_refused_for_the_last_active_admin(admin_bearer, admin_user):
    response = admin_bearer.delete("/users/me")
    assert response.status_code == 400
    assert "only active admin" in response.json()["detail"]
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_delete_me_allowed_for_an_admin_when_another_admin_exists(admin_bearer, admin_user):
    UserFactory(role="admin")
    assert admin_bearer.delete("/users/me").status_code == 200


def test_account_endpoints_need_a_credential(api_client):
    assert api_client.get("/users/me/profile").status_code == 401
    assert api_client.put("/users/me", {}, format="json").status_code == 401
    assert api_client.delete("/users/me").status_code == 401


def test_session_user_reads_own_profile(client, user):
    client.force_login(user)
    assert client.get("/users/me/profile").status_code == 200


def test_bearer_of_another_user_sees_only_themselves():
    a, b = UserFactory(), UserFactory()
    assert bearer_client(b).get("/auth/me").json()["id"] == b.pk != a.pk


def test_a_lost_race_for_a_username_is_a_400_not_a_crash():
    from accounts.services import _save_identity
    from config.errors import BadRequest

    taken = UserFactory()
    late = User(username=taken.username, email="late@example.com")  # passed the check earlier
    with pytest.raises(BadRequest, match="just taken"):
        _save_identity(late)
    assert User.objects.filter(username=taken.username).count() == 1
