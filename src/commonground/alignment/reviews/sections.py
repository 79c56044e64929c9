"""The agenda's sections of review meetings themselves (decisions, actions due and carried
forward); the other areas' sections are in their own packages, all imported by the app's ready()."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from commonground.governance import public as governance

from ..models import Action, Decision
from .agenda import AgendaContext, AgendaItem, Severity, agenda_section, meeting_url
from .selectors import owner_name


def _day(value: object) -> str:
    return f"{value:%-d %b %Y}"


def _pages(count: int) -> str:
    return f"{count} page{'s' if count != 1 else ''}"


def _meeting_name(action: Action) -> str:
    return f"{action.meeting.series.name}, {_day(timezone.localdate(action.meeting.starts_at))}"


def _name(user: object) -> str:
    return owner_name(user) or "nobody"


@agenda_section(
    key="technology-requests", title="Technology requests overdue or awaiting decision", order=20
)
def technology_requests(context: AgendaContext) -> list[AgendaItem]:
    items = []
    for request in governance.requests_awaiting_decision(today=context.today):
        state = "in review" if request.status == "in_review" else "not yet reviewed"
        who = f" by {request.requester}" if request.requester else ""
        if request.overdue:
            detail = f"Overdue: the review was due {_day(request.review_due)}; {state}."
        else:
            detail = f"Awaiting decision by {_day(request.review_due)}; {state}."
        items.append(
            AgendaItem(
                title=request.technology,
                detail=f"{detail} Submitted{who} on {_day(request.submitted_on)}.",
                url=request.admin_url,
                severity=Severity.URGENT if request.overdue else Severity.ATTENTION,
            )
        )
    # Overdue first, then by deadline (the order governance gives).
    return sorted(items, key=lambda item: item.severity != Severity.URGENT)


@agenda_section(key="unapproved-hosts", title="New unapproved third-party hosts", order=40)
def unapproved_hosts(context: AgendaContext) -> list[AgendaItem]:
    scan = governance.unapproved_hosts_in_latest_scan()
    if scan is None:
        return []
    return [
        AgendaItem(
            title=host.host,
            detail=(
                ("Not in the registry" if host.verdict == "unknown" else "Registered, not approved")
                + f"; loads for {host.directive} on {_pages(host.pages)}"
                f" (scan of {_day(timezone.localdate(scan.started_at))})."
            ),
            url=scan.admin_url,
            severity=Severity.URGENT if host.verdict == "unknown" else Severity.ATTENTION,
        )
        for host in scan.hosts
        if host.new
    ]


@agenda_section(key="csp-findings", title="CSP findings since the last meeting", order=50)
def csp_findings(context: AgendaContext) -> list[AgendaItem]:
    url = governance.csp_findings_url()
    return [
        AgendaItem(
            title=finding.host,
            detail=(
                f"{finding.reports} report{'s' if finding.reports != 1 else ''} for "
                f"{finding.directive} on {_pages(finding.pages)}"
                f"; last {_day(timezone.localdate(finding.last_seen))}"
                + ("; new since the last meeting." if finding.first_seen >= context.since else ".")
            ),
            url=url,
            severity=Severity.ATTENTION,
        )
        for finding in governance.csp_findings_since(context.since)
    ]


@agenda_section(key="decisions", title="Decisions since the last meeting", order=70)
def recent_decisions(context: AgendaContext) -> list[AgendaItem]:
    decisions = Decision.objects.filter(
        decided_on__gte=timezone.localdate(context.since), decided_on__lte=context.today
    ).select_related("owner")
    if context.meeting is not None:
        decisions = decisions.exclude(meeting_id=context.meeting.pk)
    log = reverse("alignment_reviews_decisions")
    return [
        AgendaItem(
            title=decision.title,
            detail=(
                f"{decision.get_source_display()}, {_day(decision.decided_on)}; "
                f"owner {_name(decision.owner)}."
            ),
            url=f"{log}#decision-{decision.pk}",
            severity=Severity.INFO,
        )
        for decision in decisions.order_by("decided_on", "pk")
    ]


@agenda_section(key="actions-due", title="Actions due by this meeting", order=80)
def actions_due(context: AgendaContext) -> list[AgendaItem]:
    due = Action.objects.filter(done_at__isnull=True, due_date__lte=context.meeting_day)
    return [
        AgendaItem(
            title=action.title,
            detail=(
                f"{'Overdue since' if action.due_date < context.today else 'Due'} "
                f"{_day(action.due_date)}; owner {_name(action.owner)}; from "
                f"{_meeting_name(action)}."
            ),
            url=meeting_url(action.meeting_id),
            severity=Severity.URGENT if action.due_date < context.today else Severity.ATTENTION,
        )
        for action in due.select_related("owner", "meeting__series").order_by("due_date", "pk")
    ]


@agenda_section(key="actions-carried-forward", title="Open actions carried forward", order=90)
def actions_carried_forward(context: AgendaContext) -> list[AgendaItem]:
    """Open actions of earlier meetings that are not due yet (those due are above)."""
    earlier = Q(meeting__starts_at__lt=context.meeting_at)
    if context.meeting is not None:
        earlier &= ~Q(meeting_id=context.meeting.pk)
    carried = Action.objects.filter(
        earlier, done_at__isnull=True, due_date__gt=context.meeting_day
    ).select_related("owner", "meeting__series")
    return [
        AgendaItem(
            title=action.title,
            detail=(
                f"Due {_day(action.due_date)}; owner {_name(action.owner)}; agreed at "
                f"{_meeting_name(action)}."
            ),
            url=meeting_url(action.meeting_id),
            severity=Severity.INFO,
        )
        for action in carried.order_by("due_date", "pk")
    ]
