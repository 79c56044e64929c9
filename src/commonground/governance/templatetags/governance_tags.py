"""Template tags for the public site: the CSP nonce, the consent gate and the banner."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Site

from commonground.core.pages import page_cache

from ..consent.banner import banner
from ..consent.gate import hold_for_consent as gate
from ..consent.selectors import consent_purpose_for_host
from ..csp import policy as csp
from ..csp import selectors
from ..csp.policy_changes import REGISTRY_TAG
from ..csp.third_party import url_host
from ..scripts.selectors import reviewed_integrity

register = template.Library()


@register.simple_tag
def csp_nonce() -> str:
    """This response's nonce for one of our own inline scripts (filled in on the way out)."""
    return csp.nonce_placeholder()


@register.simple_tag
def consent_purpose_for_url(url: str) -> str:
    """The consent purpose ``url``'s host needs before it may load, or an empty string."""
    host = url_host(url or "")
    return (consent_purpose_for_host(host) or "") if host else ""


@register.filter
def hold_for_consent(html: str) -> SafeString:
    """An editor's HTML snippet with what needs consent made inert until it is given."""
    purposes: dict[str, str | None] = {}

    def purpose_for_host(host: str) -> str | None:
        if host not in purposes:
            purposes[host] = consent_purpose_for_host(host)
        return purposes[host]

    def integrity_for(url: str) -> str | None:
        return reviewed_integrity([url]).get(url)

    held = gate(str(html or ""), purpose_for_host, integrity_for)
    return mark_safe(held)  # noqa: S308 - editor HTML (checked on save), by design


@register.inclusion_tag("governance/consent_banner.html", takes_context=True)
def consent_banner(context: template.Context) -> dict:
    """The banner for the purposes approved technologies need consent for (nothing when
    none do), and the inline start-up script that applies a stored choice before paint.
    Not in the editor's preview: the banner would cover the page being edited."""
    request = context.get("request")
    if request is not None and getattr(request, "is_preview", False):
        return {"banner": None, "config": {}, "nonce": ""}
    page_cache.depends_on(REGISTRY_TAG)
    current = banner()
    return {"banner": current, "config": current.as_json(), "nonce": csp.nonce_placeholder()}


@register.simple_tag(takes_context=True)
def site_tags(context: template.Context, placement: str) -> SafeString:
    """The site's tags for ``placement`` ("head" or "body"): each from an approved host only,
    with the SRI hash IT reviewed (a tag without one is left out: the browser would run any
    copy), and written inert until consent when its technology needs consent (consent.js
    restores every attribute, integrity and crossorigin included)."""
    request = context.get("request")
    page_cache.depends_on(REGISTRY_TAG)
    site = Site.find_for_request(request) if request is not None else None
    on_site = [
        tag
        for tag in selectors.site_tags(site_id=site.pk if site else None, placement=placement)
        if tag.approved  # the policy would block it: the tag list says so, the page stays clean
    ]
    hashes = reviewed_integrity(tag.tag.script_url for tag in on_site)
    parts = []
    for on_page in on_site:
        integrity = hashes.get(on_page.tag.script_url)
        if not integrity:
            continue  # not reviewed: the inventory and the posture page say so
        asynchronous = " async" if on_page.tag.load_async else ""
        source = "data-consent-src" if on_page.consent_purpose else "src"
        held = (
            format_html(' data-consent-purpose="{}" type="text/plain"', on_page.consent_purpose)
            if on_page.consent_purpose
            else ""
        )
        parts.append(
            format_html(
                '<script {}="{}"{}{} integrity="{}" crossorigin="anonymous" '
                'data-site-tag="{}"></script>',
                mark_safe(source),  # noqa: S308 - a constant
                on_page.tag.script_url,
                mark_safe(asynchronous),  # noqa: S308 - a constant
                held,
                integrity,
                on_page.tag.name,
            )
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - each part built by format_html
