"""Two origins: the public site on BASE_URL, the admin (and everything signed in) on
ADMIN_BASE_URL, so no script on a public page shares an origin with the admin.

When ADMIN_BASE_URL names another origin than BASE_URL, ``OriginMiddleware`` (first after
Django's security middleware, before sessions and the page cache):

- on the public origin: drops the session and CSRF cookies from the request before anything
  reads them, and every Set-Cookie from the response; answers an admin path with a redirect to
  the admin origin (GET, HEAD) or a 404. With no cookie there is no ambient authority for a
  cross-site request to ride on, so the CSRF token check (which would need a cookie) is waived,
  but a POST whose Origin header names another origin is still refused by it.
- on the admin origin: serves the admin and the files it shows (static, media, images,
  documents), and login-only pages (page privacy "login required" or "groups", GET only:
  nobody is signed in on the public origin), under a script policy that allows this origin's
  own files only, as are the admin's previews; every other path goes to the public origin.

With one origin (ADMIN_BASE_URL unset or equal to BASE_URL) the middleware does nothing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponseBase,
    HttpResponseNotFound,
    HttpResponseRedirect,
)

# Always admin paths, whichever origin is asked.
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
# Wagtail's sign-in for login-only pages: the admin's sign-in takes its place (the public
# origin keeps no session to sign in to).
FRONTEND_LOGIN_PATH = "/_util/login/"
# What the admin's own pages load; served on both origins (no cookies are read for them).
SHARED_PREFIXES = ("/static/", "/media/", "/images/", "/documents/", "/-/alive")
# Renders of site content inside the admin: the page as visitors would get it, so it gets the
# same narrow script policy as page-tree paths on the admin origin.
# (pages' and snippets' preview, a page's "view draft", an old revision's view).
_PREVIEW_PATH = re.compile(r"(/preview/(\d+/)?|/view_draft/|/revisions/\d+/view/)$")
# The admin origin's policy for content it renders: scripts from this origin's own files only
# (no vendor host, no inline script), no plugins, no <base> rewriting.
CONTENT_SCRIPT_POLICY = "script-src 'self'; object-src 'none'; base-uri 'none'"
# Whether this request came to the admin origin (for code that must know; set on every
# request while two origins are configured).
ADMIN_ORIGIN_ATTRIBUTE = "commonground_admin_origin"


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> "Origin | None":
        parts = urlsplit(url.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return None
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname.lower(), port)

    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"


def public_origin() -> Origin | None:
    """The public site's origin (BASE_URL, which Wagtail knows as WAGTAILADMIN_BASE_URL)."""
    return Origin.of(str(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""))


def admin_origin() -> Origin | None:
    """The admin's own origin, when one is configured and differs from the public one."""
    admin = Origin.of(str(getattr(settings, "ADMIN_BASE_URL", "") or ""))
    if admin is None or admin == public_origin():
        return None
    return admin


def shares_origin() -> bool:
    """Whether the admin answers on the public site's origin (no separate ADMIN_BASE_URL)."""
    return admin_origin() is None


def admin_base_url() -> str:
    """Where the admin lives: ADMIN_BASE_URL, or the public site's base URL on one origin."""
    admin = admin_origin()
    if admin is not None:
        return admin.url()
    return str(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIXES) or path in {p.rstrip("/") for p in ADMIN_PREFIXES}


def _request_host(request: HttpRequest) -> tuple[str, int]:
    host = request.get_host().lower()  # validated against ALLOWED_HOSTS (400 otherwise)
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or not port.isdigit():
        name, port = host, ""
    return name, int(port) if port else (443 if request.is_secure() else 80)


def on_admin_origin(request: HttpRequest) -> bool:
    admin = admin_origin()
    return admin is not None and _request_host(request) == (admin.host, admin.port)


