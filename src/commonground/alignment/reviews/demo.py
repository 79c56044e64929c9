"""The demo's review meetings: a fortnightly series of both leads and two others, two
meetings held with minutes, decisions and actions, and the next one planned."""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..models import Action, Decision, Meeting, MeetingSeries
from . import schedule, services
from .agenda import generate_agenda

SERIES_NAME = "Marketing & IT review"
OTHERS = ("editor", "itadmin")  # the demo's Marketing Editor and IT Administrator

MINUTES = (
    "Spring campaign: conversion is behind pace; landing pages are slow on mobile (LCP p75 "
    "3.4 s). Agreed to fix speed before buying more traffic.\n"
    "Heatmaps request: IT's review is waiting for the vendor's DPA.",
    "LCP p75 down to 2.6 s after the image work. The chat widget on the pricing page loads "
    "from a host the registry has not approved; it comes off until IT reviews it.\n"
    "Budget: tool spend is 8% over plan because of two renewals.",
)

DECISIONS = (
    (
        0,
        "Speed before more paid traffic",
        "Paid visits to the spring landing pages convert at half the site's rate; LCP p75 is "
        "3.4 s on mobile.",
        "No new paid campaigns until the landing pages' LCP p75 is under 2.5 s.",
        "The paid budget of March moves to April; IT's web team does the image work first.",
        "cmo",
    ),
    (
        0,
        "Heatmaps only with a signed DPA",
        "Marketing needs click maps for the spring pages; the vendor stores personal data.",
        "IT approves Heatmaps Pro once the vendor's data-processing agreement is signed.",
        "Marketing chases the vendor; the request stays open meanwhile.",
        "cio",
    ),
    (
        1,
        "Chat widget off until reviewed",
        "The scan found the chat widget loading from an unapproved host on the pricing page.",
        "The widget comes off today; marketing files a technology request for it.",
        "Pricing-page questions go to the contact form for now.",
        "cio",
    ),
    (
        1,
        "Renewals reviewed a quarter ahead",
        "Two tool renewals came as a surprise and put tool spend over plan.",
        "Renewals due in the next 90 days are on every review's agenda.",
        "Each tool's owner says before the renewal whether it is still needed.",
        "cmo",
    ),
)


def _users() -> dict[str, Any]:
    User = get_user_model()
    return {user.get_username(): user for user in User.objects.filter(is_active=True)}


def load_reviews_demo(*, cmo: Any, cio: Any, write: Callable[[str], object] = print) -> None:
    """The demo's series (once; a second run changes nothing)."""
    if MeetingSeries.objects.filter(name=SERIES_NAME).exists():
        write("  review meetings: already there")
        return
    zone = ZoneInfo("Europe/Berlin")
    today = timezone.localdate()
    # Two fortnightly meetings in the past (24 and 10 days ago), the next in four days.
    first = today - timedelta(days=24)
    users = _users()
    others = [users[name] for name in OTHERS if name in users]
    with transaction.atomic():
        series = MeetingSeries.objects.create(
            name=SERIES_NAME,
            cadence=MeetingSeries.Cadence.FORTNIGHTLY,
            first_date=first,
            start_time=time(10, 0),
            time_zone=zone.key,
            duration_minutes=45,
            location="Room 2.14",
            video_url="https://meet.example.com/marketing-it-review",
            organiser=cmo,
            schedule_from=first,
        )
        series.attendees.set([cmo, cio, *others])
        now = timezone.now()
        starts = schedule.occurrences(
            series, after=datetime.combine(first, time(0), zone), before=now
        )[:2]
        held = []
        for start, minutes in zip(starts, MINUTES, strict=False):
            meeting = Meeting.objects.create(series=series, starts_at=start)
            meeting.agenda = generate_agenda(meeting=meeting).as_json()
            meeting.status = Meeting.Status.HELD
            meeting.minutes = minutes
            meeting.held_at = start + timedelta(minutes=45)
            meeting.save()
            held.append(meeting)
        services.plan_meetings(series)
        people = {"cmo": cmo, "cio": cio}
        for index, title, context, decision, consequences, owner in DECISIONS:
            if index < len(held):
                Decision.objects.create(
                    meeting=held[index],
                    title=title,
                    context=context,
                    decision=decision,
                    consequences=consequences,
                    owner=people[owner],
                    decided_on=timezone.localdate(held[index].starts_at),
                )
        if held:
            editor = users.get("editor", cmo)
            Action.objects.create(
                meeting=held[0],
                title="Compress and resize the spring landing pages' hero images",
                owner=users.get("itadmin", cio),
                due_date=timezone.localdate(held[0].starts_at) + timedelta(days=7),
                done_at=held[0].starts_at + timedelta(days=6),
            )
            Action.objects.create(
                meeting=held[0],
                title="Get Heatmaps Ltd's signed data-processing agreement",
                owner=editor,
                due_date=today - timedelta(days=3),  # overdue
            )
            Action.objects.create(
                meeting=held[-1],
                title="File a technology request for the chat widget",
                owner=editor,
                due_date=today + timedelta(days=1),  # due soon
            )
    write(f"  review meetings: {SERIES_NAME}, {len(held)} held, next planned")
