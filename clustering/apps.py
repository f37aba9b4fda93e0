from django.apps import AppConfig


class ClusteringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clustering"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the job settings check
