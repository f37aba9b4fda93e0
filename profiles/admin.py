"""Back office for saved profiles and the prediction history (read-only: history is a record)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import CustomerProfile, Prediction


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "sex", "age", "annual_income", "spending_score", "created_at"]
    list_filter = ["sex", "created_at", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "notes", "owner__username", "owner__email"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    """Predictions are history: they can be searched, filtered and deleted, never edited."""

    list_display = ["created_at", "user", "run", "cluster", "cluster_name", "confidence", "profile"]
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        "cluster",
        "cluster_name",
        "created_at",
    ]
    search_fields = ["user__username", "user__email", "cluster_name", "profile__name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "run",
        "profile",
        "input",
        "cluster",
        "cluster_name",
        "confidence",
        "created_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prediction]:
        # The list and the change page alike: no query per row or per related field.
        return super().get_queryset(request).select_related("user", "run", "profile")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Prediction | None = None) -> bool:
        return False
