"""Review meetings' reads: counts for the pulse, next meetings, and the decision log."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import Action, Decision, Meeting, MeetingSeries
from . import schedule


def meetings_held(*, first: date, last: date) -> int:
    """Meetings held from ``first`` to ``last`` (both included, each in its series' zone)."""
    held = 0
    for series in MeetingSeries.objects.all():
        start, end = schedule.local_bounds(series, first, last)
        held += series.meetings.filter(
            status=Meeting.Status.HELD, starts_at__gte=start, starts_at__lt=end
        ).count()
    return held


def meetings_scheduled(*, first: date, last: date) -> int:
    """Meetings the cadence planned from ``first`` to ``last``, held or not: the meetings of
    each series in that range (planned rows, held, cancelled) and the cadence's dates no row
    was made for yet, counted from the day its current schedule took effect."""
    scheduled = 0
    for series in MeetingSeries.objects.all():
        start, end = schedule.local_bounds(series, first, last)
        rows = set(
            series.meetings.filter(starts_at__gte=start, starts_at__lt=end).values_list(
                "starts_at", flat=True
            )
        )
        since, _ = schedule.local_bounds(series, series.schedule_from, series.schedule_from)
        cadence = schedule.occurrences(series, after=max(start, since), before=end, limit=10_000)
        scheduled += len(rows | set(cadence))
    return scheduled


def series_with_next(*, now: datetime | None = None) -> list[tuple[MeetingSeries, Meeting | None]]:
    """Every series with its next planned meeting (two queries)."""
    now = now or timezone.now()
    series = list(MeetingSeries.objects.select_related("organiser").order_by("name", "pk"))
    upcoming: dict[int, Meeting] = {}
    for meeting in Meeting.objects.filter(
        status=Meeting.Status.PLANNED, starts_at__gte=now - schedule.LONGEST_MEETING
    ).order_by("starts_at", "pk"):
        upcoming.setdefault(meeting.series_id, meeting)
    return [(one, upcoming.get(one.pk)) for one in series]


def upcoming_meetings(series: MeetingSeries, *, limit: int = 6) -> QuerySet[Meeting]:
    return series.meetings.filter(
        starts_at__gte=timezone.now() - schedule.LONGEST_MEETING
    ).order_by("starts_at")[:limit]


def past_meetings(series: MeetingSeries, *, limit: int = 20) -> QuerySet[Meeting]:
    return series.meetings.filter(starts_at__lt=timezone.now() - schedule.LONGEST_MEETING).order_by(
        "-starts_at"
    )[:limit]


@dataclass(frozen=True)
class DecisionSearch:
    """The decision log's filters (each optional)."""

    text: str = ""
    first: date | None = None
    last: date | None = None
    source: str = ""


def decisions(search: DecisionSearch) -> QuerySet[Decision]:
    """The log's decisions matching ``search``: the text in title, context, decision,
    consequences or the owner's name; decided in the date range; from one source."""
    rows = Decision.objects.select_related("owner", "meeting__series")
    for word in search.text.split():
        rows = rows.filter(
            Q(title__icontains=word)
            | Q(context__icontains=word)
            | Q(decision__icontains=word)
            | Q(consequences__icontains=word)
            | Q(owner__username__icontains=word)
            | Q(owner__first_name__icontains=word)
            | Q(owner__last_name__icontains=word)
        )
    if search.first:
        rows = rows.filter(decided_on__gte=search.first)
    if search.last:
        rows = rows.filter(decided_on__lte=search.last)
    if search.source:
        rows = rows.filter(source=search.source)
    return rows.order_by("-decided_on", "-pk")


def owner_name(user: object) -> str:
    """A person's full name, else their username ("" for nobody)."""
    if user is None:
        return ""
    full = f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip()
    return full or str(getattr(user, "username", ""))


CSV_HEADER = (
    "decided_on",
    "title",
    "context",
    "decision",
    "consequences",
    "owner",
    "source",
    "technology_request",
    "meeting",
)


def decision_rows(rows: QuerySet[Decision]) -> Iterator[tuple[object, ...]]:
    """The log as CSV rows (plain values; the writer makes them formula-safe)."""
    for decision in rows.iterator(chunk_size=500):
        meeting = decision.meeting
        yield (
            decision.decided_on.isoformat(),
            decision.title,
            decision.context,
            decision.decision,
            decision.consequences,
            owner_name(decision.owner),
            decision.get_source_display(),
            decision.request_id or "",
            f"{meeting.series.name} {timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"
            if meeting
            else "",
        )


def open_actions_of(user: object) -> QuerySet[Action]:
    """A user's open actions, the earliest due first (for the home screen)."""
    return (
        Action.objects.filter(owner_id=getattr(user, "pk", None), done_at__isnull=True)
        .select_related("meeting__series")
        .order_by("due_date", "pk")
    )


def decisions_between(*, first: date, last: date) -> QuerySet[Decision]:
    """Decisions taken from ``first`` to ``last`` (both included), newest first: the weekly
    report's "decided this week"."""
    return decisions(DecisionSearch(first=first, last=last))


def actions_due(*, until: date) -> QuerySet[Action]:
    """Open actions due on or before ``until``, the overdue first (the weekly report's
    "actions due")."""
    return (
        Action.objects.filter(done_at__isnull=True, due_date__lte=until)
        .select_related("owner", "meeting__series")
        .order_by("due_date", "pk")
    )
