"""chatcore settings: one module, every value from the environment (12-factor).

Defaults are safe for development on one machine: with no ``DATABASE_URL`` an embedded
PostgreSQL is started under ``CHATCORE_DATA_DIR`` (docs/architecture.md#database), and a
``SECRET_KEY`` is generated once and kept there. Production sets ``DATABASE_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS``.
"""

import secrets
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from chatcore.db import embedded_database_url, parse_database_url
from chatcore.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CHATCORE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED_DATABASE = not DATABASE_URL


def _secret_key() -> str:
    """A configured key, or (development only) one generated once and kept under DATA_DIR."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    if not (DEBUG or EMBEDDED_DATABASE):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DATABASE_URL is set and DEBUG is off"
        )
    path = DATA_DIR / "secret_key"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused cookie-authenticated write answers JSON on /api/ (docs/api-behaviour.md#hostile-input).
CSRF_FAILURE_VIEW = "chatcore.errors.json_csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "haystack",
    "chatcore",
    "convos_app",
    "messages_app",
    "tags_app",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "chatcore.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
        },
    },
]

# --- Database (docs/architecture.md#database) -----------------------------------------------------
DB_NAME = env_str("CHATCORE_DB_NAME", "chatcore")
# How often `manage.py serve` checks the embedded PostgreSQL is alive (chatcore.db_supervision).
CHATCORE_DB_SUPERVISE_SECONDS = float(env_str("CHATCORE_DB_SUPERVISE_SECONDS", "2"))
DATABASES = {
    "default": parse_database_url(DATABASE_URL or embedded_database_url(DATA_DIR, DB_NAME))
}
DATABASES["default"].update(
    {
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # chatcore's backend checks a persistent connection only after it sat idle this long,
        # not before every request (chatcore/postgres/base.py).
        "ENGINE": "chatcore.postgres",
        "HEALTH_CHECK_IDLE_SECONDS": env_int("DB_HEALTH_CHECK_IDLE_SECONDS", 10),
        # Follows CHATCORE_DB_NAME, so two checkouts or runs with their own names never share
        # a test database.
        "TEST": {"NAME": env_str("CHATCORE_TEST_DB", f"test_{DB_NAME}")},
    }
)
DATABASES["default"]["OPTIONS"].setdefault(
    "options", f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 30000)}"
)


# --- Scale-out: read replicas, PgBouncer, shared cache (README "Production") ---------------------
def _behind_pgbouncer(database: dict) -> None:
    """PgBouncer in transaction pooling mode hands each transaction any server connection:
    no server-side cursors, and no ``options`` startup parameter (PgBouncer refuses it), so the
    statement timeout is set on the role instead (``ALTER ROLE ... SET statement_timeout``)."""
    database["DISABLE_SERVER_SIDE_CURSORS"] = True
    database["OPTIONS"].pop("options", None)


def _replica_databases(primary: dict, urls: list[str]) -> dict[str, dict]:
    """``replica_0``, ``replica_1``, ... with the primary's connection settings; a test run
    mirrors them onto the primary's test database (chatcore/replicas.py routes the reads)."""
    replicas = {}
    for index, url in enumerate(urls):
        entry = {**primary, **parse_database_url(url)}
        entry["OPTIONS"] = {
            **primary["OPTIONS"],
            "application_name": "chatcore-replica",
            "connect_timeout": "3",
            **entry["OPTIONS"],
        }
        entry["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{index}"] = entry
    return replicas


def _cache(url: str) -> dict:
    """The cache every worker and web host shares (throttles, title state, token checks):
    ``CACHE_URL=redis://...`` is Redis; unset, the database (created by createcachetable)."""
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "chatcore_cache",
        }
    if url.split("://", 1)[0] not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "chatcore"),
        "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
    }


