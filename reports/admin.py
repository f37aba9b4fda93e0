"""Back office for exports: read-only rows (files are built by the export service), with an
action that purges the expired ones through the same service as the periodic job."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Export
from .services import exports_purge_expired


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "run", "what", "format", "status", "size_bytes", "expires_at"]
    list_filter = ["status", "format", "created_at"]
    search_fields = ["id", "owner__username", "what"]
    list_select_related = ["owner", "run"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Export._meta.fields]
    actions = ["purge_expired"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Delete every expired export and its file")
    def purge_expired(self, request: HttpRequest, queryset: QuerySet[Export]) -> None:
        purged = exports_purge_expired()
        self.message_user(request, f"{purged} expired export(s) deleted.", messages.SUCCESS)
