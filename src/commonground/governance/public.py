"""What other apps may use of governance: the registry's verdict on hosts, the checks content
runs before it saves, the consent purpose a host needs, and the privacy registries each app
declares its personal data and retention kinds in."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.urls import reverse

from . import selectors, third_party
from .hosts import normalise_host
from .models import Technology, TechnologyHost
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


def own_hosts() -> set[str]:
    """The hosts that are the site itself (never third-party)."""
    return selectors.own_hosts()


def request_url(host: str, directive: str) -> str:
    """The admin URL of a technology request pre-filled with ``host`` for ``directive``."""
    query = urlencode({"host": host, "directive": directive})
    return f"{reverse('governance_request_new')}?{query}"


def unapproved(references: Iterable[third_party.Reference]) -> list[third_party.Reference]:
    """The references that load from a host the registry has not approved for their
    directive (first-party hosts are always fine), each (directive, host) once."""
    return selectors.unapproved(references)


def refusal_messages(references: Iterable[third_party.Reference]) -> list[str]:
    """One message per unapproved reference, naming the host and linking a pre-filled
    request (the editor's script turns the address into a link)."""
    return [
        f"{ref.phrase.capitalize()} “{ref.host}” are not approved in the technology "
        f"registry. Ask IT to approve it: {request_url(ref.host, ref.directive)}"
        for ref in unapproved(references)
    ]


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
    """ValidationError naming every unapproved host ``html`` loads from, and any inline
    code (which the site's policy would not run anyway)."""
    findings = third_party.inspect_html(html or "")
    messages = [
        f"Remove {code.what} (<{code.element}>): the site's security policy runs no inline "
        "code. Load the vendor's script from its address instead."
        for code in dict.fromkeys(findings.inline_code)
    ]
    messages += refusal_messages(findings.references)
    if messages:
        raise ValidationError(messages)


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
    "PersonalDataSource",
    "RegisteredTechnology",
    "RetentionKind",
    "Rows",
    "approved_hosts",
    "check_html",
    "check_url",
    "consent_purpose_for_host",
    "delete_rows",
    "load_governance_demo",
    "own_hosts",
    "register_personal_data",
    "register_retention_kind",
    "request_url",
    "rows_of",
    "scan_demo_site",
    "search_fragment",
    "technology_for_host",
    "unapproved",
    "users_with_address",
]


# --- For alignment's budget: the registry's costs and renewals, and requests by id. ---------

from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from .models import TechnologyRequest  # noqa: E402


@dataclass(frozen=True)
class TechnologyCost:
    """An approved technology's yearly cost as the registry holds it."""

    technology_id: int
    name: str
    vendor: str
    annual_cost: Decimal
    contract_renewal: date | None


@dataclass(frozen=True)
class RequestSummary:
    """A technology request's title and status, for others to show next to their own rows."""

    id: int
    title: str
    status: str
    status_label: str
    technology_name: str
    technology_status: str
    annual_cost: Decimal | None
    url: str


def approved_technology_costs() -> list[TechnologyCost]:
    """Every approved technology with a yearly cost in the registry, by name."""
    return [
        TechnologyCost(t.pk, t.name, t.vendor, t.annual_cost, t.contract_renewal)
        for t in Technology.objects.filter(
            status=Technology.Status.APPROVED, annual_cost__isnull=False
        ).order_by("name", "pk")
        if t.annual_cost is not None
    ]


def renewals_due(*, first: date, last: date) -> list[TechnologyCost]:
    """Approved technologies whose contract renews between ``first`` and ``last`` (both
    included), soonest first; the cost is 0 where the registry holds none."""
    return [
        TechnologyCost(t.pk, t.name, t.vendor, t.annual_cost or Decimal(0), t.contract_renewal)
        for t in Technology.objects.filter(
            status=Technology.Status.APPROVED, contract_renewal__range=(first, last)
        ).order_by("contract_renewal", "name")
    ]


def _summary(request: TechnologyRequest) -> RequestSummary:
    return RequestSummary(
        id=request.pk,
        title=str(request),
        status=request.status,
        status_label=request.get_status_display(),
        technology_name=request.technology.name,
        technology_status=request.technology.status,
        annual_cost=request.technology.annual_cost,
        url=reverse("governance_request", args=[request.pk]),
    )


def technology_request_summary(request_id: int) -> RequestSummary | None:
    """The request ``request_id``'s title and status, or None when there is none."""
    found = TechnologyRequest.objects.select_related("technology").filter(pk=request_id).first()
    return None if found is None else _summary(found)


def technology_request_summaries() -> list[RequestSummary]:
    """Every technology request, newest first (for a choice of request)."""
    return [_summary(r) for r in TechnologyRequest.objects.select_related("technology")]


__all__ += [
    "RequestSummary",
    "TechnologyCost",
    "approved_technology_costs",
    "renewals_due",
    "technology_request_summaries",
    "technology_request_summary",
]
