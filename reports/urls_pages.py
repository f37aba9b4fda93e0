"""Routes of the server-rendered pages (included after every API route in config/urls.py).

Log in, log out and the dashboard sit at the top; every other page lives under /app/, so no page
can shadow a contract path of the seed documents (/profiles/, /predict, /clusters...)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from reports.pages import assets, dashboard, datasets, exports, predict, profiles, runs, segments

app_name = "pages"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("app/assets/plotly-<str:version>.min.js", assets.plotly_js, name="plotly-js"),
    # Analysts: datasets, runs, exports
    path("app/datasets/", datasets.dataset_list_page, name="dataset-list"),
    path("app/datasets/<int:pk>/", datasets.dataset_detail_page, name="dataset-detail"),
    path("app/datasets/<int:pk>/choose-k/", datasets.choose_k_page, name="dataset-choose-k"),
    path("app/datasets/<int:dataset_pk>/runs/new/", runs.run_create_page, name="run-create"),
    path("app/runs/<int:pk>/", runs.run_detail, name="run-detail"),
    path("app/runs/<int:pk>/progress.json", runs.run_progress, name="run-progress"),
    path("app/runs/<int:pk>/publish/", runs.run_publish_page, name="run-publish"),
    path("app/runs/<int:pk>/cancel/", runs.run_cancel_page, name="run-cancel"),
    path("app/runs/<int:pk>/dendrogram.png", runs.run_dendrogram, name="run-dendrogram"),
    path("app/runs/<int:pk>/export/", exports.export_create_page, name="run-export"),
    path("app/exports/", exports.export_list_page, name="export-list"),
    path("app/exports/<uuid:pk>/download/", exports.export_download, name="export-download"),
    # Everyone: the published segmentation, predictions, profiles
    path("app/segments/", segments.segment_explorer, name="segments"),
    path("app/customers/", segments.customer_lookup, name="customer-lookup"),
    path("app/predict/", predict.predict_page, name="predict"),
    path("app/profiles/", profiles.profile_list_page, name="profile-list"),
    path("app/profiles/new/", profiles.profile_create_page, name="profile-create"),
    path("app/profiles/<int:pk>/edit/", profiles.profile_edit_page, name="profile-edit"),
    path("app/profiles/<int:pk>/delete/", profiles.profile_delete_page, name="profile-delete"),
    path("app/profiles/<int:pk>/segment/", profiles.profile_segment_page, name="profile-segment"),
]
