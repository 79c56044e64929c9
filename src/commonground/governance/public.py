"""What other apps may use of governance: the registry's verdict on hosts, the checks content
runs before it saves, the consent purpose a host needs, the privacy registries each app
declares its personal data and retention kinds in; and for alignment, governance's numbers
(requests, scans, CSP reports, consent, two-factor coverage), the registry's costs and
renewals, and the signal a decided technology request sends."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone

from . import selectors, third_party
from .access import selectors as access_selectors
from .deadlines import working_days_between
from .hosts import normalise_host
from .models import (
    ScanFinding,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
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
from .signals import technology_request_decided

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


# --- for alignment's review meetings (the generated agenda) -----------------------------------


@dataclass(frozen=True)
class RequestAwaitingDecision:
    """An open technology request: submitted or in review, not yet decided."""

    id: int
    technology: str
    requester: str
    status: str  # "submitted" or "in_review"
    submitted_on: date
    review_due: date
    overdue: bool  # still open after its review deadline
    admin_url: str


def requests_awaiting_decision(*, today: date | None = None) -> list[RequestAwaitingDecision]:
    """Every open request, the earliest review deadline first (one query)."""
    today = today or timezone.localdate()
    return [
        RequestAwaitingDecision(
            id=row.pk,
            technology=row.technology.name,
            requester=(row.requester.get_full_name() or row.requester.get_username())
            if row.requester
            else "",
            status=row.status,
            submitted_on=timezone.localdate(row.submitted_at),
            review_due=row.review_due,
            overdue=bool(row.overdue),  # type: ignore[attr-defined]
            admin_url=reverse("governance_request", args=[row.pk]),
        )
        for row in selectors.open_requests(today)
    ]


@dataclass(frozen=True)
class UnapprovedHost:
    """A third-party host a scan found loading without the registry's approval."""

    host: str
    directive: str
    verdict: str  # "not_approved" (registered, not approved) or "unknown" (not registered)
    pages: int
    new: bool  # not found unapproved by the scan before


@dataclass(frozen=True)
class ScanResult:
    started_at: datetime
    hosts: tuple[UnapprovedHost, ...]
    admin_url: str


def unapproved_hosts_in_latest_scan() -> ScanResult | None:
    """The latest finished scan's unapproved hosts (each with the number of pages), marked
    new when the finished scan before it did not find them; None before any scan."""
    scans = list(selectors.finished_scans().values_list("pk", "started_at")[:2])
    if not scans:
        return None
    unapproved = (ScanFinding.Verdict.NOT_APPROVED, ScanFinding.Verdict.UNKNOWN)
    earlier: set[tuple[str, str]] = set()
    if len(scans) > 1:
        earlier = set(
            ScanFinding.objects.filter(scan_id=scans[1][0], verdict__in=unapproved).values_list(
                "host", "directive"
            )
        )
    rows = (
        ScanFinding.objects.filter(scan_id=scans[0][0], verdict__in=unapproved)
        .values("host", "directive", "verdict")
        .annotate(pages=Count("page_url", distinct=True))
        .order_by("host", "directive")
    )
    return ScanResult(
        started_at=scans[0][1],
        hosts=tuple(
            UnapprovedHost(
                host=row["host"],
                directive=row["directive"],
                verdict=row["verdict"],
                pages=row["pages"],
                new=(row["host"], row["directive"]) not in earlier,
            )
            for row in rows
        ),
        admin_url=reverse("governance_scans:index"),
    )


@dataclass(frozen=True)
class CspFinding:
    """A host the site's policy blocked (or reported) since a moment, over all pages."""

    host: str
    directive: str
    reports: int  # every report of the rows seen since then (their counts are not dated)
    pages: int
    first_seen: datetime
    last_seen: datetime


def csp_findings_since(since: datetime, *, before: datetime | None = None) -> list[CspFinding]:
    """CSP violation reports seen since ``since`` (and first seen before ``before``, when
    given), per blocked host and directive, the most reported first (one query): the CSP
    findings report's rows, each counting all its reports (a row holds a running count,
    not one per day)."""
    rows = selectors.violations(since=since)
    if before is not None:
        rows = rows.filter(first_seen__lt=before)
    grouped = (
        rows.values("blocked_host", "directive")
        .annotate(
            reports=Sum("count"),
            pages=Count("page_path", distinct=True),
            first=Min("first_seen"),
            last=Max("last_seen"),
        )
        .order_by("-reports", "blocked_host", "directive")
    )
    return [
        CspFinding(
            host=row["blocked_host"],
            directive=row["directive"],
            reports=row["reports"] or 0,
            pages=row["pages"],
            first_seen=row["first"],
            last_seen=row["last"],
        )
        for row in grouped
    ]


def csp_findings_url() -> str:
    return reverse("governance_csp_findings")


# --- for the alignment metric catalogue ---------------------------------------------------


CONSENT_PURPOSES: tuple[tuple[str, str], ...] = tuple(
    (purpose.value, purpose.label.capitalize())
    for purpose in Technology.ConsentPurpose
    if purpose != Technology.ConsentPurpose.NECESSARY
)


def _open_at(moment: datetime) -> Q:
    # Open at a past moment: submitted by then, decided after it (or not yet).
    return Q(submitted_at__lt=moment) & (Q(decided_at__isnull=True) | Q(decided_at__gte=moment))


def open_request_count(*, at: datetime | None = None) -> int:
    """Technology requests not decided (submitted or in review) now, as the requests
    listing's "open" filter shows them (``requests_awaiting_decision``'s rows); or at the
    moment ``at``."""
    if at is None:
        return selectors.open_requests().count()
    return TechnologyRequest.objects.filter(_open_at(at)).count()