# Replicas are reached directly (not through PgBouncer): they keep the startup options.
DATABASES.update(_replica_databases(DATABASES["default"], env_list("DATABASE_REPLICA_URLS")))
if env_bool("DB_PGBOUNCER", False):
    _behind_pgbouncer(DATABASES["default"])
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["chatcore.replicas.PrimaryReplicaRouter"]
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 30)
CACHES = {"default": _cache(env_str("CACHE_URL"))}
# --- end of scale-out -----------------------------------------------------------------------------

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# The bearer check keeps user rows in the shared cache when that cache is not the database nor
# per-process (auto), or always (on) / never (off): chatcore/auth/authentication.py.
AUTH_USER_CACHE = env_str("AUTH_USER_CACHE", "auto")
REFRESH_COOKIE_NAME = "refreshToken"
REFRESH_COOKIE_SECURE = env_bool("REFRESH_COOKIE_SECURE", not DEBUG and not EMBEDDED_DATABASE)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, with the user row cached (chatcore/auth/authentication.py) and a distinct
        # 401 code per failure (docs/api-behaviour.md#token-errors)
        "chatcore.auth.authentication.CachedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["chatcore.renderers.OrjsonRenderer"],
    # One rule on /api/: JSON bodies only; import alone parses multipart (its view says so).
    "DEFAULT_PARSER_CLASSES": ["chatcore.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "chatcore.schema.ApiAutoSchema",  # lists are page objects
    "EXCEPTION_HANDLER": "chatcore.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "chatcore.metadata.ApiMetadata",  # OPTIONS without serializers
    # Client IP for per-IP limits: REMOTE_ADDR unless told how many proxies stand in front.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}


# --- Rate limits (chatcore.throttles) -------------------------------------------------------------
# Every limit has one shape: {kind: (max requests, window in seconds)}; a max of 0 disables it.
def _rate(name: str, default: str) -> tuple[int, int]:
    """``"7/min"``-style env values (DRF's notation: s, m, h or d by the first letter)."""
    count, _, period = env_str(name, default).partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or seconds is None:
        raise ImproperlyConfigured(f"{name} must look like 7/min, 5/hour or 60/s")
    return int(count), seconds


# Per client IP; logout shares login's budget.
AUTH_RATES = {
    "login": _rate("LOGIN_RATE", "7/min"),
    "register": _rate("REGISTER_RATE", "5/hour"),
    "refresh": _rate("REFRESH_RATE", "60/min"),
}
# Fork and duplicate share one budget, per user and per client IP (env windows in minutes, as in
# LibreChat).
CONVERSATION_FORK_RATES = {
    "user": (env_int("FORK_USER_MAX", 7), env_int("FORK_USER_WINDOW", 1) * 60),
    "ip": (env_int("FORK_IP_MAX", 30), env_int("FORK_IP_WINDOW", 1) * 60),
}
# Imports, per user and per client IP (env windows in minutes).
CONVERSATION_IMPORT_RATES = {
    "user": (env_int("IMPORT_USER_MAX", 50), env_int("IMPORT_USER_WINDOW", 15) * 60),
    "ip": (env_int("IMPORT_IP_MAX", 100), env_int("IMPORT_IP_WINDOW", 15) * 60),
}
# Publishing and re-publishing shared links, per user and per client IP (env windows in minutes).
SHARE_PUBLISH_RATES = {
    "user": (env_int("SHARE_USER_MAX", 30), env_int("SHARE_USER_WINDOW", 1) * 60),
    "ip": (env_int("SHARE_IP_MAX", 100), env_int("SHARE_IP_WINDOW", 1) * 60),
}

# --- Limits (docs/api-behaviour.md#input-limits) --------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 8 * 1024 * 1024)
CHATCORE_MAX_TEXT_CHARS = env_int("CHATCORE_MAX_TEXT_CHARS", 2 * 1024 * 1024)
CHATCORE_MAX_JSON_DEPTH = env_int("CHATCORE_MAX_JSON_DEPTH", 100)

# --- Shared links (docs/api-behaviour.md#shared-links) --------------------------------------------
SHARE_ENABLED = env_bool("SHARE_ENABLED", True)
# Off by default: reading a share needs a login unless this is on.
SHARE_PUBLIC = env_bool("SHARE_PUBLIC", False)

# --- Search (docs/architecture.md#search-engine) --------------------------------------------------
# Default: chatcore's PostgreSQL full-text backend, indexed inside each write's transaction.
# SEARCH_ENGINE=opensearch switches to django-haystack-opensearch with after-commit updates.
SEARCH_ENGINE = env_str("SEARCH_ENGINE", "postgres")
if SEARCH_ENGINE == "opensearch":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "django_haystack_opensearch.haystack.OpenSearchSearchEngine",
            "URL": env_str("OPENSEARCH_URL", "http://127.0.0.1:9200"),
            "INDEX_NAME": env_str("OPENSEARCH_INDEX", "chatcore"),
            "TIMEOUT": env_int("OPENSEARCH_TIMEOUT", 10),
            "SILENTLY_FAIL": False,
        },
    }
