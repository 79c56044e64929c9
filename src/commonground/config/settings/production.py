"""Production settings: refuse to start on insecure defaults, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DEBUG, SECRET_KEY, env

_KNOWN_INSECURE_KEYS = {
    "dev-only-insecure-key-never-use-in-production",
    "test-secret-key-not-for-production",
    "change-me",
    "secret",
}


def _refuse_insecure_settings() -> None:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off in production (unset DEBUG or set DEBUG=false).")
    if not SECRET_KEY or SECRET_KEY in _KNOWN_INSECURE_KEYS or len(SECRET_KEY) < 50:
        problems.append(
            "SECRET_KEY must be set to a random value of at least 50 characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the host names this site answers to.")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must not be '*' in production.")
    if len(env.str("AUDIT_KEY", default="")) < 32:
        problems.append(
            "AUDIT_KEY must be set (from the environment, not the database) to a random value "
            "of at least 32 characters, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'; it keys the audit trail."
        )
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start with insecure settings:\n- " + "\n- ".join(problems)
        )


_refuse_insecure_settings()

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive only takes effect once the domain is submitted to the browsers' list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
