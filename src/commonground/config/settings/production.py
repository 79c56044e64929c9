"""Production settings: refuse to start on insecure defaults, HTTPS everywhere."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ADMIN_BASE_URL,
    ADMIN_SHARED_ORIGIN_ACCEPTED,
    ALLOWED_HOSTS,
    DEBUG,
    SECRET_KEY,
    WAGTAILADMIN_BASE_URL,
    env,
)

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
    problems.extend(_origin_problems())
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


def _origin(url: str) -> tuple[str, str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return (
        parts.scheme,
        parts.hostname.lower(),
        parts.port or (443 if parts.scheme == "https" else 80),
    )


def _origin_problems() -> list[str]:
    """The admin on its own origin (core/http/origins.py), or the shared one accepted."""
    admin = _origin(ADMIN_BASE_URL) if ADMIN_BASE_URL else None
    if ADMIN_BASE_URL and admin is None:
        return [
            f"ADMIN_BASE_URL must be an http(s) URL such as https://admin.example.com, "
            f"not {ADMIN_BASE_URL!r}."
        ]
    if admin is None or admin == _origin(WAGTAILADMIN_BASE_URL):
        if ADMIN_SHARED_ORIGIN_ACCEPTED:
            return []
        return [
            "The admin shares the public site's origin, so any script on a public page can "
            "act with a signed-in administrator's session. Set ADMIN_BASE_URL to an origin of "
            "its own (e.g. https://admin.example.com, also in ALLOWED_HOSTS), or set "
            "ADMIN_SHARED_ORIGIN_ACCEPTED=true to accept that risk explicitly."
        ]
    if "*" not in ALLOWED_HOSTS and admin[1] not in ALLOWED_HOSTS:
        return [f"ALLOWED_HOSTS must include the admin's host, {admin[1]}."]
    return []


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
