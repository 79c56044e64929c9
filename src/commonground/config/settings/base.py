"""Settings shared by every environment; everything site-specific comes from the environment."""

from pathlib import Path
from typing import Any

import environ

env = environ.Env()

# Where the database (SQLite by default), media, collected static files and the page cache live.
DATA_DIR = Path(env.str("COMMONGROUND_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()
PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
# Created up front: SQLite cannot create the directory its database file lives in.
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "commonground.core",
    "commonground.content",
    "commonground.analytics",
    "commonground.distribution",
    "commonground.governance",
    "commonground.alignment",
    # Two-factor sign-in (access security, see the block below).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "commonground.governance.access.users_app.UsersConfig",  # wagtail.users, no quiet root
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "rest_framework",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so a page answered from the cache is framed by no one too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Two origins (core/http/origins.py): before anything reads the session or CSRF cookie.
    "commonground.core.http.origins.OriginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache: cached pages get the current policy and a fresh nonce too.
    "commonground.governance.csp.policy.ContentSecurityPolicyMiddleware",
    # Answers anonymous GETs from the page cache before sessions or auth are touched.
    "commonground.core.pages.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Access security (see the block below): which device verified this session, then the
    # idle timeout and the two-factor guard in front of the admin (it needs messages).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "commonground.governance.access.middleware.AccessMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "commonground.config.urls"
WSGI_APPLICATION = "commonground.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL through DATABASE_URL in production.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'commonground.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once across several server and worker
    # processes; IMMEDIATE transactions take the write lock up front so concurrent
    # writers wait on the busy timeout instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The page cache must be shared by every server process, so the local default is a
# file cache in the data directory rather than per-process memory; Redis via CACHE_URL.
environ.Env.REDIS_DRIVER = "django_redis.cache.RedisCache"
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}?MAX_ENTRIES=20000"
    ),
}
# Wagtail looks renditions up in this cache on every render and writes them back each time.
# Per-process memory is safe here: keys include the file hash and focal point, so a changed
# image simply uses new keys; a shared file cache would pay a directory scan per write.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "renditions",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=3600)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Common Ground <noreply@localhost>")

# --- Access security (governance/access, docs/architecture.md "Access security") -----------
# Passwords: at least 12 characters (length beats composition rules), not like the username,
# names or e-mail address, not on the list of 20,000 common passwords, not only digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed admin sign-ins (governance/access/throttling.py), counted in the shared cache per
# account from one address, per address (after ANALYTICS_TRUSTED_PROXIES) and per account:
# past the limit each further attempt waits, 1 s doubling per failure up to the cap (429 with
# Retry-After); from an address that never failed the account's wait stays under its own
# small cap. Counters are forgotten a window after their last failure; a reset lifts them.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_ADDRESS_LIMIT = env.int("LOGIN_FAILURE_ADDRESS_LIMIT", default=20)
LOGIN_FAILURE_ACCOUNT_LIMIT = env.int("LOGIN_FAILURE_ACCOUNT_LIMIT", default=10)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=24 * 3600)
LOGIN_THROTTLE_FIRST_DELAY_SECONDS = env.float("LOGIN_THROTTLE_FIRST_DELAY_SECONDS", default=1)
LOGIN_THROTTLE_MAX_DELAY_SECONDS = env.int("LOGIN_THROTTLE_MAX_DELAY_SECONDS", default=15 * 60)
LOGIN_THROTTLE_ACCOUNT_MAX_DELAY_SECONDS = env.int(
    "LOGIN_THROTTLE_ACCOUNT_MAX_DELAY_SECONDS", default=8
)
WAGTAILADMIN_USER_LOGIN_FORM = "commonground.governance.access.forms.ThrottledLoginForm"
# Signed-in sessions end after this long without a request, and in any case this long after
# signing in (SESSION_COOKIE_AGE, enforced from the sign-in time, not the last write).
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# Two-factor sign-in (TOTP apps, backup codes): required for IT administrators and
# superusers, offered to everyone else. Wrong codes wait 1, 2, 4... seconds (per device).
OTP_TOTP_ISSUER = env.str("SITE_NAME", default="Common Ground")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# --- end of access security ---------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The one currency every budget amount in alignment is planned, spent and shown in.
ALIGNMENT_CURRENCY = env.str("ALIGNMENT_CURRENCY", default="EUR")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

