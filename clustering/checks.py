"""System checks of the job settings: a run's time limit must stay below the broker's visibility
timeout, or Redis would hand a still-running job to a second worker."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register("clustering")
def run_time_limit_below_visibility_timeout(app_configs=None, **kwargs) -> list[CheckMessage]:
    """RUN_TIME_LIMIT_S < the Redis broker's visibility timeout (the filesystem broker has none)."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    visibility_s = options.get("visibility_timeout")
    if visibility_s is None or visibility_s > settings.RUN_TIME_LIMIT_S:
        return []
    return [
        Error(
            f"RUN_TIME_LIMIT_S ({settings.RUN_TIME_LIMIT_S}) must be below the broker's visibility "
            f"timeout ({visibility_s}): a longer job would be delivered to a second worker.",
            hint="Raise CELERY_VISIBILITY_TIMEOUT_S or lower RUN_TIME_LIMIT_S.",
            id="clustering.E001",
        )
    ]
