"""Template tags for the public site: the CSP nonce, the consent gate and the banner."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from .. import csp, public
from ..third_party import hold_for_consent as gate
from ..third_party import url_host

register = template.Library()


@register.simple_tag
def csp_nonce() -> str:
    """This response's nonce for one of our own inline scripts (filled in on the way out)."""
    return csp.nonce_placeholder()


@register.simple_tag
def consent_purpose_for_url(url: str) -> str:
    """The consent purpose ``url``'s host needs before it may load, or an empty string."""
    host = url_host(url or "")
    return (public.consent_purpose_for_host(host) or "") if host else ""


@register.filter
def hold_for_consent(html: str) -> SafeString:
    """An editor's HTML snippet with what needs consent made inert until it is given."""
    purposes: dict[str, str | None] = {}

    def purpose_for_host(host: str) -> str | None:
        if host not in purposes:
            purposes[host] = public.consent_purpose_for_host(host)
        return purposes[host]

    return mark_safe(gate(str(html or ""), purpose_for_host))  # noqa: S308 - editor HTML, by design


@register.inclusion_tag("governance/consent_banner.html", takes_context=True)
def consent_banner(context: template.Context) -> dict:
    """The banner for the purposes approved technologies need consent for (nothing when
    none do), and the inline start-up script that applies a stored choice before paint."""
    from commonground.core import page_cache

    from ..consent import banner
    from ..policy_changes import REGISTRY_TAG

    page_cache.depends_on(REGISTRY_TAG)
    current = banner()
    return {"banner": current, "config": current.as_json(), "nonce": csp.nonce_placeholder()}
