"""Test settings: fast hashing, deterministic secret, an isolated data directory."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each test session gets its own media and cache directories unless told otherwise.
_TEST_DIR = Path(env.str("COMMONGROUND_TEST_DIR", default=tempfile.mkdtemp(prefix="cg-test-")))
MEDIA_ROOT = _TEST_DIR / "media"
STATIC_ROOT = _TEST_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default=f"filecache://{_TEST_DIR / 'cache'}?MAX_ENTRIES=20000"
    ),
    "renditions": CACHES["renditions"],  # noqa: F405
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A test that runs a real SMTP server (aiosmtpd) hands its address to the worker it starts.
if env.str("TEST_SMTP_URL", default=""):
    vars().update(env.email_url("TEST_SMTP_URL"))

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than memory, so the server, worker and scheduler processes that tests
    # start share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DIR / "test.sqlite3")}  # noqa: F405

# Serve static files straight from the apps, so the admin's scripts work in browser tests
# against the live server without a collectstatic step.
WHITENOISE_USE_FINDERS = True

# Analytics files live in the shared test directory, so server and mover subprocesses see them.
ANALYTICS_SPOOL_DIR = _TEST_DIR / "spool"
ANALYTICS_SITES_STAMP = _TEST_DIR / "analytics-sites.stamp"
ANALYTICS_STORE_SOCKET = _TEST_DIR / "events.sock"
EVENT_STORE = {
    "BACKEND": "commonground.analytics.eventstore.duckdb.DuckDBEventStore",
    "OPTIONS": {"path": str(_TEST_DIR / "events.duckdb")},
}
