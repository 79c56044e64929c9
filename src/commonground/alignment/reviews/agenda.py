"""The agenda of a review meeting, generated from live data by a registry of sections.

A section is a function from an ``AgendaContext`` (the meeting, when the last one was, the
day) to its items, registered with ``@agenda_section(key=..., title=..., order=...)``.
The sections of this module are listed at the bottom; another area adds its own from its
own module, imported by ``AlignmentConfig.ready()`` (so every agenda has them all, whether
or not the admin is loaded)::

    from commonground.alignment.reviews.agenda import AgendaContext, AgendaItem, Severity
    from commonground.alignment.reviews.agenda import agenda_section

    @agenda_section(key="goals-at-risk", title="Goals at risk or off track", order=10)
    def goals_at_risk(context: AgendaContext) -> list[AgendaItem]:
        return [AgendaItem(title=..., detail=..., url=..., severity=Severity.URGENT), ...]

Orders leave gaps: 10 goals, 20 requests, 30 budget variances, 40 hosts, 50 CSP,
60 renewals, 70 decisions, 80 actions due, 90 actions carried forward. A section returns
its items (an empty list is "Nothing to discuss"); one that fails shows that it could not
run instead of breaking the agenda. Keep a section to one or two queries: the whole agenda
generates in a handful of queries (the bar is 300 ms with 50 goals).
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.urls import reverse
from django.utils import timezone

from ..models import Meeting
from . import schedule

logger = logging.getLogger(__name__)

NOTHING_TO_DISCUSS = "Nothing to discuss."


class Severity(StrEnum):
    """How much an item needs the meeting: ``urgent`` first, ``info`` to note."""

    URGENT = "urgent"
    ATTENTION = "attention"
    INFO = "info"


@dataclass(frozen=True)
class AgendaItem:
    title: str
    detail: str
    url: str  # an admin path
    severity: Severity = Severity.INFO

    def as_json(self) -> dict[str, str]:
        return {
            "title": self.title,
            "detail": self.detail,
            "url": self.url,
            "severity": self.severity.value,
        }


@dataclass(frozen=True)
class AgendaSection:
    key: str
    title: str
    items: tuple[AgendaItem, ...]
    failed: bool = False

    @property
    def empty_text(self) -> str:
        if self.failed:
            return "This section could not be generated; the server log has the error."
        return NOTHING_TO_DISCUSS

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "items": [item.as_json() for item in self.items],
            "empty": self.empty_text if not self.items else "",
            "failed": self.failed,
        }


@dataclass(frozen=True)
class AgendaContext:
    """What a section needs to know: the meeting (None when no meeting is planned: the
    agenda is then "as of now"), when it is, and since when news is new."""

    meeting: Meeting | None
    meeting_at: datetime  # the meeting's start, or now
    since: datetime  # the previous held meeting of the series, or one cadence gap back
    today: date
    now: datetime = field(default_factory=timezone.now)

    @property
    def meeting_day(self) -> date:
        return timezone.localdate(self.meeting_at)


SectionItems = Callable[[AgendaContext], Sequence[AgendaItem]]


@dataclass(frozen=True)
class SectionProvider:
    key: str
    title: str
    order: int
    items: SectionItems


_SECTIONS: dict[str, SectionProvider] = {}


def agenda_section(*, key: str, title: str, order: int) -> Callable[[SectionItems], SectionItems]:
    """Register ``items`` as the agenda section ``key`` (a second registration of a key
    replaces the first: reloading a module does not double a section)."""

    def register(items: SectionItems) -> SectionItems:
        _SECTIONS[key] = SectionProvider(key=key, title=title, order=order, items=items)
        return items

    return register


def sections() -> list[SectionProvider]:
    """The registered sections, in order."""
    return sorted(_SECTIONS.values(), key=lambda provider: (provider.order, provider.key))


@dataclass(frozen=True)
class MeetingSummary:
    id: int
    series: str
    series_id: int
    starts_at: datetime
    status: str
    url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "series": self.series,
            "series_id": self.series_id,
            "starts_at": self.starts_at.isoformat(),
            "status": self.status,
            "url": self.url,
        }


@dataclass(frozen=True)
class Agenda:
    meeting: MeetingSummary | None
    since: datetime
    generated_at: datetime
    sections: tuple[AgendaSection, ...]

    def as_text(self) -> str:
        """The agenda as plain text, for the command line and e-mail."""
        if self.meeting is None:
            lines = ["No meeting is planned; the agenda as of now."]
        else:
            when = timezone.localtime(self.meeting.starts_at)
            lines = [f"{self.meeting.series}, {when:%A %-d %B %Y, %H:%M}"]
        for number, section in enumerate(self.sections, start=1):
            lines += ["", f"{number}. {section.title}"]
            if not section.items:
                lines.append(f"   {section.empty_text}")
            for item in section.items:
                lines.append(f"   - {item.title}: {item.detail}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting.as_json() if self.meeting else None,
            "since": self.since.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "sections": [section.as_json() for section in self.sections],
        }


def next_planned_meeting(*, now: datetime | None = None) -> Meeting | None:
    """The earliest planned meeting not yet over, of any series."""
    now = now or timezone.now()
    # A meeting that began within the longest plausible length is still "next".
    return (
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED, starts_at__gte=now - schedule.LONGEST_MEETING
        )
        .select_related("series")
        .order_by("starts_at", "pk")
        .first()
    )


def _since(meeting: Meeting | None, now: datetime) -> datetime:
    if meeting is None:
        return now - schedule.LONGEST_GAP[schedule.Cadence.FORTNIGHTLY]
    previous = (
        Meeting.objects.filter(
            series_id=meeting.series_id,
            status=Meeting.Status.HELD,
            starts_at__lt=meeting.starts_at,
        )
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if previous is not None:
        return previous
    return meeting.starts_at - schedule.LONGEST_GAP[schedule.Cadence(meeting.series.cadence)]


def meeting_url(meeting_id: int) -> str:
    return reverse("alignment_reviews_meeting", args=[meeting_id])


def generate_agenda(*, meeting: Meeting | None = None) -> Agenda:
    """The agenda of ``meeting`` (by default the next planned one) from live data."""
    now = timezone.now()
    if meeting is None:
        meeting = next_planned_meeting(now=now)
    context = AgendaContext(
        meeting=meeting,
        meeting_at=meeting.starts_at if meeting else now,
        since=_since(meeting, now),
        today=timezone.localdate(now),
        now=now,
    )
    built = []
    for provider in sections():
        try:
            items = tuple(provider.items(context))
            failed = False
        except Exception:
            logger.exception("Agenda section %s failed", provider.key)
            items, failed = (), True
        built.append(AgendaSection(provider.key, provider.title, items, failed))
    summary = (
        MeetingSummary(
            id=meeting.pk,
            series=meeting.series.name,
            series_id=meeting.series_id,
            starts_at=meeting.starts_at,
            status=meeting.status,
            url=meeting_url(meeting.pk),
        )
        if meeting
        else None
    )
    return Agenda(meeting=summary, since=context.since, generated_at=now, sections=tuple(built))


def frozen_sections(agenda: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A held meeting's frozen agenda's sections, as stored (for the meeting page)."""
    if not isinstance(agenda, dict):
        return []
    found = agenda.get("sections")
    return [section for section in found if isinstance(section, dict)] if found else []
