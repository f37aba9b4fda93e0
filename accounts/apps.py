from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        # Audit receivers (token issued, key created, ...) connect on import: in every process,
        # not only those that happened to load the URLconf (shell, Celery worker).
        from .oauth import audit  # noqa: F401
