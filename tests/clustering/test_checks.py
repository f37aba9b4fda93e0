"""The job settings check."""

from clustering.checks import run_time_limit_below_visibility_timeout


def test_check_refuses_time_limit_not_below_visibility_timeout(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    settings.RUN_TIME_LIMIT_S = 600
    errors = run_time_limit_below_visibility_timeout()
    assert [error.id for error in errors] == ["clustering.E001"]


def test_check_passes_time_limit_below_visibility_timeout(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7200}
    settings.RUN_TIME_LIMIT_S = 3600
    assert run_time_limit_below_visibility_timeout() == []
