from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "profiles"

    def ready(self) -> None:
        # A publish in this process drops its compiled models at once; other processes see the
        # bumped `published-run-version` on their next prediction.
        from clustering.signals import run_published

        from .predictor.cache import process_cache_clear

        run_published.connect(process_cache_clear, dispatch_uid="profiles-predictor-cache")
