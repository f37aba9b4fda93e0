"""Test settings: the same stack as production, with a fast password hasher.

The SQLite test database is a file (not :memory:) so a real Celery worker started by the tests
can open the same database as the test process."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in prod

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
# A Celery worker started by the tests is not under pytest: it is told the test database's name
# (SQLite file or PostgreSQL database) through TEST_DATABASE_NAME and opens that one.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["NAME"] = env.str("TEST_DATABASE_NAME")

# Queue files apart from `make run`'s: a service running from the same checkout must never
# take the tests' jobs (nor the tests its own).
if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        **{
            key: str(VAR_DIR / "test_broker" / folder)
            for key, folder in (
                ("data_folder_in", "queue"),
                ("data_folder_out", "queue"),
                ("processed_folder", "processed"),
                ("control_folder", "control"),
            )
        },
    }
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "test_broker" / _folder).mkdir(parents=True, exist_ok=True)

MEDIA_ROOT = VAR_DIR / "test_media"
DATA_URL = ""  # the data root follows MEDIA_ROOT, which each test points at its own folder
STORAGES = {
    "default": {"BACKEND": "config.storage.DataStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that exercise throttles set their own rates; the rest must not trip them.
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    **{
        key: env.str(f"TEST_THROTTLE_{key.upper()}", default="100000/hour")
        for key in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}
