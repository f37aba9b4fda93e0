"""Dataset pages (namespace `pages`, composed in config/pages/urls.py)."""

from django.urls import path

from datasets.pages import datasets

urlpatterns = [
    path("app/datasets/", datasets.dataset_list_page, name="dataset-list"),
    path("app/datasets/<int:pk>/", datasets.dataset_detail_page, name="dataset-detail"),
    path(
        "app/datasets/<int:pk>/customer-table/",
        datasets.dataset_customer_table_page,
        name="dataset-customer-table",
    ),
]
