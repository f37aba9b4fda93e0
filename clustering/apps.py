from django.apps import AppConfig


class ClusteringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clustering"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from datasets.signals import dataset_uploaded

        from . import checks  # noqa: F401 - registers the job settings check
        from .models import RunComparison
        from .services.drift import drift_after_upload
        from .services.lineage import movers_file_delete

        post_delete.connect(movers_file_delete, sender=RunComparison, dispatch_uid="movers-file")
        # A large upload gets its drift against the published run measured by a worker.
        dataset_uploaded.connect(drift_after_upload, dispatch_uid="clustering-drift-after-upload")
