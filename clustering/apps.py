from django.apps import AppConfig


class ClusteringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clustering"

    def ready(self) -> None:
        from datasets.signals import dataset_uploaded

        from . import checks  # noqa: F401 - registers the job settings check
        from .services.drift import drift_after_upload

        # A large upload gets its drift against the published run measured by a worker.
        dataset_uploaded.connect(drift_after_upload, dispatch_uid="clustering-drift-after-upload")