LOGIN_URL = "wagtailadmin_login"

# Event data (page views, events): the embedded DuckDB file by default.
EVENT_STORE = {
    "BACKEND": "commonground.analytics.eventstore.duckdb.DuckDBEventStore",
    "OPTIONS": {"path": str(DATA_DIR / "events.duckdb")},
}

# The mover, the store's owner, answers every other process's queries on this Unix socket.
ANALYTICS_STORE_SOCKET = DATA_DIR / "events.sock"

# Acknowledged events wait here (one file per server process) until the mover stores them.
ANALYTICS_SPOOL_DIR = DATA_DIR / "spool"
# Grows by a byte whenever a tracked site changes; server processes watch its size.
ANALYTICS_SITES_STAMP = DATA_DIR / "analytics-sites.stamp"
# Events older than this are deleted once a day by the mover (the store's only writer).
ANALYTICS_RETENTION_MONTHS = env.int("ANALYTICS_RETENTION_MONTHS", default=25)
# Proxies whose X-Forwarded-For is believed (CIDRs); nobody's by default, so it cannot be forged.
ANALYTICS_TRUSTED_PROXIES: list[str] = env.list("ANALYTICS_TRUSTED_PROXIES", default=[])
# A MaxMind-format (.mmdb) country/region database; none by default.
ANALYTICS_GEOIP_PATH = env.str("ANALYTICS_GEOIP_PATH", default="")
# Events one source (client address; IPv6 per /64) may send per minute to each server process
# before it is answered 429. A page view with a few events and page speed is 3-6; 0 disables.
ANALYTICS_RATE_LIMIT_PER_MINUTE = env.int("ANALYTICS_RATE_LIMIT_PER_MINUTE", default=600)

# Background work: Django's tasks framework with the database backend by default.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# How often the scheduler asks the worker to apply go-live and expiry times.
SCHEDULER_INTERVAL_SECONDS = env.int("SCHEDULER_INTERVAL_SECONDS", default=15)
# Task path -> seconds between runs; the scheduler enqueues each, the worker runs them.
PERIODIC_TASKS: dict[str, float] = {
    "commonground.core.tasks.publish_scheduled_pages": SCHEDULER_INTERVAL_SECONDS,
    "commonground.core.tasks.prune_page_cache_index": 3600,
    "commonground.analytics.tasks.delete_expired_visitor_salts": 600,
    # Sends only what is due (Monday 07:00 in each site's zone) and not yet sent.
    "commonground.analytics.tasks.send_weekly_reports": 900,
    # Scheduled sends, retries that came due, and a killed worker's dispatch once its lease
    # lapsed.
    "commonground.distribution.tasks.deliver_due_dispatches": env.float(
        "DISTRIBUTION_DUE_INTERVAL_SECONDS", default=10
    ),
    # Retention policies (governance/privacy): daily, and once whenever the scheduler starts.
    "commonground.governance.privacy.tasks.enforce_retention": 86400,
    # Scans only when none started in the last SCAN_EVERY_HOURS: hourly checks, a daily scan.
    "commonground.governance.scan.tasks.scan_site_if_due": 3600,
    # The script monitor (PCI DSS 11.6.1): reviewed scripts and public pages' security headers.
    "commonground.governance.scripts.tasks.monitor_scripts": env.float(
        "SCRIPT_MONITOR_INTERVAL_SECONDS", default=3600
    ),
    # Contract renewals: owner and IT reminded 60 and 14 days ahead, each once.
    "commonground.governance.registry.tasks.send_renewal_reminders": 3600,
    # Every goal's value and status for today (the scorecard page reads these snapshots).
    "commonground.alignment.scorecard.tasks.snapshot_goals": env.float(
        "ALIGNMENT_SNAPSHOT_INTERVAL_SECONDS", default=600
    ),
    # Review meetings: the next meetings planned from each cadence, and each action's owner
    # reminded once, ALIGNMENT_ACTION_REMINDER_DAYS before it is due.
    "commonground.alignment.reviews.tasks.plan_meetings": 3600,
    "commonground.alignment.reviews.tasks.send_action_reminders": 3600,
    # The weekly joint report to both leads: sends only when due (Monday 07:00) and unsent.
    "commonground.alignment.tasks.send_weekly_joint_report": 900,
    # Opens the quarter's pulse round on its first day (or the first run after), closes past
    # rounds and invites everyone of either side once; hourly, so people who join are invited.
    "commonground.alignment.pulse.tasks.open_quarterly_pulse": 3600,
}