elif SEARCH_ENGINE == "postgres":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "chatcore.search.backend.PostgresSearchEngine",
            "CONFIG": env_str("SEARCH_PG_CONFIG", "simple"),
            "MAX_TEXT_CHARS": env_int("SEARCH_MAX_TEXT_CHARS", 100_000),
            "RANK_CANDIDATES": env_int("SEARCH_RANK_CANDIDATES", 2000),
            "BATCH_SIZE": env_int("SEARCH_BATCH_SIZE", 2000),
        },
    }
else:
    raise ImproperlyConfigured("SEARCH_ENGINE must be 'postgres' or 'opensearch'")
HAYSTACK_SIGNAL_PROCESSOR = "chatcore.search.signals.TransactionalSignalProcessor"
SEARCH_QUERY_MAX_CHARS = env_int("SEARCH_QUERY_MAX_CHARS", 512)

# --- OpenAPI (docs/architecture.md#openapi-schema) ------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "chatcore API",
    "DESCRIPTION": "Chat history: conversations, message trees, content parts, feedback, tags.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Views validate PATCH bodies whole (chatcore.serializers.validated, never partial), so a
    # PATCH body has the same required keys as its serializer, not drf-spectacular's "none".
    "COMPONENT_SPLIT_PATCH": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Choice sets that share a field name ("status") get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "chatcore.jobs.models.JobStatus",
        "BulkItemStatusEnum": "convos_app.services.bulk.ITEM_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chatcore.schema.state_text_rules",  # no NUL in any free-text string
        "chatcore.schema.state_empty_query_values",  # ?sortBy= means "not given"
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
    },
}

# --- Static files, i18n -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security headers -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Settable so `check --deploy` can be clean (security.W005, W021); off until the operator knows
# every subdomain serves HTTPS (and, for preload, has asked for the browsers' preload list).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# --- Conversations: titles ------------------------------------------------------------------
# Dotted path of the title generator (AI_TITLE_MODEL switches it to chatcore.ai.titles.ai_title).
CONVERSATION_TITLE_GENERATOR = env_str(
    "CONVERSATION_TITLE_GENERATOR", "convos_app.services.titles.extractive_title"
)
# An AI title model runs as a background job after the reply commits (inline under tests);
# the offline titler always runs right after the commit.
CONVERSATION_TITLE_BACKGROUND = env_bool("CONVERSATION_TITLE_BACKGROUND", not TESTING)
CONVERSATION_TITLE_PENDING_SECONDS = env_int("CONVERSATION_TITLE_PENDING_SECONDS", 120)
# gen_title waits only while a title is pending: LibreChat's back-off, ~15.5 s at most.
GEN_TITLE_BACKOFF_MS = [
    int(ms) for ms in env_list("GEN_TITLE_BACKOFF_MS", ["500", "1000", "2000", "4000", "8000"])
]

# --- Import and export (docs/api-behaviour.md#import-limits) --------------------------------------
# Largest accepted import file (LibreChat v0.8 default: 250 MiB); past it -> 413 JSON.
CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES = env_int(
    "CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES", 1_073_741_824
)
# Parse bounds of every import (docs/api-behaviour.md#import-parse-bounds): the longest string
# (or other token) a file may hold, and how deep LibreChat's children trees may nest.
CHATCORE_IMPORT_MAX_STRING_BYTES = env_int("CHATCORE_IMPORT_MAX_STRING_BYTES", 16 * 1024 * 1024)
CHATCORE_IMPORT_MAX_TREE_DEPTH = env_int("CHATCORE_IMPORT_MAX_TREE_DEPTH", 20_000)
# POST /api/convos/import stops (413, nothing written) after this many seconds.
CONVERSATION_IMPORT_SYNC_SECONDS = env_int("CONVERSATION_IMPORT_SYNC_SECONDS", 60)
# Uploads above this many bytes go to a temporary file instead of memory (Django's default).
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# --- end of import and export --------------------------------------------------------------------

