"""The site's Content-Security-Policy, generated from the registry's approved hosts.

Each HTML response of the public site gets the policy of its Wagtail site: enforcing or
report-only (``SecuritySettings``). The policy is computed once per process and site and
kept until the registry, the settings or the sites change: a change writes a new random
generation token to the shared cache, which every process reads at most once a second.

Our own inline scripts carry a nonce. Templates write a per-installation placeholder
(``{% csp_nonce %}``) instead of the nonce itself, so a page can sit in the page cache and
still get a fresh nonce per response: this middleware, outside the page cache, swaps the
placeholder for the nonce on the way out. The placeholder is derived from ``SECRET_KEY``
and never leaves the server, so content cannot carry it to borrow a nonce.
"""

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from wagtail.models import Site

from ..registry.selectors import approved_hosts_by_directive
from . import third_party as tp
from .selectors import csp_enforcing

GENERATION_KEY = "governance:csp:generation"
REPORT_GROUP = "csp"
# Directive -> the registry directives whose approved hosts it lists.
_SOURCES = {
    "script-src": (tp.SCRIPT,),
    "style-src": (tp.STYLE,),
    "img-src": (tp.IMG,),
    "media-src": (tp.IMG,),
    "font-src": (tp.STYLE,),
    "connect-src": (tp.CONNECT,),
    "frame-src": (tp.FRAME,),
    "form-action": (tp.FORM_ACTION,),
}
# What every site may load besides approved hosts.
_ALWAYS = {
    "script-src": ("'self'", "'nonce-{nonce}'"),
    "img-src": ("'self'", "data:"),
}


@cache
def nonce_placeholder() -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"csp-nonce-placeholder", hashlib.sha256)
    return "cgnonce" + digest.hexdigest()[:32]


def build_policy(approved: Mapping[str, Iterable[str]], *, report_uri: str) -> str:
    """The policy text for hosts approved per registry directive, with ``{nonce}`` left to
    fill in per response."""
    parts = ["default-src 'self'"]
    for directive, registry_directives in _SOURCES.items():
        hosts = sorted({host for name in registry_directives for host in approved.get(name, ())})
        sources = [*_ALWAYS.get(directive, ("'self'",)), *hosts]
        parts.append(" ".join([directive, *sources]))
    parts += [
        # Style attributes cannot run code and vendor snippets lean on them; <style> elements
        # and style sheets still need an approved host.
        "style-src-attr 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        f"report-uri {report_uri}",
    ]
    return "; ".join(parts)


@dataclass(frozen=True)
class SitePolicy:
    enforcing: bool
    text: str  # with {nonce}

    @property
    def header(self) -> str:
        if self.enforcing:
            return "Content-Security-Policy"
        return "Content-Security-Policy-Report-Only"

    def value(self, nonce: str, *, secure: bool) -> str:
        text = self.text.replace("{nonce}", nonce)
        if secure:
            # The Reporting API delivers only over HTTPS, and Chromium ignores report-uri
            # once report-to is there: on plain HTTP (development) report-uri alone.
            text += f"; report-to {REPORT_GROUP}"
            if self.enforcing:
                text += "; upgrade-insecure-requests"
        return text


def policy_for_site(site_id: int | None) -> SitePolicy:
    approved = approved_hosts_by_directive()
    return SitePolicy(
        enforcing=csp_enforcing(site_id),
        text=build_policy(approved, report_uri=reverse("governance_csp_report")),
    )


class _PolicyCache:
    """Per process: the policy per request host. The shared generation token is read at
    most every ``TOKEN_CHECK_SECONDS`` (a read per response cost a fifth of a cached page
    view, bench/pages.py), so other processes follow a change within that; the process that
    made it forgets its policies at once. A policy also lives at most ``MAX_AGE_SECONDS``,
    so a write that bypasses the signals (a raw SQL fix, a cleared cache) is picked up too."""

    TOKEN_CHECK_SECONDS = 1.0
    MAX_AGE_SECONDS = 60.0

    def __init__(self) -> None:
        self._policies: dict[str, tuple[float, SitePolicy]] = {}
        self._generation: str | None = None
        self._checked_at = float("-inf")

    def get(self, request: HttpRequest) -> SitePolicy | None:
        # Keyed on the raw header: the page cache or Django has validated it on the way in,
        # and Site.find_for_request validates it again before a policy is built for it.
        host = request.META.get("HTTP_HOST", "")
        now = time.monotonic()
        if now - self._checked_at >= self.TOKEN_CHECK_SECONDS:
            generation = caches["default"].get(GENERATION_KEY)
            if generation != self._generation:
                self._policies.clear()
                self._generation = generation
            self._checked_at = now
        known = self._policies.get(host)
        if known is not None and now - known[0] < self.MAX_AGE_SECONDS:
            return known[1]
        try:
            request.get_host()
        except Exception:  # DisallowedHost: the normal stack answers with a 400
            return None
        site = Site.find_for_request(request)
        policy = policy_for_site(site.pk if site else None)
        if len(self._policies) > 1000:  # hosts come from requests: keep it bounded
            self._policies.clear()
        self._policies[host] = (now, policy)
        return policy

    def forget(self) -> None:
        self._policies.clear()
        self._checked_at = float("-inf")


_policies = _PolicyCache()


def policy_changed() -> None:
    """Tell every process to rebuild its policies once the current transaction commits."""

    def publish() -> None:
        caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, None)
        _policies.forget()

    transaction.on_commit(publish, robust=True)


class ContentSecurityPolicyMiddleware:
    """Adds the site's policy to its HTML responses and fills in the nonce placeholder.

    On the page cache's hot path: the body is scanned and copied once (``bytes.replace``
    returns the body itself when there is no placeholder), the host is not re-validated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.exempt = tuple(settings.CSP_EXEMPT_PATH_PREFIXES)
        self.placeholder = nonce_placeholder().encode()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        nonce = secrets.token_urlsafe(18)
        content: bytes = response.content  # type: ignore[attr-defined]
        filled = content.replace(self.placeholder, nonce.encode())
        if filled is not content:
            response.content = filled  # type: ignore[attr-defined]
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(filled))
        if request.path.startswith(self.exempt) or response.has_header("Content-Security-Policy"):
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's technical error pages style themselves inline
        policy = _policies.get(request)
        if policy is None:
            return response
        secure = request.is_secure()
        response[policy.header] = policy.value(nonce, secure=secure)
        if secure:
            endpoint = request.build_absolute_uri(reverse("governance_csp_report"))
            response["Reporting-Endpoints"] = f'{REPORT_GROUP}="{endpoint}"'
        return response