# --- The audit trail (core/audit, docs/operations.md "Audit trail") --------------------------
# The HMAC key of the chain: from the environment, never the database. Unset (development,
# tests): a default derived from SECRET_KEY and the data directory, with a warning; production
# refuses to start without it. Rotation: the old key moves to AUDIT_KEYS_OLD (comma-separated).
AUDIT_KEY = env.str("AUDIT_KEY", default="")
AUDIT_KEYS_OLD: list[str] = env.list("AUDIT_KEYS_OLD", default=[])
# `commonground audit anchor` writes the signed head to every sink here; the scheduler runs
# it every AUDIT_ANCHOR_INTERVAL_SECONDS (the posture page warns past twice that).
AUDIT_ANCHOR_INTERVAL_SECONDS = env.float("AUDIT_ANCHOR_INTERVAL_SECONDS", default=3600)
AUDIT_ANCHOR_SINKS: dict[str, dict[str, Any]] = {
    "file": {
        "BACKEND": "commonground.core.audit.anchors.FileSink",
        "OPTIONS": {
            "path": env.str("AUDIT_ANCHOR_FILE", default=str(DATA_DIR / "audit-anchors.jsonl"))
        },
    },
}
if env.list("AUDIT_ANCHOR_EMAILS", default=[]):
    AUDIT_ANCHOR_SINKS["email"] = {
        "BACKEND": "commonground.core.audit.anchors.EmailSink",
        "OPTIONS": {"recipients": env.list("AUDIT_ANCHOR_EMAILS")},
    }
if env.str("AUDIT_ANCHOR_WEBHOOK_URL", default=""):
    AUDIT_ANCHOR_SINKS["webhook"] = {
        "BACKEND": "commonground.core.audit.anchors.WebhookSink",
        "OPTIONS": {
            "url": env.str("AUDIT_ANCHOR_WEBHOOK_URL"),
            # The project's one outbound HTTP client, with its public-address check.
            "client": "commonground.distribution.webhooks.sender.post_webhook",
            "allow_private_networks": env.bool("AUDIT_ANCHOR_WEBHOOK_PRIVATE", default=False),
        },
    }
if env.str("AUDIT_ANCHOR_SYSLOG", default=""):  # host:port, UDP
    _syslog_host, _, _syslog_port = env.str("AUDIT_ANCHOR_SYSLOG").rpartition(":")
    AUDIT_ANCHOR_SINKS["syslog"] = {
        "BACKEND": "commonground.core.audit.anchors.SyslogSink",
        "OPTIONS": {"host": _syslog_host or "localhost", "port": int(_syslog_port or 514)},
    }
