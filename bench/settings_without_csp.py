"""bench/pages.py's reference server: the development settings without the
Content-Security-Policy middleware, to measure what the policy costs a cached page view."""

from commonground.config.settings.dev import *  # noqa: F403
from commonground.config.settings.dev import MIDDLEWARE

MIDDLEWARE = [name for name in MIDDLEWARE if not name.endswith("ContentSecurityPolicyMiddleware")]