# --- AI providers and chat replies (docs/architecture.md#ai-providers) ----------------------------
# An endpoint exists only when configured; "echo" (offline) is a model clients choose by name.
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
OPENAI_MODELS = env_list(
    "OPENAI_MODELS", ["gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o", "gpt-4o-mini"]
)
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL")
ANTHROPIC_MODELS = env_list(
    "ANTHROPIC_MODELS", ["claude-sonnet-4-6", "claude-opus-4-5", "claude-haiku-4-5"]
)
# JSON file of OpenAI-compatible endpoints (Ollama, vLLM, llama.cpp, OpenRouter); see README.
AI_CUSTOM_ENDPOINTS_FILE = env_str("AI_CUSTOM_ENDPOINTS_FILE")
AI_ECHO_MODEL = env_bool("AI_ECHO_MODEL", True)
AI_TIMEOUT_SECONDS = float(env_str("AI_TIMEOUT_SECONDS", "60"))
AI_MAX_RETRIES = env_int("AI_MAX_RETRIES", 2)
AI_DEFAULT_CONTEXT_WINDOW = env_int("AI_DEFAULT_CONTEXT_WINDOW", 8192)
AI_DEFAULT_MAX_OUTPUT_TOKENS = env_int("AI_DEFAULT_MAX_OUTPUT_TOKENS", 4096)
AI_PRICES_FILE = env_str("AI_PRICES_FILE")  # empty: chatcore/data/prices.json
# Short, cheap model for conversation titles; empty: the offline extractive titler only.
AI_TITLE_MODEL = env_str("AI_TITLE_MODEL")
if AI_TITLE_MODEL and not env_str("CONVERSATION_TITLE_GENERATOR"):
    # A configured title model is used; any failure still falls back to the offline titler.
    CONVERSATION_TITLE_GENERATOR = "chatcore.ai.titles.ai_title"
# --- end of AI providers and chat replies ------------------------------------------------------

