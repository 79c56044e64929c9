"""The site's Content-Security-Policy, generated from the registry's approved hosts.

Each HTML response of the public site gets the policy of its Wagtail site: enforcing or
report-only (``SecuritySettings``). The policy is computed once per process and site and
kept until the registry, the settings or the sites change: a change writes a new random
generation token to the shared cache, and every process compares its copy's token with it
(one cache read per response, as cheap as the page cache's own look-up).

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

from . import third_party as tp

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
    from . import selectors

    approved = selectors.approved_hosts_by_directive()
    return SitePolicy(
        enforcing=selectors.csp_enforcing(site_id),
        text=build_policy(approved, report_uri=reverse("governance_csp_report")),
    )


class _PolicyCache:
    """Per process: the policy per request host, valid while the shared token is unchanged
    and for at most ``MAX_AGE_SECONDS`` (so a write that bypasses the signals, a raw SQL
    fix or a cleared cache, is picked up within a minute anyway)."""

    MAX_AGE_SECONDS = 60.0

    def __init__(self) -> None:
        self._policies: dict[str, tuple[str | None, float, SitePolicy]] = {}

    def get(self, request: HttpRequest) -> SitePolicy | None:
        try:
            host = request.get_host()
        except Exception:  # DisallowedHost: the normal stack answers with a 400
            return None
        generation = caches["default"].get(GENERATION_KEY)
        now = time.monotonic()
        known = self._policies.get(host)
        if known is not None and known[0] == generation and now - known[1] < self.MAX_AGE_SECONDS:
            return known[2]
        from wagtail.models import Site

        site = Site.find_for_request(request)
        policy = policy_for_site(site.pk if site else None)
        if len(self._policies) > 1000:  # hosts come from requests: keep it bounded
            self._policies.clear()
        self._policies[host] = (generation, now, policy)
        return policy


_policies = _PolicyCache()


def policy_changed() -> None:
    """Tell every process to rebuild its policies once the current transaction commits."""
    transaction.on_commit(
        lambda: caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, None), robust=True
    )


def _is_exempt(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.CSP_EXEMPT_PATH_PREFIXES)


class ContentSecurityPolicyMiddleware:
    """Adds the site's policy to its HTML responses and fills in the nonce placeholder."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        nonce = secrets.token_urlsafe(18)
        placeholder = nonce_placeholder().encode()
        content: bytes = response.content  # type: ignore[attr-defined]
        if placeholder in content:
            response.content = content.replace(placeholder, nonce.encode())  # type: ignore[attr-defined]
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))  # type: ignore[attr-defined]
        if _is_exempt(request.path) or response.has_header("Content-Security-Policy"):
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
