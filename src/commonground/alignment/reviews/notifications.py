"""Review meetings' e-mail: the series invitation with its .ics, and action reminders.

Both are sent by tasks after the change committed. A reminder goes out once: the action is
claimed by setting ``reminder_sent_at`` with a conditional UPDATE, so of two workers only
one sends; a send that fails gives the claim back for the next run.
"""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from ..models import Action, MeetingSeries
from .agenda import meeting_url
from .ics import series_calendar, series_url

logger = logging.getLogger(__name__)


def _base() -> str:
    return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")


def reminder_days() -> int:
    return int(getattr(settings, "ALIGNMENT_ACTION_REMINDER_DAYS", 2))


def _subject(text: str) -> str:
    """``text`` on one line: Django refuses a header with a line break (BadHeaderError), and a
    series name or an action title may hold one (a form's text field keeps them)."""
    return " ".join(text.split())


def invitation_message(series: MeetingSeries, *, to: str) -> EmailMultiAlternatives:
    context = {"series": series, "url": series_url(series), "changed": series.sequence > 0}
    message = EmailMultiAlternatives(
        subject=_subject(
            ("Updated invitation: " if series.sequence else "Invitation: ") + series.name
        ),
        body=render_to_string("alignment/reviews/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach(
        "invitation.ics",
        series_calendar(series, method="REQUEST"),
        "text/calendar; method=REQUEST; charset=utf-8",
    )
    return message


def send_invitation(series_id: int) -> int:
    """The series' invitation to each attendee and the organiser (one message each, so
    nobody sees the others' addresses outside the calendar entry); returns how many."""
    series = (
        MeetingSeries.objects.select_related("organiser")
        .prefetch_related("attendees")
        .get(pk=series_id)
    )
    people = [*series.attendees.all(), series.organiser]
    addresses = sorted(
        {
            person.email.lower(): person.email for person in people if person and person.email
        }.values()
    )
    messages = [invitation_message(series, to=address) for address in addresses]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def reminder_message(action: Action, *, to: str) -> EmailMultiAlternatives:
    meeting = action.meeting
    context = {
        "action": action,
        "meeting": meeting,
        "meeting_start": timezone.localtime(meeting.starts_at),
        "url": _base() + meeting_url(meeting.pk),
        "days_left": (action.due_date - timezone.localdate()).days,
    }
    message = EmailMultiAlternatives(
        subject=_subject(f"Action due {action.due_date:%-d %B}: {action.title}"),
        body=render_to_string("alignment/reviews/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string("alignment/reviews/email/reminder.html", context), "text/html"
    )
    return message


def _claim(action_id: int, now: datetime) -> bool:
    return bool(
        Action.objects.filter(pk=action_id, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
    )


def send_due_reminders(*, today: date | None = None) -> int:
    """E-mail each open action's owner once, from ALIGNMENT_ACTION_REMINDER_DAYS days before
    it is due until the day itself; returns how many were sent."""
    today = today or timezone.localdate()
    due = (
        Action.objects.filter(
            done_at__isnull=True,
            reminder_sent_at__isnull=True,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=reminder_days()),
            owner__is_active=True,
        )
        .exclude(owner__email="")
        .select_related("owner", "meeting__series")
        .order_by("due_date", "pk")
    )
    sent = 0
    for action in due:
        if not _claim(action.pk, timezone.now()):
            continue  # another worker has it
        owner = action.owner
        if owner is None:  # the owner's account was deleted since the query
            continue
        try:
            reminder_message(action, to=owner.email).send(fail_silently=False)
        except Exception:
            Action.objects.filter(pk=action.pk).update(reminder_sent_at=None)
            logger.exception("Action reminder %s not sent; the next run retries", action.pk)
            continue
        sent += 1
    return sent