# --- Memories (docs/api-behaviour.md#memories) ---------------------------------------------------
# Tokens all of a user's memory values may hold together (0: no limit); a write past it -> 400.
MEMORY_TOKEN_LIMIT = env_int("MEMORY_TOKEN_LIMIT", 10_000)
# Longest memory value, in characters.
MEMORY_VALUE_MAX_CHARS = env_int("MEMORY_VALUE_MAX_CHARS", 10_000)
# Share (percent) of a reply's free context window that saved memories may take.
MEMORY_CONTEXT_SHARE_PERCENT = env_int("MEMORY_CONTEXT_SHARE_PERCENT", 25)
# --- end of memories -----------------------------------------------------------------------------
# --- Account self-service: email, password reset (docs/api-behaviour.md#password-reset) ---------
# Console by default (the reset mail is printed by the server), a directory of .eml files with
# EMAIL_FILE_PATH, SMTP when EMAIL_HOST is set; EMAIL_BACKEND overrides the choice.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
    if EMAIL_FILE_PATH
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "chatcore <no-reply@localhost>")
# How long a reset link works (Django's token generator), in seconds.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
# The link mailed to the user; {userId} and {token} are filled in. A relative link is made
# absolute with the request's host. LibreChat's client serves /reset-password.
PASSWORD_RESET_LINK = env_str(
    "PASSWORD_RESET_LINK", "/reset-password?token={token}&userId={userId}"
)
# Per client IP: asking for reset mails, and using a reset token.
PASSWORD_RESET_RATES = {
    "request": _rate("PASSWORD_RESET_REQUEST_RATE", "5/hour"),
    "reset": _rate("PASSWORD_RESET_RATE", "10/hour"),
}
# --- end of account self-service -----------------------------------------------------------------
# --- Background jobs (docs/api-behaviour.md#jobs) ------------------------------------------------
# Django's Tasks API with the PostgreSQL (ORM) backend; `manage.py jobs_worker` runs the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Imports up to this size run inside the request (201); larger ones become a job (202).
CHATCORE_IMPORT_SYNC_MAX_BYTES = env_int("CHATCORE_IMPORT_SYNC_MAX_BYTES", 8 * 1024 * 1024)
CHATCORE_JOB_FILES_DIR = Path(env_str("CHATCORE_JOB_FILES_DIR", str(DATA_DIR / "jobs")))
# Uploads too large for memory are spooled here (0700, chatcore's own), not the system temp
# directory; an import job then hard-links the file instead of copying it.
FILE_UPLOAD_TEMP_DIR = str(CHATCORE_JOB_FILES_DIR / "incoming")
CHATCORE_JOB_HEARTBEAT_SECONDS = float(env_str("CHATCORE_JOB_HEARTBEAT_SECONDS", "2"))
# A running job with no heartbeat for this long lost its worker: retried or failed.
CHATCORE_JOB_STALE_SECONDS = float(env_str("CHATCORE_JOB_STALE_SECONDS", "60"))
CHATCORE_JOB_RETRY_BASE_SECONDS = float(env_str("CHATCORE_JOB_RETRY_BASE_SECONDS", "10"))
CHATCORE_JOB_RETRY_MAX_SECONDS = float(env_str("CHATCORE_JOB_RETRY_MAX_SECONDS", "600"))
CHATCORE_JOB_RETENTION_DAYS = env_int("CHATCORE_JOB_RETENTION_DAYS", 30)
# Files in the job directories that no job points at are removed after this grace period.
CHATCORE_JOB_FILE_GRACE_SECONDS = float(env_str("CHATCORE_JOB_FILE_GRACE_SECONDS", "3600"))
CHATCORE_JOB_MAINTENANCE_SECONDS = float(env_str("CHATCORE_JOB_MAINTENANCE_SECONDS", "300"))
CHATCORE_WORKER_POLL_SECONDS = float(env_str("CHATCORE_WORKER_POLL_SECONDS", "1"))
# How long a finished whole-account export can be downloaded.
CHATCORE_EXPORT_EXPIRY_SECONDS = env_int("CHATCORE_EXPORT_EXPIRY_SECONDS", 24 * 3600)
# --- end of background jobs ----------------------------------------------------------------------
# --- usage ledger and balances (docs/api-behaviour.md#balances) ----------------------------------
# Off by default. On: every user has LibreChat-style credits (1,000,000 = 1 USD), starting at
# BALANCE_START_CREDITS, optionally refilled by BALANCE_REFILL_AMOUNT every interval.
BALANCE_ENABLED = env_bool("BALANCE_ENABLED", False)
BALANCE_START_CREDITS = env_int("BALANCE_START_CREDITS", 20_000)
BALANCE_AUTO_REFILL = env_bool("BALANCE_AUTO_REFILL", False)
BALANCE_REFILL_INTERVAL_VALUE = env_int("BALANCE_REFILL_INTERVAL_VALUE", 30)
BALANCE_REFILL_INTERVAL_UNIT = env_str("BALANCE_REFILL_INTERVAL_UNIT", "days")
BALANCE_REFILL_AMOUNT = env_int("BALANCE_REFILL_AMOUNT", 10_000)
# --- end of usage ledger and balances ------------------------------------------------------------

# Temporary chats and retention (docs/api-behaviour.md#temporary-chats,
# docs/api-behaviour.md#retention-policies). Hours a temporary chat lives (clamped to 1..8760);
# the operator's cap on every user's deleteAfterDays (unset: no cap, and no rule for users
# without one); "all" purges by age and expiry, "temporary" only expired temporary chats.
TEMP_CHAT_RETENTION_HOURS = min(max(env_int("TEMP_CHAT_RETENTION_HOURS", 720), 1), 8760)
CHATCORE_MAX_RETENTION_DAYS = env_int("CHATCORE_MAX_RETENTION_DAYS", 0) or None
CHATCORE_RETENTION_MODE = env_str("CHATCORE_RETENTION_MODE", "all")
if CHATCORE_MAX_RETENTION_DAYS is not None and not 1 <= CHATCORE_MAX_RETENTION_DAYS <= 3650:
    # A negative cap would put the cutoff in the future and purge everything.
    raise ImproperlyConfigured("CHATCORE_MAX_RETENTION_DAYS must be unset, 0 or 1..3650")
if CHATCORE_RETENTION_MODE not in ("all", "temporary"):
    raise ImproperlyConfigured("CHATCORE_RETENTION_MODE must be 'all' or 'temporary'")
CHATCORE_PURGE_SECONDS = env_int("CHATCORE_PURGE_SECONDS", 600)
CHATCORE_PURGE_BATCH = max(env_int("CHATCORE_PURGE_BATCH", 500), 1)
