"""Review meetings through HTTP as each role: every role reads, leads plan series, those at
the table record; bad input is a form error naming the field; the invitation reaches each
attendee over real SMTP with the .ics attached."""

from datetime import time, timedelta
from html import escape
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.models import Action, Decision, Meeting, MeetingSeries
from commonground.alignment.reviews import services

from ..conftest import client_for
from ..smtp_inbox import Inbox
from .ics_reading import event_of, prop
from .meetings import a_series, series_form, smtp_backend_fixture  # noqa: F401  (a fixture)

BASE = "/admin/alignment/meetings/"


PLAN = "Only the Marketing Lead or the IT Lead may plan meeting series."
RECORD = "Only the leads and the series' attendees may record minutes, decisions and actions."
COMPLETE = "Only the action's owner, the leads and the series' attendees may mark it done."


def accepted(response: Any) -> bool:
    return response.status_code == 302 and response.get("Location") != reverse("wagtailadmin_home")


def refused(response: Any, reason: str) -> bool:
    """A 403 page giving the reason (alignment/refusals.py), not Wagtail's redirect home."""
    return response.status_code == 403 and escape(reason) in response.content.decode()


@pytest.fixture
def held_meeting(cmo: Any, cio: Any, editor: Any) -> Meeting:
    series = a_series(cmo, [cmo, cio, editor], first_date=timezone.localdate() - timedelta(days=3))
    meeting = series.meetings.order_by("starts_at").first()
    assert meeting is not None and meeting.starts_at < timezone.now()
    services.add_action(
        user=cmo,
        meeting=meeting,
        title="Fix LCP",
        owner=editor,
        due_date=timezone.localdate(meeting.starts_at),  # due by the meeting itself
    )
    services.add_decision(
        user=cio,
        meeting=meeting,
        details=services.DecisionDetails(
            title="Speed first", decision="No paid traffic yet.", decided_on=timezone.localdate()
        ),
    )
    return services.record_minutes(user=cmo, meeting=meeting, minutes="We met.", held=True)


def _pages(meeting: Meeting) -> list[str]:
    return [
        BASE,
        f"{BASE}series/{meeting.series_id}/",
        f"{BASE}series/{meeting.series_id}/invitation.ics",
        f"{BASE}{meeting.pk}/",
        f"{BASE}decisions/",
        f"{BASE}decisions/export.csv",
        f"{BASE}agenda.json",
    ]


@pytest.mark.parametrize("role", ["viewer", "editor", "publisher", "it_admin", "cmo", "cio"])
def test_every_role_reads_every_page(request: Any, role: str, held_meeting: Meeting) -> None:
    client = client_for(request.getfixturevalue(role))
    for url in _pages(held_meeting):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"{BASE}{held_meeting.pk}/").content.decode()
    assert "Speed first" in page and "Fix LCP" in page and "We met." in page
    assert 'data-agenda-section="actions-due"' in page


def test_the_menu_has_meetings_and_the_decision_log(viewer: Any) -> None:
    page = client_for(viewer).get("/admin/").content.decode()
    assert BASE in page and f"{BASE}decisions/" in page


@pytest.mark.parametrize("role", ["viewer", "editor", "publisher", "it_admin"])
def test_only_leads_plan_series(request: Any, role: str, cmo: Any, cio: Any) -> None:
    client = client_for(request.getfixturevalue(role))
    assert refused(client.get(f"{BASE}series/new/"), PLAN)
    assert refused(client.post(f"{BASE}series/new/", series_form([cmo, cio])), PLAN)
    assert not MeetingSeries.objects.exists()
    series = a_series(cmo, [cmo, cio])
    edit = client.post(f"{BASE}series/{series.pk}/edit/", series_form([cmo], name="X"))
    assert refused(edit, PLAN)
    series.refresh_from_db()
    assert series.name == "Marketing & IT review" and series.sequence == 0


