"""The back office of profiles and predictions: searchable, filterable, predictions read-only."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from profiles.models import Prediction
from tests.factories import CustomerProfileFactory, PredictionFactory


@pytest.fixture
def admin_browser(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_prediction_admin_lists_with_search_and_filters(admin_browser):
    prediction = PredictionFactory(cluster=3, cluster_name="Budget Conscious")
    PredictionFactory(cluster=1, cluster_name="High Value Customers")

    page = admin_browser.get(
        "/admin/profiles/prediction/",
        {"q": "Budget", "cluster": 3, "user__id__exact": prediction.user_id},
    )

    assert page.status_code == 200
    assert page.context["cl"].result_count == 1


@pytest.mark.django_db
def test_prediction_admin_is_read_only(admin_browser, admin_user):
    prediction = PredictionFactory()
    model_admin = admin.site._registry[Prediction]
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    page = admin_browser.get(f"/admin/profiles/prediction/{prediction.pk}/change/")

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, prediction)
    assert model_admin.has_delete_permission(request, prediction)


@pytest.mark.django_db
def test_profile_admin_searches_by_name_and_owner(admin_browser):
    profile = CustomerProfileFactory(name="Zelda Quux")
    CustomerProfileFactory(name="Other Person")

    by_name = admin_browser.get("/admin/profiles/customerprofile/", {"q": "Quux"})
    by_owner = admin_browser.get("/admin/profiles/customerprofile/", {"q": profile.owner.username})

    assert by_name.context["cl"].result_count == 1
    assert by_owner.context["cl"].result_count == 1