PERIODIC_TASKS["commonground.core.audit.tasks.anchor_audit_trail"] = AUDIT_ANCHOR_INTERVAL_SECONDS
ALIGNMENT_ACTION_REMINDER_DAYS = env.int("ALIGNMENT_ACTION_REMINDER_DAYS", default=2)
# A side's pulse results show only when at least this many people of it answered the round.
ALIGNMENT_PULSE_MIN_ANSWERS = env.int("ALIGNMENT_PULSE_MIN_ANSWERS", default=3)
# Retention removes expired rows this many at a time, each batch its own transaction, and at
# most RETENTION_MAX_BATCHES batches per kind and run (what is left goes in the next run).
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_MAX_BATCHES = env.int("RETENTION_MAX_BATCHES", default=200)

# Distribution channels, configured like Wagtail's backends (docs/operations.md). Social
# networks are on only when their credentials are in the environment.
DISTRIBUTION_CHANNELS: dict[str, dict[str, Any]] = {
    "newsletter": {
        "BACKEND": "commonground.distribution.channels.email.NewsletterChannel",
        # Messages per second to the SMTP server EMAIL_URL names (0: as fast as it takes).
        "OPTIONS": {"max_per_second": env.float("NEWSLETTER_MAX_PER_SECOND", default=0)},
    },
    "webhooks": {"BACKEND": "commonground.distribution.channels.webhook.WebhookChannel"},
    "linkedin": {
        "BACKEND": "commonground.distribution.channels.manual.ManualChannel",
        "OPTIONS": {"label": "LinkedIn (copy and paste)", "max_length": 3000},
    },
}
if env.str("MASTODON_ACCESS_TOKEN", default=""):
    DISTRIBUTION_CHANNELS["mastodon"] = {
        "BACKEND": "commonground.distribution.channels.mastodon.MastodonChannel",
        "OPTIONS": {
            "api_base_url": env.str("MASTODON_API_BASE_URL"),
            "access_token": env.str("MASTODON_ACCESS_TOKEN"),
        },
    }
if env.str("BLUESKY_APP_PASSWORD", default=""):
    DISTRIBUTION_CHANNELS["bluesky"] = {
        "BACKEND": "commonground.distribution.channels.bluesky.BlueskyChannel",
        "OPTIONS": {
            "base_url": env.str("BLUESKY_PDS_URL", default="https://bsky.social"),
            "handle": env.str("BLUESKY_HANDLE"),
            "app_password": env.str("BLUESKY_APP_PASSWORD"),
        },
    }
# How long a worker holds a dispatch without renewing it; a killed worker's is taken over then.
DISTRIBUTION_LEASE_SECONDS = env.float("DISTRIBUTION_LEASE_SECONDS", default=30)
# The bearer token the mail provider's bounce and complaint webhook sends (none: refused).
NEWSLETTER_BOUNCE_SECRET = env.str("NEWSLETTER_BOUNCE_SECRET", default="")

WAGTAIL_SITE_NAME = env.str("SITE_NAME", default="Common Ground")
# No avatars from gravatar.com: it would receive a hash of every admin's e-mail address.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "webp": "webp"}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
# --- Two origins (core/http/origins.py, docs/architecture.md "The admin on its own origin") --
# The admin, its sign-in and everything signed in answer on ADMIN_BASE_URL only (e.g.
# https://admin.example.com); BASE_URL stays the public site's. Unset: one origin for both,
# which production refuses unless ADMIN_SHARED_ORIGIN_ACCEPTED=true accepts the risk.
ADMIN_BASE_URL = env.str("ADMIN_BASE_URL", default="").rstrip("/")
ADMIN_SHARED_ORIGIN_ACCEPTED = env.bool("ADMIN_SHARED_ORIGIN_ACCEPTED", default=False)
if ADMIN_BASE_URL and ADMIN_BASE_URL not in CSRF_TRUSTED_ORIGINS:
    CSRF_TRUSTED_ORIGINS.append(ADMIN_BASE_URL)
