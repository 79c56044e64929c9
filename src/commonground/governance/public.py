"""What other apps may use of governance: the registry's approved hosts (CSP, consent,
scanning), and the privacy registries each app declares its personal data in."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from . import selectors
from .hosts import normalise_host
from .models import TechnologyHost
from .privacy.registry import (
    PersonalDataSource,
    RetentionKind,
    Rows,
    delete_rows,
    register_personal_data,
    register_retention_kind,
    rows_of,
    search_fragment,
    users_with_address,
)

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


__all__ = [
    "DIRECTIVES",
    "PersonalDataSource",
    "RegisteredTechnology",
    "RetentionKind",
    "Rows",
    "approved_hosts",
    "delete_rows",
    "register_personal_data",
    "register_retention_kind",
    "rows_of",
    "search_fragment",
    "technology_for_host",
    "users_with_address",
]