def test_either_lead_plans_and_changes_a_series(cmo: Any, cio: Any, editor: Any) -> None:
    response = client_for(cmo).post(f"{BASE}series/new/", series_form([cmo, cio, editor]))
    assert accepted(response)
    series = MeetingSeries.objects.get()
    assert set(series.attendees.all()) == {cmo, cio, editor}
    planned = list(series.meetings.values_list("starts_at", flat=True))
    assert len(planned) >= 4 and all(b - a == timedelta(days=14) for a, b in pairwise(planned))
    response = client_for(cio).post(
        f"{BASE}series/{series.pk}/edit/", series_form([cmo, cio], cadence="weekly")
    )
    assert accepted(response)
    series.refresh_from_db()
    assert series.cadence == "weekly" and series.sequence == 1
    weekly = list(series.meetings.values_list("starts_at", flat=True))
    assert all(b - a == timedelta(days=7) for a, b in pairwise(weekly))
    from wagtail.models import ModelLogEntry

    assert set(ModelLogEntry.objects.values_list("action", flat=True)) >= {
        "alignment.meeting.series_create",
        "alignment.meeting.series_change",
    }


def test_the_invitation_reaches_each_attendee_over_smtp(
    smtp_backend: Inbox, cmo: Any, cio: Any, editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cmo).post(f"{BASE}series/new/", series_form([cmo, cio, editor]))
    assert accepted(response)
    deliveries = smtp_backend.deliveries()
    assert sorted(rcpt for rcpts, _ in deliveries for rcpt in rcpts) == sorted(
        [cmo.email, cio.email, editor.email]
    )
    series = MeetingSeries.objects.get()
    for _, message in deliveries:
        assert message["Subject"] == "Invitation: Marketing & IT review"
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_param("method") == "REQUEST"
        text = attachment.get_payload(decode=True).decode()
        calendar, event = event_of(text)
        assert prop(calendar, "METHOD")[1] == "REQUEST"
        assert prop(event, "UID")[1] == f"{series.uid}@commonground"
        assert "Marketing & IT review" in message.get_body(("plain",)).get_content()
    # A change sends the updated invitation.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cio).post(f"{BASE}series/{series.pk}/edit/", series_form([cmo, cio]))
    later = smtp_backend.deliveries()[len(deliveries) :]
    assert sorted(r for rcpts, _ in later for r in rcpts) == sorted([cmo.email, cio.email])
    assert all(m["Subject"].startswith("Updated invitation") for _, m in later)


