"""Clustering pages (namespace `pages`, composed in config/pages/urls.py)."""

from django.urls import path, re_path

from clustering.pages import choose_k, runs

urlpatterns = [
    path("app/datasets/<int:pk>/choose-k/", choose_k.choose_k_page, name="dataset-choose-k"),
    path("app/datasets/<int:dataset_pk>/runs/new/", runs.run_create_page, name="run-create"),
    path("app/runs/<int:pk>/", runs.run_detail, name="run-detail"),
    path("app/runs/<int:pk>/progress.json", runs.run_progress, name="run-progress"),
    path("app/runs/<int:pk>/publish/", runs.run_publish_page, name="run-publish"),
    re_path(  # -1 is DBSCAN's noise group
        r"^app/runs/(?P<pk>[0-9]+)/clusters/(?P<label>-?[0-9]+)/rename/$",
        runs.run_cluster_rename_page,
        name="run-cluster-rename",
    ),
    path("app/runs/<int:pk>/cancel/", runs.run_cancel_page, name="run-cancel"),
    path("app/runs/<int:pk>/dendrogram.png", runs.run_dendrogram, name="run-dendrogram"),
]