def _strip_cookies(request: HttpRequest) -> None:
    unwanted = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    request.COOKIES = {k: v for k, v in request.COOKIES.items() if k not in unwanted}
    raw = request.META.get("HTTP_COOKIE", "")
    if raw:
        kept = [
            part
            for part in raw.split(";")
            if part.split("=", 1)[0].strip() not in unwanted and part.strip()
        ]
        request.META["HTTP_COOKIE"] = ";".join(kept)


# Paths deeper than this are no page's (Wagtail's url_path is 255 characters at most).
_MOST_PATH_SEGMENTS = 64


def login_restricted(request: HttpRequest, path: str) -> bool:
    """Whether ``path`` is a page (or under a page) that page privacy shows to signed-in
    users only ("login required" or "these groups"), on the site this request is for."""
    from wagtail.models import Page, PageViewRestriction, Site

    site = Site.find_for_request(request)
    if site is None:
        return False
    root = Page.objects.filter(pk=site.root_page_id).values_list("url_path", flat=True).first()
    if root is None:
        return False
    segments = [segment for segment in path.split("/") if segment][:_MOST_PATH_SEGMENTS]
    candidates = [root] + [root + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]
    restricted: bool = PageViewRestriction.objects.filter(
        page__url_path__in=candidates,
        restriction_type__in=[PageViewRestriction.LOGIN, PageViewRestriction.GROUPS],
    ).exists()
    return restricted


def _with_content_policy(response: HttpResponseBase) -> HttpResponseBase:
    existing = response.headers.get("Content-Security-Policy")
    # Two policies in one header are both enforced: the narrower wins for each directive.
    response.headers["Content-Security-Policy"] = (
        f"{existing}, {CONTENT_SCRIPT_POLICY}" if existing else CONTENT_SCRIPT_POLICY
    )
    return response


class OriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        admin = admin_origin()
        if admin is None:
            return self.get_response(request)
        path = request.path_info
        if path == FRONTEND_LOGIN_PATH and request.method in {"GET", "HEAD"}:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(
                f"{admin.url()}/admin/login/" + (f"?{query}" if query else "")
            )
        if on_admin_origin(request):
            setattr(request, ADMIN_ORIGIN_ATTRIBUTE, True)
            return self._admin_side(request, path, admin)
        setattr(request, ADMIN_ORIGIN_ATTRIBUTE, False)
        return self._public_side(request, path, admin)

    def _public_side(self, request: HttpRequest, path: str, admin: Origin) -> HttpResponseBase:
        _strip_cookies(request)
        if is_admin_path(path):
            if request.method in {"GET", "HEAD"}:
                return HttpResponseRedirect(admin.url() + request.get_full_path())
            return HttpResponseNotFound(
                b"The admin is not served here: it has its own address.\n",
                content_type="text/plain",
            )
        origin_header = request.headers.get("Origin")
        public = public_origin()
        if origin_header is None or (public is not None and Origin.of(origin_header) == public):
            # No cookie, no ambient authority: nothing for a CSRF token to protect. A foreign
            # Origin keeps the check, which then fails for want of a cookie.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.cookies.clear()
        return response

    def _admin_side(self, request: HttpRequest, path: str, admin: Origin) -> HttpResponseBase:
        if path.startswith(SHARED_PREFIXES):
            return self.get_response(request)
        if is_admin_path(path):
            response = self.get_response(request)
            if _PREVIEW_PATH.search(path):
                _with_content_policy(response)
            return response
        if request.method not in {"GET", "HEAD"} or not login_restricted(request, path):
            return self._to_public(request)
        # A login-only page: Wagtail's page privacy serves it to the signed-in (two-factor
        # done) and sends anyone else to the sign-in, on this origin.
        return _with_content_policy(self.get_response(request))

    def _to_public(self, request: HttpRequest) -> HttpResponseBase:
        public = public_origin()
        if public is None or request.method not in {"GET", "HEAD"}:
            return HttpResponseNotFound(b"Not found on the admin's address.\n")
        return HttpResponseRedirect(public.url() + request.get_full_path())
