from django.apps import AppConfig


class ClusteringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clustering"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from . import checks  # noqa: F401 - registers the job settings check
        from .models import RunComparison
        from .services.lineage import movers_file_delete

        post_delete.connect(movers_file_delete, sender=RunComparison, dispatch_uid="movers-file")
