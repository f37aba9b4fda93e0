"""Document 004 `/profiles/...` and the canonical `/api/v1/profiles/`: owners only."""

import pytest
from rest_framework.test import APIClient

from profiles.models import CustomerProfile, Prediction
from tests.factories import CustomerProfileFactory, UserFactory

from .conftest import train, upload_customers

PROFILE = {
    "name": "Customer ABC",
    "sex": "Female",
    "age": 28,
    "annual_income": 55,
    "spending_score": 80,
    "purchase_frequency": 15,
    "notes": "VIP customer",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_profile_create_saves_it_for_the_caller(user_client, user):
    response = user_client.post("/profiles/", PROFILE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in PROFILE} == {
        **PROFILE,
        "annual_income": 55.0,
        "purchase_frequency": 15.0,
    }
    assert body["user_id"] == user.pk
    assert CustomerProfile.objects.get(pk=body["id"]).owner == user


@pytest.mark.parametrize(
    ("field", "value"),
    [("age", 17), ("age", 101), ("sex", "Other"), ("spending_score", 0), ("annual_income", -1)],
)
@pytest.mark.django_db
def test_profile_create_rejects_invalid_field_naming_it(user_client, field, value):
    response = user_client.post("/profiles/", {**PROFILE, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_profile_list_pages_own_profiles_with_skip_and_limit(user_client, user):
    made = [CustomerProfileFactory(owner=user) for _ in range(4)]
    CustomerProfileFactory()  # someone else's

    everything = user_client.get("/profiles/").json()
    page = user_client.get("/profiles/", {"skip": 1, "limit": 2}).json()

    assert [p["id"] for p in everything] == [p.pk for p in reversed(made)]
    assert [p["id"] for p in page] == [made[2].pk, made[1].pk]


@pytest.mark.django_db
def test_profile_detail_get_put_delete_by_owner(user_client, user):
    profile = CustomerProfileFactory(owner=user, age=30)

    got = user_client.get(f"/profiles/{profile.pk}")
    put = user_client.put(f"/profiles/{profile.pk}", {"age": 44, "notes": "moved"}, format="json")
    deleted = user_client.delete(f"/profiles/{profile.pk}")

    assert got.status_code == 200
    assert got.json()["name"] == profile.name
    assert put.status_code == 200
    assert (put.json()["age"], put.json()["notes"], put.json()["sex"]) == (44, "moved", "Female")
    assert deleted.json() == {"message": "Profile deleted successfully"}
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_profile_put_with_invalid_value_changes_nothing(user_client, user):
    profile = CustomerProfileFactory(owner=user, age=30)

    response = user_client.put(f"/profiles/{profile.pk}", {"age": 120}, format="json")

    assert response.status_code == 400
    assert "age" in response.json()
    profile.refresh_from_db()
    assert profile.age == 30


@pytest.mark.django_db
def test_profile_of_another_user_is_404_and_stays_unchanged():
    alice, bob = UserFactory(), UserFactory()
    profile = CustomerProfileFactory(owner=alice, name="Alice's", age=30)
    client = _client(bob)

    responses = [
        client.get(f"/profiles/{profile.pk}"),
        client.put(f"/profiles/{profile.pk}", {"age": 50}, format="json"),
        client.delete(f"/profiles/{profile.pk}"),
        client.get(f"/api/v1/profiles/{profile.pk}/"),
        client.patch(f"/api/v1/profiles/{profile.pk}/", {"age": 50}, format="json"),
        client.put(f"/api/v1/profiles/{profile.pk}/", PROFILE, format="json"),
        client.delete(f"/api/v1/profiles/{profile.pk}/"),
        client.post(f"/api/v1/profiles/{profile.pk}/predict/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert client.get("/profiles/").json() == []
    assert client.get("/api/v1/profiles/").json()["count"] == 0
    profile.refresh_from_db()
    assert (profile.name, profile.age) == ("Alice's", 30)
    assert not Prediction.objects.exists()


@pytest.mark.django_db
def test_profile_viewset_crud_for_owner(user_client, user):
    created = user_client.post("/api/v1/profiles/", PROFILE, format="json")
    pk = created.json()["id"]

    patched = user_client.patch(f"/api/v1/profiles/{pk}/", {"spending_score": 10}, format="json")
    listed = user_client.get("/api/v1/profiles/", {"name": "abc"})
    deleted = user_client.delete(f"/api/v1/profiles/{pk}/")

    assert created.status_code == 201
    assert patched.json()["spending_score"] == 10
    assert listed.json()["count"] == 1
    assert deleted.status_code == 204


@pytest.mark.django_db
def test_profile_viewset_rejects_extra_features_that_are_not_values(user_client):
    body = {**PROFILE, "extra_features": {"region": ["North"]}}

    response = user_client.post("/api/v1/profiles/", body, format="json")

    assert response.status_code == 400
    assert "extra_features" in response.json()


@pytest.mark.django_db
def test_profile_predict_is_recorded_and_linked_to_the_profile(published_run, user_client, user):
    profile = CustomerProfileFactory(owner=user)

    response = user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    assert response.status_code == 201
    body = response.json()
    assert body["profile"] == profile.pk
    assert body["run"] == published_run.pk
    assert body["input"]["age"] == profile.age
    recorded = Prediction.objects.get(user=user)
    assert recorded.profile == profile
    assert user_client.get("/history").json()["total"] == 1


@pytest.mark.django_db
def test_profile_predict_without_published_run_is_409(user_client, user):
    profile = CustomerProfileFactory(owner=user)

    response = user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    assert response.status_code == 409
    assert "published first" in response.json()["detail"]


@pytest.mark.django_db
def test_profile_delete_keeps_its_predictions_in_history(published_run, user_client, user):
    profile = CustomerProfileFactory(owner=user)
    user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    user_client.delete(f"/profiles/{profile.pk}")

    assert Prediction.objects.get(user=user).profile is None


# --- Profiles against the published segmentation's features ---------------------------------
REGION_FEATURES = ["age", "gender", "region", "annual_income", "spending_score"]


@pytest.fixture
def region_run(db):
    """A published segmentation with a region category and without purchase frequency."""
    return train(upload_customers(), features=REGION_FEATURES)


@pytest.mark.django_db
def test_document_004_profile_is_saved_and_segmented_with_the_004_segmentation(
    published_run, user_client
):
    created = user_client.post("/profiles/", PROFILE, format="json")
    predicted = user_client.post(f"/api/v1/profiles/{created.json()['id']}/predict/")

    assert created.status_code == 201
    assert predicted.status_code == 201
    assert predicted.json()["run"] == published_run.pk


@pytest.mark.parametrize("path", ["/profiles/", "/api/v1/profiles/"])
@pytest.mark.django_db
def test_profile_without_a_published_feature_is_400_naming_it(region_run, user_client, path):
    response = user_client.post(path, PROFILE, format="json")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["region"]
    assert "published segmentation uses 'region'" in body["region"][0]
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_profile_with_the_feature_in_extra_features_is_saved_and_segments(region_run, user_client):
    body = {**PROFILE, "extra_features": {"region": "East"}}
    body.pop("purchase_frequency")  # not a feature of this segmentation: not required

    created = user_client.post("/profiles/", body, format="json")
    predicted = user_client.post(f"/api/v1/profiles/{created.json()['id']}/predict/")

    assert created.status_code == 201
    assert created.json()["extra_features"] == {"region": "East"}
    assert created.json()["purchase_frequency"] is None
    assert predicted.status_code == 201
    assert predicted.json()["input"]["region"] == "East"


@pytest.mark.django_db
def test_profile_with_an_unknown_feature_or_category_is_400_naming_it(region_run, user_client):
    unknown = {**PROFILE, "extra_features": {"region": "East", "shoe_size": 43}}
    atlantis = {**PROFILE, "extra_features": {"region": "Atlantis"}}

    first = user_client.post("/profiles/", unknown, format="json")
    second = user_client.post("/api/v1/profiles/", atlantis, format="json")

    assert first.status_code == 400
    assert list(first.json()) == ["shoe_size"]
    assert "Unknown feature: the published segmentation uses" in first.json()["shoe_size"][0]
    assert second.status_code == 400
    assert "Unknown value 'Atlantis'; use one of:" in second.json()["region"][0]
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_document_004_fields_are_required_while_nothing_is_published(user_client):
    body = {key: value for key, value in PROFILE.items() if key != "age"}

    response = user_client.post("/profiles/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["age"]


@pytest.mark.django_db
def test_older_profile_predict_is_422_naming_the_missing_feature(region_run, user_client, user):
    profile = CustomerProfileFactory(owner=user)

    response = user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    assert response.status_code == 422
    assert "'region'" in response.json()["detail"]
    assert not Prediction.objects.exists()


@pytest.mark.django_db
def test_older_profile_keeps_notes_editable_and_is_completed_by_a_put(
    region_run, user_client, user
):
    profile = CustomerProfileFactory(owner=user)

    notes = user_client.put(f"/profiles/{profile.pk}", {"notes": "called"}, format="json")
    age_only = user_client.put(f"/profiles/{profile.pk}", {"age": 40}, format="json")
    completed = user_client.put(
        f"/profiles/{profile.pk}", {"extra_features": {"region": "West"}}, format="json"
    )
    predicted = user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    assert notes.status_code == 200
    assert age_only.status_code == 400
    assert list(age_only.json()) == ["region"]
    assert completed.status_code == 200
    assert predicted.status_code == 201


@pytest.mark.django_db
def test_features_endpoint_describes_what_a_profile_must_give(region_run, user_client):
    response = user_client.get("/api/v1/profiles/features/")

    assert response.status_code == 200
    body = response.json()
    assert (body["run"], body["dataset"]) == (region_run.pk, region_run.dataset.name)
    features = {feature["name"]: feature for feature in body["features"]}
    assert set(features) == {"age", "sex", "region", "annual_income", "spending_score"}
    region = features["region"]
    assert (region["kind"], region["label"], region["required"]) == ("category", "Region", True)
    assert set(region["categories"]) == {"North", "South", "East", "West", "Central", "Coastal"}
    income = features["annual_income"]
    statistics = region_run.dataset.statistics["annual_income"]
    assert (income["kind"], income["categories"]) == ("number", [])
    assert (income["minimum"], income["maximum"]) == (statistics["min"], statistics["max"])
    assert features["sex"]["column"] == "gender"


@pytest.mark.django_db
def test_features_endpoint_is_409_while_nothing_is_published(user_client):
    response = user_client.get("/api/v1/profiles/features/")

    assert response.status_code == 409
    assert "published" in response.json()["detail"]
