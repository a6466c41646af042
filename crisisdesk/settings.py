"""CrisisDesk settings: every deployment-specific value comes from the environment.

DATABASE_URL  default: SQLite file db.sqlite3 in the project folder
REDIS_URL     unset: in-memory channel layer, filesystem Celery broker, local-memory cache
CELERY_BROKER_URL  the Celery broker (production: amqp://… RabbitMQ); default REDIS_URL
SECRET_KEY    required when DEBUG is off
DEBUG         "1"/"true" to enable (default on for the embedded run, off when DJANGO_PRODUCTION=1)
ALLOWED_HOSTS comma-separated
DB_POOL_MAX   PostgreSQL: > 0 gives each process a connection pool of that size (the ASGI
              web servers; see docs/deploy.md); DB_POOL_MIN, DB_POOL_TIMEOUT (seconds)
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_PRODUCTION=1")
    # Development only: a fixed, obviously unsafe key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-crisisdesk-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "tenants",
    "incidents",
    "playbooks",
    "templates.apps.ResponseTemplatesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage met by a view is a 503 with Retry-After (crisisdesk/core/unavailable.py;
    # handler500 answers the same for one met in a middleware).
    "crisisdesk.core.unavailable.DatabaseOutageMiddleware",
    # The client's address for the audit (crisisdesk/core/client_ip.py: TRUSTED_PROXY_COUNT).
    "crisisdesk.core.client_ip.ClientIpMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during authentication into 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: 5 failed logins for one username from one address lock it for 15 minutes.
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "tenants.security.lockout_response"
# Proxies in front of the ASGI server whose X-Forwarded-For entries are believed: 0 = none,
# the socket address is the client. One function reads it, for axes, the throttles, the audit.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "crisisdesk.core.client_ip.client_ip"

# Content-Security-Policy: no inline scripts anywhere; pages load their JS from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
}

ROOT_URLCONF = "crisisdesk.urls"
ASGI_APPLICATION = "crisisdesk.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "crisisdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # SQLite has no NULLS NOT DISTINCT: the escalation policy's one-per-scope constraint is
    # PostgreSQL's; on SQLite the service refuses a second policy of a scope itself
    # (incidents.notifications.escalation.policy_save), so the warning on every command is noise.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # The planner's cost of a random read: 4 (its default) is for spinning disks and makes it
    # walk the primary key past other tenants' rows instead of the (organisation, -id) index
    # for a tenant whose incidents are all older than others' (bench/FINDINGS.md).
    options["options"] = f"-c random_page_cost={os.environ.get('DB_RANDOM_PAGE_COST', '1.1')}"
    # DB_STATEMENT_TIMEOUT (seconds, 0 = none): PostgreSQL cancels a statement running longer
    # (a lock wait behind a stuck transaction, a runaway query), so a request ends in an error
    # instead of holding its pooled connection. The web units set it (docs/deploy.md).
    DB_STATEMENT_TIMEOUT = float(os.environ.get("DB_STATEMENT_TIMEOUT", "0"))
    if DB_STATEMENT_TIMEOUT > 0:
        options["options"] += f" -c statement_timeout={int(DB_STATEMENT_TIMEOUT * 1000)}"
    # DB_POOL_MAX > 0: a psycopg connection pool per process (the ASGI web servers). Django runs
    # each ASGI request in a thread of its own, so without a pool every request opens a
    # connection (CONN_MAX_AGE must stay 0: a persistent one would leak one per thread).
    DB_POOL_MAX = int(os.environ.get("DB_POOL_MAX", "0"))
    if DB_POOL_MAX > 0:
        if DATABASES["default"]["CONN_MAX_AGE"]:
            raise RuntimeError("DB_POOL_MAX needs DB_CONN_MAX_AGE=0: the pool keeps connections")
        options["pool"] = {
            "min_size": min(int(os.environ.get("DB_POOL_MIN", "2")), DB_POOL_MAX),
            "max_size": DB_POOL_MAX,
            # A request waits at most this long for a connection, then answers 503 with
            # Retry-After: during an outage (the pool cannot connect) and under overload
            # alike, shedding load within 2 s instead of queueing for 10-15 s.
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "1.5")),
        }
        # A pooled connection is checked when handed out (one empty round trip): after a
        # PostgreSQL restart the dead ones are dropped instead of failing their request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # Django's backend with a pool that refuses at once (503) while the database is
        # unreachable instead of making every request wait DB_POOL_TIMEOUT for its 503.
        DATABASES["default"]["ENGINE"] = "crisisdesk.core.postgresql"
    # libpq's own limit for opening a connection (a host that drops packets), in seconds.
    options["connect_timeout"] = int(os.environ.get("DB_CONNECT_TIMEOUT", "2"))
# Seconds a 503 for a database outage asks the client to wait (Retry-After).
DB_OUTAGE_RETRY_AFTER = int(os.environ.get("DB_OUTAGE_RETRY_AFTER", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "crisisdesk" / "static"]
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get(
                "CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {
                # redis-py 8 times reads out after 5 s by default, the very 5 s RedisChannelLayer
                # blocks in BZPOPMIN waiting for a message: every idle consumer crashed and its
                # WebSocket closed after ~5 s. A longer timeout still notices a dead Redis.
                # A pooled connection that died with a Redis restart is retried on a fresh one
                # instead of failing the first command after the outage.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 2,
                        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
                        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
                    }
                ],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "crisisdesk"),
                "capacity": 1000,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "crisisdesk.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "crisisdesk"),
            # Fail fast when Redis is down: the cache is allowed to be missing.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: CELERY_BROKER_URL when set (production: RabbitMQ, amqp://…; docs/deploy.md says
# why), else Redis when configured; otherwise kombu's filesystem transport, an embedded broker
# that lets the web process, the worker and beat talk through a folder with no server.
CELERY_BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", BASE_DIR / "var" / "broker"))
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://")):
    # Durable queues and persistent messages are Celery's defaults on AMQP; publisher
    # confirms make a publish return only once RabbitMQ has the message. An unacknowledged
    # message (task_acks_late) goes back to the queue as soon as its worker's connection
    # closes: a killed worker's task is redelivered at once, not after a visibility timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"confirm_publish": True}
    CELERY_TASK_DEFAULT_DELIVERY_MODE = "persistent"
elif CELERY_BROKER_URL or REDIS_URL:
    CELERY_BROKER_URL = CELERY_BROKER_URL or REDIS_URL
    # Redis has no acknowledgement on connection loss: a message a worker took and did not
    # acknowledge (task_acks_late) is handed out again only once it is `visibility_timeout`
    # old. 50 s, with the live workers looking for such messages every 5 s (kombu's default
    # sweep is every 100 s: 10 s x a throttle of 10), redelivers a killed worker's task
    # within a minute (Celery's default, an hour, let a webhook wait that long).
    # No task may run, or wait in a worker for its countdown, that long, or it would be
    # handed out twice: tasks here end in seconds, retries longer than 30 s are the delivery
    # sweep's (incidents/notifications/delivery.py), and a task run twice does its work once.
    # CELERY_VISIBILITY_TIMEOUT overrides it (the broker fault test shortens it).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "50")),
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # kombu's Redis transport with the fix that keeps a worker alive when Redis drops
        # while it holds a retrying task (crisisdesk/redis_broker.py says why).
        CELERY_BROKER_TRANSPORT = "crisisdesk.redis_broker:Transport"
else:
    CELERY_BROKER_URL = "filesystem://"
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
# The queue tasks go to and workers consume (Celery's default name): one RabbitMQ vhost can
# serve several installs, or test runs, each with a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A lost broker is reconnected to forever, at start and while running: the worker never
# exits because the broker is away (the deploy units restart it if it does anyway).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Request bodies: at most MAX_REQUEST_BODY bytes (Django refuses a larger body, the API
# answers 413 in its JSON shape); JSON at most JSON_MAX_DEPTH levels deep (400 beyond).
# 10 MiB holds a bulk ingest of 1,000 mentions with long texts.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BODY", str(10 * 1024 * 1024)))
JSON_MAX_DEPTH = 20

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "no credentials" into 401, not 403.
        "tenants.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "crisisdesk.api.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["crisisdesk.api.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "crisisdesk.openapi.ApiSchema",
    "EXCEPTION_HANDLER": "crisisdesk.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # The one JSON parser (size and depth limits, JSON errors): crisisdesk/core/jsonbody.py.
    "DEFAULT_PARSER_CLASSES": ["crisisdesk.core.jsonbody.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["crisisdesk.core.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "ingest": os.environ.get("INGEST_RATE", "600/min"),
        "user": os.environ.get("API_RATE", "3000/min"),
        "anon": "60/min",
        "auth": "20/min",
        # Account creation per client address, API and sign-up page together.
        "signup": os.environ.get("SIGNUP_RATE", "10/hour"),
        # Password-reset and verification emails per client address.
        "account_email": os.environ.get("ACCOUNT_EMAIL_RATE", "10/hour"),
        # Public statement pages and feeds, and their email subscriptions, per client address.
        "public_page": os.environ.get("PUBLIC_PAGE_RATE", "120/min"),
        "public_subscribe": os.environ.get("PUBLIC_SUBSCRIBE_RATE", "10/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # `?format=` belongs to the endpoints that take it (post-mortem exports), not to DRF.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CrisisDesk API",
    "DESCRIPTION": "Social-media crisis management for PR agencies: incidents, monitoring, "
    "playbooks, response templates and post-mortems. Every organisation-owned resource lives "
    "under /api/v1/orgs/<org_slug>/.\n\n"
    "Authenticate with `Authorization: Token <token>` (POST /api/v1/auth/token/) or the web "
    'app\'s session. Every error is JSON: `{"detail": …, "code": …}`, with `errors` per '
    "field on a 400; another organisation's object answers 404, never 403. The live updates "
    "are a WebSocket, described below (crisisdesk/openapi.py appends docs/websocket.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags, summaries and error responses: crisisdesk/openapi.py (the schema class above).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crisisdesk.openapi.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "PostMortemStatusEnum": "incidents.postmortems.models.PostMortemStatus",
        "ActionItemStatusEnum": "incidents.postmortems.models.ActionItemStatus",
        "ResponseStatusEnum": "templates.models.ResponseStatus",
        "SentimentLabelEnum": "incidents.monitoring.models.SentimentLabel",
        "MemberKindEnum": "tenants.models.MemberKind",
        "SourceKindEnum": "incidents.monitoring.models.SourceKind",
    },
}

# API tokens (django-rest-knox): one per device, hashed, expiring after API_TOKEN_TTL_DAYS.
KNOX_TOKEN_MODEL = "tenants.ApiToken"
# knox's own migrations create its AuthToken table even when the model is swapped out; the
# table would hold a foreign key to auth_user that no model declares (flush and purges fail).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# "mandatory": an agency can be created only from a verified email address (or after an
# accepted invitation); "optional" (the embedded run, the demo) sends the link but does not
# require it. Production defaults to mandatory.
EMAIL_VERIFICATION = os.environ.get("EMAIL_VERIFICATION", "mandatory" if PRODUCTION else "optional")
EMAIL_VERIFICATION_TTL = timedelta(days=3)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # seconds a reset link stays valid

WS_TICKET_TTL = timedelta(seconds=30)
INVITATION_TTL = timedelta(days=7)
# The site's own address, for links in emails sent outside a request (a request's own host
# is used when there is one).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Outbound HTTP (crisisdesk/core/outbound.py): hosts the server may reach although they resolve
# to private addresses (an on-premises receiver, a test server), as `host` or `host:port`.
OUTBOUND_ALLOW_HOSTS = env_list("OUTBOUND_ALLOW_HOSTS", "")
# A CA bundle (PEM file) to verify outbound TLS with instead of certifi's (an internal CA).
OUTBOUND_CA_BUNDLE = os.environ.get("OUTBOUND_CA_BUNDLE", "")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CrisisDesk <alerts@crisisdesk.local>")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# (name, task, every N seconds): registered by `manage.py register_schedules` (idempotent).
# Alike row to row on purpose: a schedule table, one (name, task, period) per periodic task.
PERIODIC_TASKS: list[tuple[str, str, int]] = [
    ("spike-detection", "incidents.tasks.spike_detection_run", 60),
    ("sla-check", "incidents.tasks.sla_check_run", 60),
    ("approval-escalation", "templates.tasks.approval_escalation_run", 60),
    ("organisation-purge", "tenants.tasks.organisation_purge_run", 3600),
    ("postmortem-reminders", "incidents.tasks.postmortem_reminders_run", 3600),
    ("deferred-tasks", "incidents.tasks.deferred_tasks_flush_run", 60),
    ("deliveries-sweep", "incidents.tasks.deliveries_sweep_run", 60),
    ("telegram-poll", "incidents.tasks.telegram_poll_run", 30),
    ("telegram-sla-watch", "incidents.tasks.telegram_sla_watch_run", 60),
    ("sentiment-retraining", "incidents.tasks.sentiment_models_retrain_run", 3600),
    ("escalation-climb", "incidents.tasks.escalation_climb_run", 60),
    ("sources-dispatch", "incidents.tasks.sources_dispatch_run", 30),
]

# An organisation's sentiment model is retrained once this many labels were added since.
SENTIMENT_RETRAIN_AFTER_LABELS = int(os.environ.get("SENTIMENT_RETRAIN_AFTER_LABELS", "100"))

# A deleted organisation is locked at once and purged after this many days.
ORGANISATION_PURGE_GRACE_DAYS = int(os.environ.get("ORGANISATION_PURGE_GRACE_DAYS", "30"))

# Called with organisation=… right after an organisation is created (starter content).
ORGANISATION_SETUP_HOOKS: list[str] = [
    # Templates first: the starter playbooks' steps link the starter templates they name.
    "templates.services.starter_templates_install",
    "playbooks.services.starter_library_install",
]

# Mention collectors (incidents/monitoring/collectors): base URLs of the fixed services, read at
# call time so tests point them at local servers. Mastodon and RSS take theirs from the source.
VK_API_URL = os.environ.get("VK_API_URL", "https://api.vk.com/method/")
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
YOUTUBE_API_URL = os.environ.get("YOUTUBE_API_URL", "https://www.googleapis.com/youtube/v3/")
BLUESKY_API_URL = os.environ.get("BLUESKY_API_URL", "https://public.api.bsky.app/xrpc/")
# The organisations' own Telegram bots (incidents/notifications/telegram). With a public base URL
# (https://desk.example.com) each bot gets a webhook at <base>/api/v1/telegram/<id>/ with a secret
# token; without one (embedded mode) the worker long-polls getUpdates every TELEGRAM_POLL_SECONDS.
TELEGRAM_WEBHOOK_BASE_URL = os.environ.get("TELEGRAM_WEBHOOK_BASE_URL", "")
TELEGRAM_POLL_SECONDS = 30  # the beat interval of telegram-poll (PERIODIC_TASKS)
TELEGRAM_POLL_TIMEOUT = int(os.environ.get("TELEGRAM_POLL_TIMEOUT", "25"))
TELEGRAM_LINK_CODE_MINUTES = int(os.environ.get("TELEGRAM_LINK_CODE_MINUTES", "60"))
# Source credentials are encrypted at rest (crisisdesk/core/encryption.py) with these Fernet
# keys, comma-separated, newest first (rotation: prepend a new key and keep the old ones: they
# still decrypt; a saved source is re-encrypted with the first). Empty: a key derived from
# SECRET_KEY (the embedded run).
# Make a key with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
SOURCE_CREDENTIALS_KEYS = env_list("SOURCE_CREDENTIALS_KEY", "")
# Consecutive failed polls after which a source's brand managers are told.
SOURCE_FAILURE_ALERT_AFTER = int(os.environ.get("SOURCE_FAILURE_ALERT_AFTER", "3"))
# The largest CSV/XLSX file of mentions an upload takes (web page and API), in bytes.
MENTION_IMPORT_MAX_BYTES = int(os.environ.get("MENTION_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# Signed-in Bluesky search (a handle and an app password) goes through the account's PDS.
BLUESKY_PDS_URL = os.environ.get("BLUESKY_PDS_URL", "https://bsky.social/xrpc/")
# httpx logs every request URL at INFO; a Telegram bot token is part of the URL path (and API
# keys sit in query strings), so its request log stays off.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}
LOGGING["loggers"]["httpcore"] = {"level": "WARNING"}
