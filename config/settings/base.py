"""Settings shared by every environment. Every value comes from the environment, with safe
embedded defaults (SQLite, a filesystem Celery broker, the database cache): no other server is
needed to run the service. `dev.py`, `test.py` and `prod.py` override only what differs."""

import secrets
from datetime import timedelta
from pathlib import Path

import environ

from accounts.oauth.pkce import pkce_required

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()


def _secret_key_from_var() -> str:
    """A key generated once and kept in var/ (ignored by git), so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _secret_key_from_var()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "accounts",
    "datasets",
    "clustering",
    "profiles",
    "reports",
]

MIDDLEWARE = [
    "config.api.request_id.RequestIdMiddleware",
    # Before anything reads the path: `/x` and `/x/` name the same API route.
    "config.api.slashes.TrailingSlashMiddleware",
    "config.api.ratelimit.RateLimitHeadersMiddleware",  # X-RateLimit-* set by the throttles
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: its 404 page shows the signed-in user's navigation (config/api/errors.py).
    "config.api.errors.NotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The 004 contracts use paths without a trailing slash (/auth/login, /admin/users); API routes
# answer either spelling through config.api.slashes.TrailingSlashMiddleware, with no redirect.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # `{{ value|number }}` in every template: one way to write numbers for people.
            "builtins": ["config.pages.numbers"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a Celery worker share one file: WAL lets readers run beside a writer,
    # the busy timeout waits instead of failing, and IMMEDIATE takes the write lock at BEGIN so
    # two writers never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_TIMEOUT_S", default=20),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttles, report caches, prediction cache invalidation) ----------------------------
# Shared by every process: Redis when configured, else the database cache. Never LocMem, whose
# counters would differ per process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Skips itself (with a logged warning) while Redis is down: see config/redis_cache.py.
            "BACKEND": "config.redis_cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="seg"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # An unreachable host must not hold a request: fail fast, then skip the cache.
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT_S", default=1.0),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT_S", default=2.0),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_entries",
        }
    }

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# The one root of dataset files (uploads' Parquet copies, registered datasets, exports): a local
# folder or any fsspec URL (s3://bucket/prefix with requirements/s3.txt). Empty: MEDIA_ROOT.
DATA_URL = env.str("DATA_URL", default="")
# A Dask scheduler (tcp://host:8786) for the aggregations over large datasets; empty: Dask's
# local threads scheduler in the process that asks.
DASK_SCHEDULER_ADDRESS = env.str("DASK_SCHEDULER_ADDRESS", default="")
DASK_CONNECT_TIMEOUT_S = env.int("DASK_CONNECT_TIMEOUT_S", default=10)
# Rows of a registered Parquet dataset profiled in memory (statistics, roles, correlations);
# its row, missing-value and duplicate counts are exact whatever this is.
REGISTER_SAMPLE_ROWS = env.int("REGISTER_SAMPLE_ROWS", default=100_000)
# Parquet data with more rows (by its footers) is registered by a Celery worker (202 and a job).
REGISTER_INLINE_MAX_ROWS = env.int("REGISTER_INLINE_MAX_ROWS", default=2_000_000)
REGISTER_TIME_LIMIT_S = env.int("REGISTER_TIME_LIMIT_S", default=3600)
STORAGES = {
    "default": {"BACKEND": "config.storage.DataStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Before JWT: it takes only opaque OAuth tokens (no dots) and leaves JWTs to the next
        # class, which would otherwise reject every OAuth token as a malformed JWT.
        "accounts.oauth.authentication.ScopedOAuth2Authentication",
        "accounts.authentication.JWTAuthentication",  # simplejwt's + deactivation, token_version
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.scopes.HasRequiredScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttles.UserRateThrottle",
        "accounts.throttles.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("THROTTLE_USER", default="100/hour"),
        "anon": env.str("THROTTLE_ANON", default="100/hour"),
        "cluster_run": env.str("THROTTLE_CLUSTER_RUN", default="10/hour"),
        "export": env.str("THROTTLE_EXPORT", default="20/hour"),
        "login": env.str("THROTTLE_LOGIN", default="10/minute"),
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
    },
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "accounts.oauth.schema.ScopedAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

ACCESS_TOKEN_LIFETIME_S = env.int("ACCESS_TOKEN_LIFETIME_S", default=3600)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_TOKEN_LIFETIME_S),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env.int("REFRESH_TOKEN_LIFETIME_S", default=7 * 86400)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_REVOKE_TOKEN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- OAuth 2.0 (django-oauth-toolkit): third-party apps, the same scopes as API keys ----------
OAUTH_ACCESS_TOKEN_LIFETIME_S = env.int("OAUTH_ACCESS_TOKEN_LIFETIME_S", default=3600)
OAUTH2_PROVIDER = {
    # The scopes of accounts/scopes.py (the same as API keys'); default: the read-only ones.
    "SCOPES_BACKEND_CLASS": "accounts.oauth.scopes.AccountScopes",
    "OAUTH2_VALIDATOR_CLASS": "accounts.oauth.validators.AccountOAuth2Validator",
    "APPLICATION_ADMIN_CLASS": "accounts.oauth.admin.ApplicationAdmin",
    "ACCESS_TOKEN_EXPIRE_SECONDS": OAUTH_ACCESS_TOKEN_LIFETIME_S,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_LIFETIME_S", default=30 * 86400),
    # Long enough to finish a redirect, short enough that a leaked code is useless (RFC 6749
    # 4.1.2 recommends at most 10 minutes).
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": env.int("OAUTH_CODE_LIFETIME_S", default=120),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed refresh token revokes its whole family
    "PKCE_REQUIRED": pkce_required,  # public clients must send S256; confidential ones may
    "ALLOW_URI_WILDCARDS": False,  # exact redirect URI matching
    # https only by default (RFC 9700 2.1); local clients on http://127.0.0.1 (Swagger UI in
    # development) need OAUTH_REDIRECT_URI_SCHEMES=https,http.
    "ALLOWED_REDIRECT_URI_SCHEMES": env.list("OAUTH_REDIRECT_URI_SCHEMES", default=["https"]),
    "REQUEST_APPROVAL_PROMPT": "force",  # always show the consent page
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only, never "plain"
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # never a token in the query string
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # only SHA-256 checksums of tokens are stored
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Customer Segmentation API",
    "DESCRIPTION": "Upload customer tables, cluster them into named segments, publish a "
    "segmentation, then predict, look up, report and export.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/(v1/)?",
    # Documents the 400/401/403/404/429 answers of every operation (after the enum hook).
    "POSTPROCESSING_HOOKS": ["config.api.schema.add_error_responses"],
    # Enums of generic field names (two models' `status`, a column's `kind`), named by owner.
    "ENUM_NAME_OVERRIDES": {
        "ExportStatusEnum": "reports.models.Export.Status",
        "RunStatusEnum": "clustering.models.ClusteringRun.Status",
        "ColumnKindEnum": "datasets.api.serializers.COLUMN_KINDS",
        "JobStatusEnum": "clustering.api.views.external.JOB_STATUSES",
        "DriftStatusEnum": "clustering.engine.drift.STATUSES",
        "BackgroundJobStatusEnum": "clustering.models.DriftCheck.Status",  # and customer tables
    },
    # Swagger UI logs in with a JWT, an API key or OAuth 2.0 (authorization code + PKCE).
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "SWAGGER_UI_OAUTH2_CONFIG": {"usePkceWithAuthorizationCodeGrant": True},
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])

# --- Celery -------------------------------------------------------------------------------------
# Job state lives in our own models; Celery only carries ids. The embedded default broker is
# kombu's filesystem transport under var/, so a real worker runs with no server at all.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Broadcast/control messages (worker pings, remote control); default is ./control.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_S", default=7200)}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
RUN_TIME_LIMIT_S = env.int("RUN_TIME_LIMIT_S", default=3600)
# A running job touches its row every RUN_HEARTBEAT_INTERVAL_S; a run silent for
# RUN_HEARTBEAT_STALE_S is failed by the sweep (its worker died), checked every
# RUN_STALE_SWEEP_INTERVAL_S by Celery beat.
RUN_HEARTBEAT_INTERVAL_S = env.float("RUN_HEARTBEAT_INTERVAL_S", default=15.0)
RUN_HEARTBEAT_STALE_S = env.float("RUN_HEARTBEAT_STALE_S", default=120.0)
CELERY_BEAT_SCHEDULE: dict = {
    "clustering-runs-fail-stale": {
        "task": "clustering.tasks.runs_fail_stale_task",
        "schedule": env.float("RUN_STALE_SWEEP_INTERVAL_S", default=60.0),
    },
    "datasets-jobs-fail-stale": {
        "task": "datasets.tasks.dataset_jobs_fail_stale_task",
        "schedule": env.float("RUN_STALE_SWEEP_INTERVAL_S", default=60.0),
    },
}

# --- Product limits -----------------------------------------------------------------------------
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_DATASET_ROWS = env.int("MAX_DATASET_ROWS", default=2_000_000)
# With DASK_SCHEDULER_ADDRESS set, runs on datasets above this many rows are K-Means on the Dask
# cluster (clustering.engine.distributed); other algorithms stop at MAX_DATASET_ROWS.
DISTRIBUTED_MIN_ROWS = env.int("DISTRIBUTED_MIN_ROWS", default=2_000_000)
MAX_DATASET_COLUMNS = env.int("MAX_DATASET_COLUMNS", default=500)
PARSE_TIME_LIMIT_S = env.int("PARSE_TIME_LIMIT_S", default=300)
SYNC_CLUSTER_MAX_ROWS = env.int("SYNC_CLUSTER_MAX_ROWS", default=50_000)
MAX_ACTIVE_RUNS_PER_USER = env.int("MAX_ACTIVE_RUNS_PER_USER", default=3)
PREDICT_BATCH_MAX_ROWS = env.int("PREDICT_BATCH_MAX_ROWS", default=1000)
EXPORT_TTL_S = env.int("EXPORT_TTL_S", default=86400)
# Exports of runs above this many rows are built by a Celery worker instead of the request.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=50_000)
EXPORT_TIME_LIMIT_S = env.int("EXPORT_TIME_LIMIT_S", default=1800)
# Purchase logs above this many lines become a customer table on a Celery worker, not in the
# request (datasets.services.customer_table_create).
CUSTOMER_TABLE_INLINE_MAX_ROWS = env.int("CUSTOMER_TABLE_INLINE_MAX_ROWS", default=200_000)
CUSTOMER_TABLE_TIME_LIMIT_S = env.int("CUSTOMER_TABLE_TIME_LIMIT_S", default=1800)
# Run comparisons (lineage) of runs above this many customers are computed by a Celery worker.
LINEAGE_INLINE_MAX_ROWS = env.int("LINEAGE_INLINE_MAX_ROWS", default=200_000)
LINEAGE_TIME_LIMIT_S = env.int("LINEAGE_TIME_LIMIT_S", default=1800)

# Drift of uploads above this many rows against the published run is computed by a Celery
# worker started after the upload (clustering.services.drift), not in the request.
DRIFT_INLINE_MAX_ROWS = env.int("DRIFT_INLINE_MAX_ROWS", default=200_000)
DRIFT_TIME_LIMIT_S = env.int("DRIFT_TIME_LIMIT_S", default=1800)
EXPORT_PURGE_INTERVAL_S = env.float("EXPORT_PURGE_INTERVAL_S", default=3600.0)
CELERY_BEAT_SCHEDULE["reports-exports-purge-expired"] = {
    "task": "reports.tasks.exports_purge_expired_task",
    "schedule": EXPORT_PURGE_INTERVAL_S,
}
# Segment report brackets and tiers over the defaults of reports/segments.py, as JSON, e.g.
# {"age_groups": [[25, "18-25"], [null, "26+"]], "clv_tiers": [["Platinum", 0.9], ["Gold", 0.7]]}
REPORT_SEGMENT_RULES = env.json("REPORT_SEGMENT_RULES", default={})
REPORT_CACHE_TTL_S = env.int("REPORT_CACHE_TTL_S", default=86400)

# --- Logging: every line carries the request id --------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.api.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