# Host-only cookies (no Domain attribute): the admin host's session never reaches the public
# host, even where both are subdomains of one domain.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# --- end of two origins ----------------------------------------------------------------------
WAGTAILAPI_LIMIT_MAX = 100

REST_FRAMEWORK = {
    # The public API is anonymous and read-only: no HTTP Basic password guessing through it.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rate limits key on the client address; trust X-Forwarded-For only from this many
    # proxies in front of us (0: use the socket's address, so the header cannot be forged).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="600/min")},
}

# Governance: the registry-derived Content-Security-Policy covers the public site; the
# admin (Wagtail's own inline scripts) is left out. Reports and consent counts are
# rate-limited per client address and process.
CSP_EXEMPT_PATH_PREFIXES = ("/admin/", "/django-admin/")
CSP_REPORTS_PER_MINUTE = env.int("CSP_REPORTS_PER_MINUTE", default=60)
# A CSP report becomes a finding once this many distinct addresses sent it (or the site scan
# saw its host): anyone can post reports, and one address proves nothing.
CSP_FINDING_MIN_REPORTERS = env.int("CSP_FINDING_MIN_REPORTERS", default=3)
CONSENT_CHOICES_PER_MINUTE = env.int("CONSENT_CHOICES_PER_MINUTE", default=30)
# A visitor's consent choice holds this long; then the banner asks again (issue 14, point 4).
CONSENT_MAX_AGE_DAYS = env.int("CONSENT_MAX_AGE_DAYS", default=365)
# A public form (no CSRF cookie: core/http/form_tokens.py) may be sent this long after it was
# loaded, once (issue 15, point 8).
PUBLIC_FORM_TOKEN_MAX_AGE = env.int("PUBLIC_FORM_TOKEN_MAX_AGE", default=2 * 3600)
# The shadow-IT scan renders every live public page in-process: how often, and its bounds
# (pages per scan, bytes read per page, seconds per scan; a single render is not interrupted).
SCAN_EVERY_HOURS = env.float("SCAN_EVERY_HOURS", default=24)
SCAN_MAX_PAGES = env.int("SCAN_MAX_PAGES", default=5000)
SCAN_MAX_PAGE_BYTES = env.int("SCAN_MAX_PAGE_BYTES", default=5_000_000)
SCAN_MAX_SECONDS = env.float("SCAN_MAX_SECONDS", default=1800)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"quiet_tasks": {"()": "commonground.core.log_filters.RoutineTaskProgressFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["quiet_tasks"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
# Every committed audit entry as one JSON line (core/audit/log_stream.py), on standard error
# or, with AUDIT_LOG_FILE, appended to that file, for a SIEM to collect.
LOGGING["formatters"]["audit_json"] = {  # type: ignore[index]
    "()": "commonground.core.audit.log_stream.AuditJsonFormatter"
}
LOGGING["handlers"]["audit_stream"] = (  # type: ignore[index]
    {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": env.str("AUDIT_LOG_FILE"),
        "formatter": "audit_json",
    }
    if env.str("AUDIT_LOG_FILE", default="")
    else {"class": "logging.StreamHandler", "formatter": "audit_json"}
)
LOGGING["loggers"]["commonground.audit"] = {  # type: ignore[index]
    "handlers": ["audit_stream"],
    "level": "INFO",
    "propagate": False,
}

WAGTAILIMAGES_IMAGE_MODEL = "content.ContentImage"

# Alignment: the scorecard page shows snapshots younger than this many seconds and computes
# the goals that have none (docs/operations.md).
ALIGNMENT_SNAPSHOT_MAX_AGE = env.int("ALIGNMENT_SNAPSHOT_MAX_AGE", default=900)
# Budget lines off their pace by more than this many per cent go on the review meeting's
# agenda and into the weekly joint report.
ALIGNMENT_VARIANCE_THRESHOLD_PERCENT = env.int("ALIGNMENT_VARIANCE_THRESHOLD_PERCENT", default=10)
