"""Action reminders: the owner gets one multipart e-mail N days before the action is due,
over real SMTP, and never a second (a second run, a second worker); a failed send is retried.
And the pulse's counts of meetings held and scheduled."""

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from commonground.alignment.models import Action, Meeting, MeetingSeries
from commonground.alignment.reviews import notifications, services
from commonground.alignment.reviews.selectors import meetings_held, meetings_scheduled
from commonground.alignment.reviews.tasks import send_action_reminders

from ..smtp_inbox import Inbox
from .meetings import a_series, past, smtp_backend_fixture  # noqa: F401  (a fixture)


@pytest.fixture
def meeting(cmo: Any, cio: Any) -> Meeting:
    series = a_series(cmo, [cmo, cio], first_date=past(3))
    found = series.meetings.order_by("starts_at").first()
    assert found is not None
    return found


def _action(meeting: Meeting, owner: Any, due_in: int, title: str = "Fix LCP") -> Action:
    return services.add_action(
        user=meeting.series.organiser,
        meeting=meeting,
        title=title,
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=due_in),
    )


def test_the_owner_is_reminded_once_before_the_action_is_due(
    smtp_backend: Inbox, meeting: Meeting, editor: Any, settings: Any
) -> None:
    settings.ALIGNMENT_ACTION_REMINDER_DAYS = 2
    due = _action(meeting, editor, 2, "Compress the hero images")
    _action(meeting, editor, 3, "Not yet")  # outside the window
    _action(meeting, editor, -1, "Already overdue")  # the agenda shows it; no reminder
    done = _action(meeting, editor, 1, "Done already")
    services.complete_action(user=editor, action=done)

    assert send_action_reminders.enqueue().return_value == 1
    ((recipients, message),) = smtp_backend.deliveries()
    assert recipients == [editor.email]
    assert message["Subject"] == f"Action due {due.due_date:%-d %B}: Compress the hero images"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Compress the hero images" in body
        assert "in 2 days" in body
        assert meeting.series.name.replace("&", "&amp;" if body is html else "&") in body
        assert f"/admin/alignment/meetings/{meeting.pk}/" in body
    due.refresh_from_db()
    assert due.reminder_sent_at is not None

    assert send_action_reminders.enqueue().return_value == 0  # never twice
    assert smtp_backend.count() == 1


def test_a_line_break_in_a_name_or_title_does_not_stop_the_mail(
    smtp_backend: Inbox, cmo: Any, cio: Any, editor: Any
) -> None:
    """Django refuses a Subject with a line break: the invitation and the reminder go out
    with the name on one line, and no header is added."""
    series = a_series(cmo, [cmo, cio], name="Review\r\nBcc: eve@example.com", first_date=past(3))
    assert notifications.send_invitation(series.pk) == 2
    meeting = series.meetings.order_by("starts_at").first()
    assert meeting is not None
    _action(meeting, editor, 1, "Fix\nthe LCP")
    assert notifications.send_due_reminders() == 1
    subjects = sorted(message["Subject"] for _, message in smtp_backend.deliveries())
    assert subjects[-1].endswith("Invitation: Review Bcc: eve@example.com")
    assert subjects[0].endswith(": Fix the LCP")
    assert all(message["Bcc"] is None for _, message in smtp_backend.deliveries())
    assert sorted(r for recipients, _ in smtp_backend.deliveries() for r in recipients) == sorted(
        [cmo.email, cio.email, editor.email]
    )


def test_of_two_workers_only_one_sends(meeting: Meeting, editor: Any) -> None:
    action = _action(meeting, editor, 1)
    now = timezone.now()
    assert notifications._claim(action.pk, now) is True
    assert notifications._claim(action.pk, now) is False  # the other worker's UPDATE finds none
    assert notifications.send_due_reminders() == 0


