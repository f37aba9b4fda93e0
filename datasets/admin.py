"""Back office for datasets (read-mostly: name editable, deletion through the service), their
customers (read-only: they are the uploaded file's rows), the customer-table jobs and the
registration jobs (read-only)."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from config.errors import Gone

from .models import CurrentDataset, Customer, CustomerTableJob, Dataset, RegistrationJob
from .selectors import customer_attributes
from .services import dataset_delete


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "n_rows",
        "n_columns",
        "missing_cells",
        "duplicate_rows",
        "warning_count",
        "created_at",
    ]
    list_filter = ["created_at", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "original_filename", "sha256", "owner__username"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    fields = [
        "name",
        "owner",
        "original_filename",
        "n_rows",
        "n_columns",
        "size_bytes",
        "sha256",
        "parquet_file",
        "created_at",
        "quality_summary",
        "columns_table",
    ]
    readonly_fields = [f for f in fields if f != "name"]
    actions = ["delete_with_customers"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dataset]:
        return super().get_queryset(request).defer("statistics", "correlation")

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the service deletes millions of rows in bulk
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # datasets come from uploads, which parse and profile them

    @admin.display(description="missing cells")
    def missing_cells(self, dataset: Dataset) -> int:
        return (dataset.quality_report or {}).get("total_missing", 0)

    @admin.display(description="duplicate rows")
    def duplicate_rows(self, dataset: Dataset) -> int:
        return (dataset.quality_report or {}).get("duplicate_rows", 0)

    @admin.display(description="warnings")
    def warning_count(self, dataset: Dataset) -> int:
        return len((dataset.quality_report or {}).get("warnings", []))

    @admin.display(description="quality")
    def quality_summary(self, dataset: Dataset) -> str:
        report = dataset.quality_report or {}
        warnings = report.get("warnings", [])
        items = format_html_join("", "<li>{}</li>", ((w,) for w in warnings))
        return format_html(
            "{} rows, {} columns ({} numeric, {} categorical), {} duplicate rows, {} missing "
            "cells, {} MB in memory.<ul>{}</ul>",
            report.get("total_rows", 0),
            report.get("total_columns", 0),
            report.get("numeric_columns", 0),
            report.get("categorical_columns", 0),
            report.get("duplicate_rows", 0),
            report.get("total_missing", 0),
            report.get("memory_usage_mb", 0),
            items or "No warnings.",
        )

    @admin.display(description="columns")
    def columns_table(self, dataset: Dataset) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (c["name"], c["kind"], c["dtype"], c.get("role") or "", c.get("missing", 0))
                for c in dataset.schema
            ),
        )
        return format_html(
            "<table><tr><th>name</th><th>kind</th><th>dtype</th><th>role</th><th>missing</th>"
            "</tr>{}</table>",
            rows,
        )

    def delete_model(self, request: HttpRequest, obj: Dataset) -> None:
        dataset_delete(dataset=obj)

    @admin.action(description="Delete selected datasets with their customers and runs")
    def delete_with_customers(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        count = 0
        for dataset in queryset:
            dataset_delete(dataset=dataset)
            count += 1
        self.message_user(request, f"Deleted {count} datasets.", messages.SUCCESS)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "dataset", "row_number"]
    search_fields = ["=external_id"]  # exact: served by the (dataset, external_id) index
    list_select_related = ["dataset"]
    raw_id_fields = ["dataset"]
    readonly_fields = ["dataset", "external_id", "row_number", "attributes"]
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is too slow
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    @admin.display(description="attributes")
    def attributes(self, obj: Customer) -> str:
        """The row's values from the dataset's Parquet copy, as JSON text (escaped by the admin)."""
        try:
            values = customer_attributes(dataset=obj.dataset, row_numbers=[obj.row_number])
        except Gone as exc:
            return exc.message
        return json.dumps(values.get(obj.row_number, {}), ensure_ascii=False, indent=2)


@admin.register(CurrentDataset)
class CurrentDatasetAdmin(admin.ModelAdmin):
    list_display = ["user", "dataset", "updated_at"]
    raw_id_fields = ["user", "dataset"]
    list_select_related = ["user", "dataset"]


@admin.register(CustomerTableJob)
class CustomerTableJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are started from a purchase log's page or API and ended by their worker or
    by the stale sweep."""

    list_display = ["pk", "owner", "source", "status", "progress", "stage", "created_at", "result"]
    list_filter = ["status", "created_at"]
    search_fields = ["owner__username", "source__name", "error"]
    list_select_related = ["owner", "source", "result"]
    readonly_fields = [field.name for field in CustomerTableJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: CustomerTableJob | None = None
    ) -> bool:
        return False


@admin.register(RegistrationJob)
class RegistrationJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are started by registering large Parquet data and ended by their worker
    or by the stale sweep."""

    list_display = ["pk", "owner", "url", "n_rows", "status", "progress", "stage", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["owner__username", "url", "error"]
    list_select_related = ["owner", "result"]
    readonly_fields = [field.name for field in RegistrationJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RegistrationJob | None = None
    ) -> bool:
        return False