def test_nothing_is_sent_when_creating_fails(
    smtp_backend: Inbox, cmo: Any, cio: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cmo).post(f"{BASE}series/new/", series_form([cmo, cio], name=""))
    assert response.status_code == 400
    assert smtp_backend.count() == 0 and not MeetingSeries.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Review\x00"}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"location": "y" * 10_000}, "location"),
        ({"cadence": "daily"}, "cadence"),
        ({"first_date": "next tuesday"}, "first_date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"duration_minutes": "forty"}, "duration_minutes"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"attendees": ["999999"]}, "attendees"),
        ({"attendees": ["abc"]}, "attendees"),
        ({"attendees": []}, "attendees"),
    ],
)
def test_bad_series_input_names_the_field(
    cmo: Any, cio: Any, changes: dict[str, Any], field: str
) -> None:
    response = client_for(cmo).post(f"{BASE}series/new/", series_form([cmo, cio], **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not MeetingSeries.objects.exists()


def test_a_missing_field_and_odd_bytes_are_form_errors(cmo: Any, cio: Any) -> None:
    data = series_form([cmo, cio])
    del data["first_date"]
    response = client_for(cmo).post(f"{BASE}series/new/", data)
    assert response.status_code == 400 and "first_date" in response.context["form"].errors
    # A lone surrogate's bytes and a NUL, sent raw: the name is refused, not a 500.
    raw = b"name=%ED%A0%80%00&cadence=weekly"
    response = client_for(cmo).post(
        f"{BASE}series/new/", raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and "name" in response.context["form"].errors


def test_attendees_and_leads_record_others_only_read(
    held_meeting: Meeting, editor: Any, it_admin: Any, viewer: Any, publisher: Any, cio: Any
) -> None:
    url = f"{BASE}{held_meeting.pk}/"
    decision = {
        "title": "Heatmaps with a DPA",
        "decision": "Approve once signed.",
        "decided_on": timezone.localdate().isoformat(),
    }
    action = {
        "title": "Chase the DPA",
        "owner": str(editor.pk),
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
    }
    for outsider in (viewer, it_admin, publisher):
        client = client_for(outsider)
        assert refused(client.post(f"{url}decisions/", decision), RECORD)
        assert refused(client.post(f"{url}actions/", action), RECORD)
        assert refused(client.post(f"{url}minutes/", {"minutes": "Mine"}), RECORD)
        assert refused(client.post(f"{url}cancel/"), RECORD)
        assert "Log a decision" not in client.get(url).content.decode()
    assert Decision.objects.count() == 1 and Action.objects.count() == 1

    attendee = client_for(editor)  # a Marketing Editor at the table
    assert accepted(attendee.post(f"{url}decisions/", decision))
    assert accepted(attendee.post(f"{url}actions/", action))
    assert accepted(attendee.post(f"{url}minutes/", {"minutes": "Amended."}))
    held_meeting.refresh_from_db()
    assert held_meeting.minutes == "Amended." and held_meeting.status == "held"
    assert Decision.objects.filter(title="Heatmaps with a DPA", meeting=held_meeting).exists()

    chase = Action.objects.get(title="Chase the DPA")
    assert refused(client_for(viewer).post(f"{BASE}actions/{chase.pk}/done/"), COMPLETE)
    assert accepted(client_for(cio).post(f"{BASE}actions/{chase.pk}/done/"))
    chase.refresh_from_db()
    assert chase.done_at is not None


def test_bad_decision_and_action_input_names_the_field(held_meeting: Meeting, cmo: Any) -> None:
    url = f"{BASE}{held_meeting.pk}/"
    client = client_for(cmo)
    response = client.post(
        f"{url}decisions/", {"title": "t" * 10_000, "decision": "", "decided_on": "soon"}
    )
    assert response.status_code == 400
    assert set(response.context["decision_form"].errors) == {"title", "decision", "decided_on"}
    response = client.post(f"{url}actions/", {"title": "A\x00", "owner": "x", "due_date": ""})
    assert response.status_code == 400
    assert set(response.context["action_form"].errors) == {"title", "owner", "due_date"}
    assert Decision.objects.count() == 1 and Action.objects.count() == 1


def test_a_future_meeting_cannot_be_marked_held(cmo: Any, cio: Any) -> None:
    series = a_series(cmo, [cmo, cio])
    future = series.meetings.order_by("starts_at").first()
    assert future is not None
    response = client_for(cmo).post(
        f"{BASE}{future.pk}/minutes/", {"minutes": "Early.", "held": "on"}
    )
    assert response.status_code == 400
    assert "held" in response.context["minutes_form"].errors
    future.refresh_from_db()
    assert future.status == "planned" and future.minutes == ""


def test_a_held_meeting_keeps_the_agenda_it_was_held_with(held_meeting: Meeting, cmo: Any) -> None:
    frozen = held_meeting.agenda
    assert frozen is not None
    assert [s["key"] for s in frozen["sections"]][-2:] == ["actions-due", "actions-carried-forward"]
    (due,) = [s for s in frozen["sections"] if s["key"] == "actions-due"]
    assert [item["title"] for item in due["items"]] == ["Fix LCP"]
    Action.objects.update(done_at=timezone.now())
    page = client_for(cmo).get(f"{BASE}{held_meeting.pk}/").content.decode()
    assert "Fix LCP" in page.split('data-agenda-section="actions-due"')[1].split("</section>")[0]


def test_meeting_times_are_shown_in_the_series_time_zone(cmo: Any, cio: Any) -> None:
    """The invitation says 10:00 in New York; the admin's pages say so too, not the server's
    UTC 15:00 (or 14:00)."""
    series = a_series(cmo, [cmo, cio], time_zone="America/New_York", start_time=time(10, 0))
    meeting = series.meetings.order_by("starts_at").first()
    assert meeting is not None
    client = client_for(cio)
    pages = {
        "series": client.get(f"{BASE}series/{series.pk}/").content.decode(),
        "meeting": client.get(f"{BASE}{meeting.pk}/").content.decode(),
        "index": client.get(BASE).content.decode(),
        "home": client.get("/admin/").content.decode(),
    }
    utc = f"{meeting.starts_at.astimezone(ZoneInfo('UTC')):%H:%M}"
    assert utc != "10:00"
    for name, page in pages.items():
        assert ", 10:00" in page, name
        assert f", {utc}" not in page, name
    assert "(America/New_York)" in pages["meeting"] and "(America/New_York)" in pages["home"]