def overdue_request_count(*, at: datetime | None = None) -> int:
    """Open technology requests past their review deadline now (the requests listing's
    "Overdue" rows, the posture page's late reviews); or at the moment ``at``. The deadline
    day itself is still in time."""
    if at is None:
        return selectors.open_requests().filter(review_due__lt=timezone.localdate()).count()
    # At a day's end (the next midnight) that day is the one judged, not the next.
    day = timezone.localdate(at - timedelta(microseconds=1))
    return TechnologyRequest.objects.filter(_open_at(at), review_due__lt=day).count()


def review_lead_times(*, start: datetime, end: datetime) -> list[int]:
    """For each request decided between ``start`` (included) and ``end`` (excluded): the
    working days from its submission day to its decision day (deadlines.py's count)."""
    return [
        working_days_between(timezone.localdate(submitted), timezone.localdate(decided))
        for submitted, decided in TechnologyRequest.objects.filter(
            decided_at__gte=start, decided_at__lt=end
        ).values_list("submitted_at", "decided_at")
    ]


@dataclass(frozen=True)
class ScanSummary:
    started_at: datetime
    finished_at: datetime | None
    hosts_found: int
    unapproved_found: int


def latest_finished_scan(*, before: datetime | None = None) -> ScanSummary | None:
    """The latest shadow-IT scan that finished (before ``before``, when given), as its scan
    report shows it: distinct third-party hosts, and those not approved for what they load."""
    scan = selectors.latest_finished_scan(before=before)
    if scan is None:
        return None
    return ScanSummary(scan.started_at, scan.finished_at, scan.hosts_found, scan.unapproved_found)


@dataclass(frozen=True)
class ConsentChoices:
    granted: int
    declined: int

    @property
    def total(self) -> int:
        return self.granted + self.declined


def consent_choices(*, first: date, last: date, purpose: str | None = None) -> ConsentChoices:
    """Visitors' consent choices counted on the days ``first`` to ``last`` (of one purpose,
    or all): the Consent choices report's own per-purpose counts, added up."""
    shares = [
        share
        for share in selectors.consent_shares(since=first, until=last)
        if purpose is None or share.purpose == purpose
    ]
    return ConsentChoices(
        granted=sum(share.granted for share in shares),
        declined=sum(share.declined for share in shares),
    )


@dataclass(frozen=True)
class TwoFactorCoverage:
    """Admin users with two-factor sign-in, as the security-posture page counts them."""

    admin_users: int
    admin_users_covered: int
    it_administrators: int  # and superusers: those who must have it
    it_administrators_covered: int


def two_factor_coverage() -> TwoFactorCoverage:
    """Who has two-factor sign-in now, among the active admin users and among the IT
    administrators (the posture page's "Two-factor sign-in" check)."""
    # Read as the posture check reads them: the annotations are not model fields.
    annotated: list[Any] = list(access_selectors.admin_users())
    users = [(bool(u.has_two_factor), bool(u.must_have_two_factor)) for u in annotated]
    return TwoFactorCoverage(
        admin_users=len(users),
        admin_users_covered=sum(1 for has, _ in users if has),
        it_administrators=sum(1 for _, must in users if must),
        it_administrators_covered=sum(1 for has, must in users if must and has),
    )


# --- For alignment's budget: the registry's costs and renewals, and requests by id. ---------


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


def _cost(technology: Technology) -> TechnologyCost:
    return TechnologyCost(
        technology.pk,
        technology.name,
        technology.vendor,
        technology.annual_cost or Decimal(0),
        technology.contract_renewal,
    )


def approved_technology_costs() -> list[TechnologyCost]:
    """Every approved technology with a yearly cost in the registry, by name."""
    return [
        _cost(t)
        for t in Technology.objects.filter(
            status=Technology.Status.APPROVED, annual_cost__isnull=False
        ).order_by("name", "pk")
    ]


def renewals_due(*, first: date, last: date) -> list[TechnologyCost]:
    """Approved technologies whose contract renews between ``first`` and ``last`` (both
    included), soonest first; the cost is 0 where the registry holds none."""
    return [
        _cost(t)
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


__all__ = [
    "CONSENT_PURPOSES",
    "DIRECTIVES",
    "ConsentChoices",
    "CspFinding",
    "PersonalDataSource",
    "RegisteredTechnology",
    "RequestAwaitingDecision",
    "RequestSummary",
    "RetentionKind",
    "Rows",
    "ScanResult",
    "ScanSummary",
    "TechnologyCost",
    "TwoFactorCoverage",
    "UnapprovedHost",
    "approved_hosts",
    "approved_technology_costs",
    "check_html",
    "check_url",
    "consent_choices",
    "consent_purpose_for_host",
    "csp_findings_since",
    "csp_findings_url",
    "delete_rows",
    "latest_finished_scan",
    "load_governance_demo",
    "open_request_count",
    "overdue_request_count",
    "own_hosts",
    "register_personal_data",
    "register_retention_kind",
    "renewals_due",
    "request_url",
    "requests_awaiting_decision",
    "review_lead_times",
    "rows_of",
    "scan_demo_site",
    "search_fragment",
    "technology_for_host",
    "technology_request_decided",
    "technology_request_summaries",
    "technology_request_summary",
    "two_factor_coverage",
    "unapproved",
    "unapproved_hosts_in_latest_scan",
    "users_with_address",
]