def test_a_failed_send_gives_the_claim_back(meeting: Meeting, editor: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    action = _action(meeting, editor, 1)
    assert notifications.send_due_reminders() == 0
    action.refresh_from_db()
    assert action.reminder_sent_at is None


def test_the_reminder_days_setting_widens_the_window(
    meeting: Meeting, editor: Any, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.ALIGNMENT_ACTION_REMINDER_DAYS = 5
    _action(meeting, editor, 5)
    assert notifications.send_due_reminders() == 1
    assert mailoutbox[0].to == [editor.email]


@pytest.mark.django_db
def test_meetings_held_and_scheduled(cmo: Any, cio: Any) -> None:
    # Weekly on Mondays from 4 Jan 2027, 09:00 in New York (UTC-5: still 4 Jan in UTC).
    series = services.create_series(
        user=cmo,
        details=services.SeriesDetails(
            name="Weekly",
            cadence=MeetingSeries.Cadence.WEEKLY,
            first_date=date(2027, 1, 4),
            start_time=time(21, 30),  # 02:30 UTC the next day: the zone decides the day
            time_zone="America/New_York",
            duration_minutes=30,
            attendees=[cmo, cio],
        ),
    )
    january = {"first": date(2027, 1, 1), "last": date(2027, 1, 31)}
    assert meetings_scheduled(**january) == 4  # 4, 11, 18, 25 January
    assert meetings_scheduled(first=date(2027, 1, 5), last=date(2027, 1, 11)) == 1
    assert meetings_held(**january) == 0
    first = series.meetings.order_by("starts_at").first()
    assert first is not None
    Meeting.objects.filter(pk=first.pk).update(status=Meeting.Status.HELD)
    assert meetings_held(**january) == 1
    assert meetings_scheduled(**january) == 4  # held or not
    assert meetings_scheduled(first=date(2026, 12, 1), last=date(2026, 12, 31)) == 0


def test_the_demo_loads_once(cmo: Any, cio: Any, editor: Any) -> None:
    from commonground.alignment.models import Decision
    from commonground.alignment.reviews.demo import load_reviews_demo

    load_reviews_demo(cmo=cmo, cio=cio, write=lambda _: None)
    load_reviews_demo(cmo=cmo, cio=cio, write=lambda _: None)
    (series,) = MeetingSeries.objects.all()
    assert series.cadence == "fortnightly" and {cmo, cio} <= set(series.attendees.all())
    held = series.meetings.filter(status="held")
    assert held.count() == 2 and all(m.minutes and m.agenda for m in held)
    assert series.meetings.filter(status="planned", starts_at__gt=timezone.now()).exists()
    assert Decision.objects.filter(meeting__series=series).count() == 4
    actions = Action.objects.filter(meeting__series=series)
    today = timezone.localdate()
    assert actions.filter(done_at__isnull=False).count() == 1
    assert actions.filter(done_at__isnull=True, due_date__lt=today).count() == 1
    assert actions.filter(done_at__isnull=True, due_date__gte=today).count() == 1


@pytest.mark.django_db
def test_a_new_cadence_counts_from_the_day_it_took_effect(cmo: Any, cio: Any) -> None:
    from .meetings import series_details

    series = a_series(cmo, [cmo, cio], first_date=past(3), cadence="fortnightly")
    before = set(series.meetings.values_list("starts_at", flat=True))
    services.change_series(
        user=cio,
        series=series,
        details=series_details([cmo, cio], first_date=past(3), cadence="weekly"),
    )
    series.refresh_from_db()
    assert series.schedule_from == timezone.localdate()
    # The meeting of 3 days ago (planned fortnightly) still counts; the weekly cadence's dates
    # before today do not; from today on, weekly.
    assert meetings_scheduled(first=past(6), last=past(1)) == 1
    kept = set(series.meetings.values_list("starts_at", flat=True))
    assert min(before) in kept
    ahead = timezone.localdate() + timedelta(days=28)
    assert meetings_scheduled(first=timezone.localdate() + timedelta(days=1), last=ahead) == 4
