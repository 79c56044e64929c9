"""What other apps may use of governance (CSP, consent, the demo's registry and scan)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from . import selectors
from .hosts import normalise_host
from .models import Technology, TechnologyHost

DIRECTIVES = tuple(TechnologyHost.Directive.values)


@dataclass(frozen=True)
class RegisteredTechnology:
    name: str
    vendor: str
    status: str
    consent_purpose: str
    risk_tier: str

    @property
    def approved(self) -> bool:
        return self.status == "approved"


def approved_hosts(directive: str) -> set[str]:
    """The hosts approved technologies load from for one CSP directive (e.g. "script-src")."""
    if directive not in DIRECTIVES:
        raise ValueError(f"unknown directive {directive!r}; one of {', '.join(DIRECTIVES)}")
    return selectors.approved_hosts(directive)


def technology_for_host(host: str) -> RegisteredTechnology | None:
    """The registry entry ``host`` belongs to, in any status, or None (also for a host that
    is not a valid host name). Callers decide what a status means to them."""
    try:
        normalised = normalise_host(host)
    except ValidationError:
        return None
    technology = selectors.technology_for_host(normalised)
    if technology is None:
        return None
    return RegisteredTechnology(
        name=technology.name,
        vendor=technology.vendor,
        status=technology.status,
        consent_purpose=technology.consent_purpose,
        risk_tier=technology.risk_tier,
    )


def consent_purpose_for_host(host: str) -> str | None:
    """The consent purpose a visitor must agree to before ``host`` may load, or None: for
    hosts of approved technologies that are strictly necessary, and for hosts the registry
    has not approved (the Content-Security-Policy, not the consent banner, deals with those)."""
    technology = technology_for_host(host)
    if technology is None or not technology.approved:
        return None
    if technology.consent_purpose == Technology.ConsentPurpose.NECESSARY:
        return None
    return technology.consent_purpose


def load_governance_demo(*, write: Callable[[str], object] = print) -> None:
    """The demo's technology registry and requests (once)."""
    from .demo import load_governance_demo as load

    load(write=write)


def scan_demo_site(*, write: Callable[[str], object] = print) -> None:
    """The demo's first shadow-IT scan, unless a scan exists already."""
    from .demo import scan_demo_site as run  # the scan loads the middleware stack: only now

    run(write=write)


__all__ = [
    "DIRECTIVES",
    "RegisteredTechnology",
    "approved_hosts",
    "consent_purpose_for_host",
    "load_governance_demo",
    "scan_demo_site",
    "technology_for_host",
]
