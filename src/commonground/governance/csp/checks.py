"""What the registry lets the site load: the hosts that are the site itself, the references to
hosts not approved for their directive, and the checks content (and a site tag) runs before
it saves. Reads no model of this package, so ``csp.models`` may import it."""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from wagtail.models import Site

from ..registry.hosts import host_matches
from ..registry.selectors import approved_hosts_by_directive, rejection_of, request_url
from . import third_party
from .third_party import Reference


def own_hosts() -> set[str]:
    """The hosts that are first-party: every site's, the admin's base URL, the allowed hosts
    (wildcards aside), and absolute STATIC_URL / MEDIA_URL (a CDN of our own)."""
    urls = [f"//{hostname}" for hostname in Site.objects.values_list("hostname", flat=True)]
    urls += [f"//{host.lstrip('.')}" for host in settings.ALLOWED_HOSTS if "*" not in host]
    urls += [settings.STATIC_URL or "", settings.MEDIA_URL or ""]
    urls.append(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    return {host for host in map(third_party.url_host, urls) if host}


def unapproved(references: Iterable[Reference]) -> list[Reference]:
    """The references that load from a host the registry has not approved for their
    directive (first-party hosts are always fine), each (directive, host) once."""
    found = third_party.third_party(references, own_hosts())
    if not found:
        return []
    approved = approved_hosts_by_directive()
    return [
        reference
        for reference in found
        if not any(host_matches(p, reference.host) for p in approved.get(reference.directive, ()))
    ]


def refusal_messages(references: Iterable[Reference]) -> list[str]:
    """One message per unapproved reference, naming the host and linking a pre-filled
    request (the editor's script turns the address into a link); for a host IT rejected,
    the rejection (when, by whom, why) instead of an invitation to ask again."""
    messages = []
    for ref in unapproved(references):
        rejected = rejection_of(ref.host)
        if rejected is not None:
            messages.append(
                f"{ref.phrase.capitalize()} “{ref.host}” are not allowed: "
                f"{rejected.sentence()}. Use an approved alternative."
            )
        else:
            messages.append(
                f"{ref.phrase.capitalize()} “{ref.host}” are not approved in the technology "
                f"registry. Ask IT to approve it: {request_url(ref.host, ref.directive)}"
            )
    return messages


def check_url(url: str, directive: str, element: str) -> None:
    """ValidationError when ``url`` would load from a host not approved for ``directive``,
    or is not a web address at all (``data:`` images aside)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    if (
        scheme
        and scheme not in {"http", "https"}
        and not (scheme == "data" and directive == "img-src")
    ):
        raise ValidationError(f"Enter a web address (https://...), not a {scheme}: one.")
    found = third_party.reference(url, directive, element)
    messages = refusal_messages([found] if found else [])
    if messages:
        raise ValidationError(messages)


def check_html(html: str) -> None:
    """ValidationError naming every unapproved host ``html`` loads from, and every way it
    would run code (refused whatever the policy's mode: report-only blocks nothing)."""
    findings = third_party.inspect_html(html or "")
    messages = [
        f"Remove {code.what} (<{code.element}>): content may not run code in visitors' "
        "browsers. Load the vendor's script from its address instead."
        for code in findings.inline_code
    ]
    messages += refusal_messages(findings.references)
    if messages:
        raise ValidationError(messages)
