"""Review meetings' writes: series and their planned meetings, minutes, decisions, actions.

Each entry point runs in one transaction, checks the acting user's permission itself
(``permissions.py``; the views check too), validates the row with the model's own rules and
writes its audit entry (``alignment.meeting.*``, ``alignment.decision.*``,
``alignment.action.*``; registered in hooks.py). Invitations are e-mailed after commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.log_actions import log

from ..models import Action, Decision, Meeting, MeetingSeries
from ..sides import User
from . import schedule
from .permissions import may_complete, require_manage_series, require_record

SERIES_CREATE = "alignment.meeting.series_create"
SERIES_CHANGE = "alignment.meeting.series_change"
MEETING_HOLD = "alignment.meeting.hold"
MEETING_MINUTES = "alignment.meeting.minutes"
MEETING_CANCEL = "alignment.meeting.cancel"
DECISION_CREATE = "alignment.decision.create"
ACTION_CREATE = "alignment.action.create"
ACTION_COMPLETE = "alignment.action.complete"

# Meetings are planned (as rows) this far ahead; the hourly task keeps the window full.
PLAN_AHEAD = timedelta(days=62)
TIMING_FIELDS = ("cadence", "first_date", "start_time", "time_zone")

__all__ = ["PermissionDenied", "ValidationError"]


@dataclass(frozen=True)
class SeriesDetails:
    """What a lead says about a series."""

    name: str
    cadence: str
    first_date: date
    start_time: time
    time_zone: str
    duration_minutes: int
    location: str = ""
    video_url: str = ""
    organiser: Person | None = None
    attendees: Sequence[Person] = ()


def _person(user: User) -> Person | None:
    return user if isinstance(user, Person) else None


def _apply(series: MeetingSeries, details: SeriesDetails) -> None:
    for field in (
        "name",
        "cadence",
        "first_date",
        "start_time",
        "time_zone",
        "duration_minutes",
        "location",
        "video_url",
    ):
        setattr(series, field, getattr(details, field))
    series.organiser = details.organiser
    series.full_clean(exclude=["schedule_from"])


def _enqueue_invitation(series_id: int) -> None:
    from .tasks import send_series_invitation

    send_series_invitation.enqueue(series_id)


def create_series(*, user: User, details: SeriesDetails) -> MeetingSeries:
    """A new series (either lead), its next meetings planned, and the invitation e-mailed to
    its attendees once committed."""
    require_manage_series(user)
    with transaction.atomic():
        series = MeetingSeries(schedule_from=details.first_date)
        _apply(series, details)
        series.save()
        series.attendees.set(details.attendees)
        planned = plan_meetings(series)
        log(
            series,
            SERIES_CREATE,
            user=user,
            data={
                "cadence": series.cadence,
                "attendees": len(details.attendees),
                "planned": planned,
            },
        )
        transaction.on_commit(lambda: _enqueue_invitation(series.pk))
    return series


def change_series(*, user: User, series: MeetingSeries, details: SeriesDetails) -> MeetingSeries:
    """Change a series (either lead). A new cadence or time replaces the planned meetings
    that nothing was recorded for; the changed invitation (a higher SEQUENCE) is e-mailed."""
    require_manage_series(user)
    with transaction.atomic():
        locked = MeetingSeries.objects.select_for_update().get(pk=series.pk)
        before = {field: getattr(locked, field) for field in TIMING_FIELDS}
        _apply(locked, details)
        retimed = any(getattr(locked, field) != value for field, value in before.items())
        dropped = 0
        if retimed:
            today = timezone.localdate()
            locked.schedule_from = max(locked.first_date, today)
            dropped = _drop_empty_planned(locked)
        locked.sequence += 1
        locked.save()
        locked.attendees.set(details.attendees)
        planned = plan_meetings(locked)
        log(
            locked,
            SERIES_CHANGE,
            user=user,
            data={"retimed": retimed, "dropped": dropped, "planned": planned},
        )
        transaction.on_commit(lambda: _enqueue_invitation(locked.pk))
    return locked


def _drop_empty_planned(series: MeetingSeries) -> int:
    """Delete the series' future planned meetings nothing was recorded for."""
    empty = (
        series.meetings.filter(status=Meeting.Status.PLANNED, starts_at__gt=timezone.now())
        .filter(minutes="")
        .exclude(Exists(Decision.objects.filter(meeting=OuterRef("pk"))))
        .exclude(Exists(Action.objects.filter(meeting=OuterRef("pk"))))
    )
    deleted, _ = empty.delete()
    return deleted


def plan_meetings(series: MeetingSeries, *, now: datetime | None = None) -> int:
    """Create the series' meeting rows its cadence has from the last gap back until
    PLAN_AHEAD on (those missing); returns how many were created."""
    now = now or timezone.now()
    schedule_start, _ = schedule.local_bounds(series, series.schedule_from, series.schedule_from)
    after = max(schedule_start, now - schedule.LONGEST_GAP[schedule.Cadence(series.cadence)])
    starts = schedule.occurrences(series, after=after, before=now + PLAN_AHEAD)
    existing = set(series.meetings.filter(starts_at__in=starts).values_list("starts_at", flat=True))
    created = Meeting.objects.bulk_create(
        [Meeting(series=series, starts_at=start) for start in starts if start not in existing],
        ignore_conflicts=True,  # another worker planning the same series at once
    )
    return len(created)


