"""Back office for clustering runs. Runs are made by the API only; here they are read, published,
cancelled or swept, through the same services as the API, so every rule lives in one place."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import DomainError

from .models import Cluster, ClusteringRun, DriftCheck, RunComparison
from .services import run_cancel, run_publish, runs_fail_stale


class ClusterInline(admin.TabularInline):
    model = Cluster
    fields = ["label", "name", "name_edited", "size", "percentage", "summary"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ClusteringRun)
class ClusteringRunAdmin(admin.ModelAdmin):
    list_display = [
        "id", "dataset", "created_by", "algorithm", "status", "progress", "stage",
        "is_published", "created_at", "finished_at",
    ]  # fmt: skip
    list_filter = ["status", "algorithm", "is_published"]
    search_fields = ["dataset__name", "created_by__username", "error"]
    list_select_related = ["dataset", "created_by"]
    date_hierarchy = "created_at"
    inlines = [ClusterInline]
    actions = ["publish", "cancel", "sweep_stale"]
    exclude = ["model_artifact"]  # arrays of the fitted model: large and unreadable here

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [
            field.name for field in ClusteringRun._meta.fields if field.name != "model_artifact"
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Publish the selected run (one at a time)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ClusteringRun]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one run to publish.", messages.ERROR)
            return
        try:
            run = run_publish(run=queryset.get(), user=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"Run {run.pk} is now published.", messages.SUCCESS)

    @admin.action(description="Cancel the selected runs")
    def cancel(self, request: HttpRequest, queryset: QuerySet[ClusteringRun]) -> None:
        for run in queryset:
            try:
                run_cancel(run=run)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, f"Run {run.pk}: cancel requested.", messages.SUCCESS)

    @admin.action(description="Fail runs whose worker stopped responding (any selection)")
    def sweep_stale(self, request: HttpRequest, queryset: QuerySet[ClusteringRun]) -> None:
        ended = runs_fail_stale()
        self.message_user(request, f"{ended} stale run(s) ended.", messages.SUCCESS)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "label", "name", "size", "percentage"]
    list_select_related = ["run"]
    search_fields = ["name", "summary"]
    list_filter = ["run__algorithm"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in Cluster._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DriftCheck)
class DriftCheckAdmin(admin.ModelAdmin):
    """Drift jobs of large uploads: read-only; asking for the drift again retries a failed one."""

    list_display = ["id", "dataset", "run", "status", "progress", "created_at", "finished_at"]
    list_select_related = ["dataset", "run"]
    list_filter = ["status"]
    raw_id_fields = ["dataset", "run"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in DriftCheck._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RunComparison)
class RunComparisonAdmin(admin.ModelAdmin):
    """Comparisons of two runs (lineage): read-only; asking for the comparison again restarts an
    abandoned one, and deleting a run deletes its comparisons with their movers files."""

    list_display = ["id", "old_run", "new_run", "status", "progress", "created_at", "finished_at"]
    list_select_related = ["old_run", "new_run"]
    list_filter = ["status"]
    raw_id_fields = ["old_run", "new_run", "requested_by"]
    exclude = ["result"]  # the whole comparison as JSON: read it through the API

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in RunComparison._meta.fields if field.name != "result"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
