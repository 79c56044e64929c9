"""What is never counted, whoever sends it: admin pages, signed-in staff, excluded networks.

The rule (docs/architecture.md, "Clean numbers"):

- an event whose page URL or referrer is an admin page (a path under /admin/, or any page
  on ADMIN_BASE_URL's origin) is refused, for every site: previews and the editor are not
  visits, and a stale tab can still send after the tracker stopped being emitted there;
- for a site that leaves out staff, an event that arrives with the session cookie of a
  signed-in user who may use the admin is refused (one origin: the session is visible);
  with the admin on its own origin the tracker itself stays silent (staff_marker.py);
- an event from an address in the site's excluded networks is refused for that site.
"""

from collections.abc import Mapping
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from commonground.core.http.origins import Origin, admin_origin, is_admin_path


@lru_cache(maxsize=4096)
def is_admin_url(url: str) -> bool:
    """Whether ``url`` (a page URL or a referrer) is one of the admin's pages."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        origin = Origin.of(url)
    except ValueError:
        return False
    if is_admin_path(parts.path or "/"):
        return True
    admin = admin_origin()
    return admin is not None and origin == admin


def forget_admin_origin() -> None:
    """Read ADMIN_BASE_URL again (for tests that change it)."""
    is_admin_url.cache_clear()


def signed_in_staff(meta: Mapping[str, Any]) -> bool:
    """Whether the request carries the session of an active user who may use the admin.

    Read from the cookie here, not from middleware: ingest also runs ahead of Django's
    middleware (the front door). Nothing is looked up for a request without the cookie,
    which is every visitor's on a site whose admin has its own origin.
    """
    raw = meta.get("HTTP_COOKIE", "")
    name = settings.SESSION_COOKIE_NAME
    if not raw or name not in raw:
        return False
    try:
        morsel = SimpleCookie(raw).get(name)
    except CookieError:
        return False
    if morsel is None or not morsel.value:
        return False
    return _session_is_staff(morsel.value)


def _session_is_staff(session_key: str) -> bool:
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(session_key=session_key[:200])
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return False
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    return user is not None and user.has_perm("wagtailadmin.access_admin")