def plan_all_meetings(*, now: datetime | None = None) -> int:
    """Keep every series' planned meetings PLAN_AHEAD ahead (the periodic task)."""
    return sum(plan_meetings(series, now=now) for series in MeetingSeries.objects.all())


def record_minutes(*, user: User, meeting: Meeting, minutes: str, held: bool) -> Meeting:
    """Save a meeting's minutes; ``held`` marks it held and freezes the agenda as generated
    now (a held meeting keeps the agenda it was held with)."""
    require_record(user, meeting.series)
    from .agenda import generate_agenda

    with transaction.atomic():
        locked = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
        if locked.status == Meeting.Status.CANCELLED:
            raise ValidationError({"minutes": "This meeting was cancelled."})
        locked.minutes = minutes
        newly_held = held and locked.status != Meeting.Status.HELD
        if newly_held:
            if locked.starts_at > timezone.now():
                raise ValidationError({"held": "A meeting can be held only once it has begun."})
            locked.agenda = generate_agenda(meeting=locked).as_json()
            locked.status = Meeting.Status.HELD
            locked.held_at = timezone.now()
        locked.full_clean(exclude=["series"])
        locked.save()
        log(
            locked,
            MEETING_HOLD if newly_held else MEETING_MINUTES,
            user=user,
            data={"minutes_length": len(minutes)},
        )
        plan_meetings(locked.series)
    return locked


def cancel_meeting(*, user: User, meeting: Meeting) -> Meeting:
    """Call off a planned meeting (the cadence goes on)."""
    require_record(user, meeting.series)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Meeting.Status.PLANNED:
            raise ValidationError(f"This meeting is {locked.get_status_display().lower()}.")
        locked.status = Meeting.Status.CANCELLED
        locked.save(update_fields=["status"])
        log(locked, MEETING_CANCEL, user=user, data={})
    return locked


@dataclass(frozen=True)
class DecisionDetails:
    title: str
    decision: str
    decided_on: date
    context: str = ""
    consequences: str = ""
    owner: Person | None = None


def add_decision(*, user: User, meeting: Meeting, details: DecisionDetails) -> Decision:
    """A decision taken at ``meeting``, into the log."""
    require_record(user, meeting.series)
    with transaction.atomic():
        if Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.CANCELLED).exists():
            raise ValidationError("This meeting was cancelled.")
        decision = Decision(
            meeting=meeting,
            title=details.title,
            context=details.context,
            decision=details.decision,
            consequences=details.consequences,
            owner=details.owner,
            decided_on=details.decided_on,
            source=Decision.Source.MEETING,
        )
        decision.full_clean()
        decision.save()
        log(decision, DECISION_CREATE, user=user, data=_decision_data(decision))
    return decision


def _decision_data(decision: Decision) -> dict[str, Any]:
    return {
        "source": decision.source,
        "meeting": decision.meeting_id,
        "request": decision.request_id,
        "owner": decision.owner_id,
        "decided_on": decision.decided_on.isoformat(),
    }


def add_action(
    *, user: User, meeting: Meeting, title: str, owner: Person, due_date: date
) -> Action:
    """An action agreed at ``meeting``; its owner is reminded before it is due."""
    require_record(user, meeting.series)
    with transaction.atomic():
        if Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.CANCELLED).exists():
            raise ValidationError("This meeting was cancelled.")
        action = Action(meeting=meeting, title=title, owner=owner, due_date=due_date)
        action.full_clean()
        action.save()
        log(
            action,
            ACTION_CREATE,
            user=user,
            data={"meeting": meeting.pk, "owner": owner.pk, "due_date": due_date.isoformat()},
        )
    return action


def complete_action(*, user: User, action: Action) -> Action:
    """Mark an action done (once; doing it again changes nothing)."""
    if not may_complete(user, action):
        raise PermissionDenied(
            "Only the action's owner, the leads and the series' attendees may mark it done."
        )
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if locked.done_at is None:
            locked.done_at = timezone.now()
            locked.save(update_fields=["done_at"])
            log(locked, ACTION_COMPLETE, user=user, data={"meeting": locked.meeting_id})
    return locked


def record_request_decision(
    *,
    request_id: int,
    title: str,
    approved: bool,
    reviewer: Person | None,
    reason: str,
    decided_at: datetime,
    **_: Any,
) -> Decision:
    """The log's entry for a decided technology request (called by governance's
    ``technology_request_decided`` signal, inside its transaction): one per request."""
    verdict = "Approved" if approved else "Rejected"
    with transaction.atomic():
        decision, created = Decision.objects.get_or_create(
            request_id=request_id,
            defaults={
                "title": f"{verdict}: {title}"[:200],
                "context": f"Technology request #{request_id} for {title}, reviewed by IT.",
                "decision": f"{verdict}. {reason}"[:5000],
                "consequences": (
                    f"{title} is approved in the technology registry: its hosts may load."
                    if approved
                    else f"{title} is not approved: the site's policy keeps its hosts out."
                ),
                "owner": reviewer,
                "decided_on": timezone.localdate(decided_at),
                "source": Decision.Source.TECHNOLOGY_REQUEST,
            },
        )
        if created:
            log(decision, DECISION_CREATE, user=reviewer, data=_decision_data(decision))
    return decision
