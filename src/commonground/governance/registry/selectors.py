"""The registry's reads: request listings, what awaits whom, the approved hosts and the entry a
host belongs to; and what other apps read of it (through ``governance.public``): open and
overdue requests, review lead times, costs and renewals, requests by id."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from ..permissions import REVIEW, may
from .deadlines import working_days_between
from .hosts import host_matches, normalise_host
from .models import RequestComment, Technology, TechnologyHost, TechnologyRequest

User = AbstractBaseUser | AnonymousUser

DIRECTIVES = tuple(TechnologyHost.Directive.values)


def requests_with_overdue(today: date | None = None) -> QuerySet[TechnologyRequest]:
    """Requests annotated with ``overdue``: still open after their review deadline."""
    today = today or timezone.localdate()
    return TechnologyRequest.objects.select_related("technology", "requester").annotate(
        overdue=Case(
            When(Q(status__in=TechnologyRequest.OPEN, review_due__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def open_requests(today: date | None = None) -> QuerySet[TechnologyRequest]:
    return (
        requests_with_overdue(today)
        .filter(status__in=TechnologyRequest.OPEN)
        .order_by("review_due", "pk")
    )


def awaiting_action(user: User, today: date | None = None) -> QuerySet[TechnologyRequest]:
    """What waits for ``user``: for IT, every open request; for a requester, their open
    requests whose thread ends with someone else's comment (a question to answer)."""
    requests = open_requests(today)
    if may(user, REVIEW):
        return requests
    if not isinstance(user, Person):
        return requests.none()
    last_author = (
        RequestComment.objects.filter(request=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("author_id")[:1]
    )
    return (
        requests.filter(requester=user)
        .annotate(last_author=Subquery(last_author))
        .filter(last_author__isnull=False)
        .exclude(last_author=user.pk)
    )


def approved_hosts(directive: str) -> set[str]:
    """The hosts approved technologies load from for one CSP directive (e.g. "script-src")."""
    if directive not in DIRECTIVES:
        raise ValueError(f"unknown directive {directive!r}; one of {', '.join(DIRECTIVES)}")
    return approved_hosts_by_directive().get(directive, set())


def approved_hosts_by_directive() -> dict[str, set[str]]:
    """Every approved technology's hosts, per directive, in one read."""
    approved: dict[str, set[str]] = {}
    # A pending host (added to an approved entry) waits for its review outside the policy.
    for directive, host in TechnologyHost.objects.filter(
        technology__status=Technology.Status.APPROVED, pending=False
    ).values_list("directive", "host"):
        approved.setdefault(directive, set()).add(host)
    return approved


def technology_for_host(host: str) -> Technology | None:
    """The registry entry a (normalised) host belongs to: an exact host before a wildcard,
    an approved technology before any other."""
    rank: dict[str, int] = {Technology.Status.APPROVED: 0, Technology.Status.IN_REVIEW: 1}
    candidates = [
        row
        for row in TechnologyHost.objects.select_related("technology").filter(
            Q(host=host) | Q(host__startswith="*.")
        )
        if host_matches(row.host, host)
    ]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda row: (row.host.startswith("*."), rank.get(row.technology.status, 2)),
    )
    return best.technology


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


def registered_technology(host: str) -> RegisteredTechnology | None:
    """The registry entry ``host`` belongs to, in any status, or None (also for a host that
    is not a valid host name). Callers decide what a status means to them."""
    try:
        normalised = normalise_host(host)
    except ValidationError:
        return None
    technology = technology_for_host(normalised)
    if technology is None:
        return None
    return RegisteredTechnology(
        name=technology.name,
        vendor=technology.vendor,
        status=technology.status,
        consent_purpose=technology.consent_purpose,
        risk_tier=technology.risk_tier,
    )


@dataclass(frozen=True)
class RejectedHost:
    """IT's refusal of a host: which entry, when, by whom and why."""

    technology: str
    rejected_on: date | None
    rejected_by: str
    reason: str

    def sentence(self) -> str:
        when = f" on {self.rejected_on:%Y-%m-%d}" if self.rejected_on else ""
        who = f" by {self.rejected_by}" if self.rejected_by else ""
        why = f": {self.reason}" if self.reason else ""
        return f"IT rejected it{when}{who} ({self.technology}){why}"


def rejection_of(host: str) -> RejectedHost | None:
    """The rejection that covers ``host`` (normalised), when the registry entry it belongs to
    is rejected: the latest rejected request's date, reviewer and reason."""
    technology = technology_for_host(host)
    if technology is None or technology.status != Technology.Status.REJECTED:
        return None
    decision = (
        technology.requests.filter(status=TechnologyRequest.Status.REJECTED)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if decision is None:
        return RejectedHost(technology.name, timezone.localdate(technology.updated_at), "", "")
    reviewer = decision.decided_by
    return RejectedHost(
        technology=technology.name,
        rejected_on=timezone.localdate(decision.decided_at) if decision.decided_at else None,
        rejected_by=(reviewer.get_full_name() or reviewer.get_username()) if reviewer else "",
        reason=decision.rationale[:300],
    )


def request_url(host: str, directive: str) -> str:
    """The admin URL of a technology request pre-filled with ``host`` for ``directive``."""
    query = urlencode({"host": host, "directive": directive})
    return f"{reverse('governance_request_new')}?{query}"


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
        for row in open_requests(today)
    ]


# --- for the alignment metric catalogue ---------------------------------------------------


def _open_at(moment: datetime) -> Q:
    # Open at a past moment: submitted by then, decided after it (or not yet).
    return Q(submitted_at__lt=moment) & (Q(decided_at__isnull=True) | Q(decided_at__gte=moment))


def open_request_count(*, at: datetime | None = None) -> int:
    """Technology requests not decided (submitted or in review) now, as the requests
    listing's "open" filter shows them (``requests_awaiting_decision``'s rows); or at the
    moment ``at``."""
    if at is None:
        return open_requests().count()
    return TechnologyRequest.objects.filter(_open_at(at)).count()


def overdue_request_count(*, at: datetime | None = None) -> int:
    """Open technology requests past their review deadline now (the requests listing's
    "Overdue" rows, the posture page's late reviews); or at the moment ``at``. The deadline
    day itself is still in time."""
    if at is None:
        return open_requests().filter(review_due__lt=timezone.localdate()).count()
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
