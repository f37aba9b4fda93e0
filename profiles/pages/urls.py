"""Profile pages (namespace `pages`, composed in config/pages/urls.py)."""

from django.urls import path

from profiles.pages import customers, predict, profiles

urlpatterns = [
    path("app/customers/", customers.customer_lookup, name="customer-lookup"),
    path("app/predict/", predict.predict_page, name="predict"),
    path("app/profiles/", profiles.profile_list_page, name="profile-list"),
    path("app/profiles/new/", profiles.profile_create_page, name="profile-create"),
    path("app/profiles/<int:pk>/edit/", profiles.profile_edit_page, name="profile-edit"),
    path("app/profiles/<int:pk>/delete/", profiles.profile_delete_page, name="profile-delete"),
    path("app/profiles/<int:pk>/segment/", profiles.profile_segment_page, name="profile-segment"),
]
