"""The series' .ics invitation: a strict reading of RFC 5545 (CRLF, folding at 75 octets,
the properties a recurring VEVENT needs, a VTIMEZONE for its TZID) and its RRULE giving the
same meetings as the product plans (dateutil reads the rule, not our code)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from commonground.alignment.reviews import schedule
from commonground.alignment.reviews.ics import escape_text, fold, series_calendar, transitions

from ..conftest import client_for
from .ics_reading import event_of, prop, unescape, unfold_strictly
from .meetings import a_series


@pytest.mark.django_db
def test_the_invitation_parses_and_says_what_the_series_is(cmo: Any, cio: Any) -> None:
    cio.first_name, cio.last_name = "Chidi, the", 'CIO "Anagonye"'
    cio.save()
    series = a_series(
        cmo,
        [cmo, cio],
        name="Review; marketing, IT \\ a long name to fold over 75 octets — ünïcode ünïcode",
        location="Room 2.14,\nsecond floor",
    )
    response = client_for(cio).get(f"/admin/alignment/meetings/series/{series.pk}/invitation.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar, event = event_of(response.content.decode())

    assert unescape(prop(event, "SUMMARY")[1]) == series.name
    assert unescape(prop(event, "LOCATION")[1]) == (
        "Room 2.14,\nsecond floor, https://meet.example.com/review"
    )
    assert prop(event, "UID")[1] == f"{series.uid}@commonground"
    assert prop(event, "DURATION")[1] == "PT45M"
    assert prop(event, "RRULE")[1] == "FREQ=WEEKLY;INTERVAL=2"
    assert prop(event, "DTSTAMP")[1].endswith("Z")
    params, start = prop(event, "DTSTART")
    assert params == ["TZID=Europe/Berlin"]
    assert start == f"{series.first_date:%Y%m%d}T100000"
    (zone,) = [c for c in calendar["children"] if c["name"] == "VTIMEZONE"]
    assert prop(zone, "TZID")[1] == "Europe/Berlin"
    kinds = {c["name"] for c in zone["children"]}
    assert kinds == {"STANDARD", "DAYLIGHT"}
    _, organiser = prop(event, "ORGANIZER")
    assert organiser == f"mailto:{cmo.email}"
    attendees = {value: params for name, params, value in event["props"] if name == "ATTENDEE"}
    assert set(attendees) == {f"mailto:{cmo.email}", f"mailto:{cio.email}"}
    # A name with a comma and quotes is one quoted parameter value, without the quotes.
    assert 'CN="Chidi, the CIO Anagonye"' in attendees[f"mailto:{cio.email}"]


@pytest.mark.django_db
def test_the_uid_is_stable_and_a_change_raises_the_sequence(cmo: Any, cio: Any) -> None:
    from commonground.alignment.reviews import services

    from .meetings import series_details

    series = a_series(cmo, [cmo, cio])
    _, before = event_of(series_calendar(series))
    changed = services.change_series(
        user=cio, series=series, details=series_details([cmo, cio], duration_minutes=30)
    )
    _, after = event_of(series_calendar(changed))
    assert prop(after, "UID") == prop(before, "UID")
    assert int(prop(after, "SEQUENCE")[1]) == int(prop(before, "SEQUENCE")[1]) + 1
    assert prop(after, "DURATION")[1] == "PT30M"


@pytest.mark.parametrize(
    ("cadence", "rule"),
    [
        ("weekly", "FREQ=WEEKLY;INTERVAL=1"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
        ("monthly", "FREQ=MONTHLY;INTERVAL=1"),
    ],
)
@pytest.mark.django_db
def test_the_rrule_gives_the_meetings_the_product_plans(
    cmo: Any, cio: Any, cadence: str, rule: str
) -> None:
    # The 31st, across the spring daylight-saving change: a month without a 31st has no
    # meeting, and 10:00 stays 10:00 in Berlin.
    first = date(2027, 1, 31)
    series = a_series(cmo, [cmo, cio], cadence=cadence, first_date=first)
    _, event = event_of(series_calendar(series))
    assert prop(event, "RRULE")[1] == rule
    zone = ZoneInfo("Europe/Berlin")
    dtstart = datetime.combine(first, time(10), zone)
    calendar_rule = rrulestr(prop(event, "RRULE")[1], dtstart=dtstart)
    until = datetime(2027, 9, 1, tzinfo=UTC)
    expected = [
        moment.astimezone(UTC) for moment in calendar_rule.between(dtstart, until, inc=True)
    ]
    planned = schedule.occurrences(series, after=dtstart, before=until)
    assert planned == expected
    assert {moment.astimezone(zone).time() for moment in planned} == {time(10)}
    if cadence == "monthly":
        assert [m.astimezone(zone).month for m in planned] == [1, 3, 5, 7, 8]


@pytest.mark.django_db
def test_a_utc_series_starts_in_utc_without_a_time_zone(cmo: Any, cio: Any) -> None:
    series = a_series(cmo, [cmo, cio], time_zone="UTC")
    calendar, event = event_of(series_calendar(series))
    params, start = prop(event, "DTSTART")
    assert params == [] and start == f"{series.first_date:%Y%m%d}T100000Z"
    assert not [c for c in calendar["children"] if c["name"] == "VTIMEZONE"]


def test_text_is_escaped_and_lines_fold_without_splitting_characters() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf\x00g") == "a\\,b\\;c\\\\d\\ne\\nfg"
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    assert folded.endswith("\r\n")
    assert unfold_strictly(folded) == [line]


@pytest.mark.django_db
def test_a_zone_without_daylight_saving_has_one_standard_offset(cmo: Any, cio: Any) -> None:
    series = a_series(cmo, [cmo, cio], time_zone="Asia/Tokyo")
    calendar, _ = event_of(series_calendar(series))
    (zone,) = [c for c in calendar["children"] if c["name"] == "VTIMEZONE"]
    (standard,) = zone["children"]
    assert prop(standard, "TZOFFSETTO")[1] == "+0900"
    assert prop(standard, "TZOFFSETFROM")[1] == "+0900"


@pytest.mark.django_db
def test_without_an_organiser_the_sender_organises(cmo: Any, cio: Any, settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "Common Ground <meetings@example.org>"
    series = a_series(cmo, [cmo, cio], organiser=None)
    _, event = event_of(series_calendar(series, method="REQUEST"))
    assert prop(event, "ORGANIZER") == (['CN="Common Ground"'], "mailto:meetings@example.org")


@pytest.mark.django_db
def test_a_hostile_name_stays_one_property(cmo: Any, cio: Any) -> None:
    """Line breaks, escapes and property-looking text in the series' and a person's name: the
    SUMMARY is the name, nothing new appears. (No NUL: PostgreSQL cannot store one and the
    series form refuses it; escape_text's own test removes it.)"""
    cio.first_name, cio.last_name = 'Eve:mailto:x@evil.example;ROLE="CHAIR"', "\r\nATTENDEE:x"
    cio.save()
    name = "Review\r\nEND:VEVENT\nBEGIN:VALARM;\\n, x" + "ß" * 40
    series = a_series(cmo, [cmo, cio], name=name)
    calendar, event = event_of(series_calendar(series))
    assert unescape(prop(event, "SUMMARY")[1]) == name.replace("\r\n", "\n")
    assert [c["name"] for c in calendar["children"]] == ["VTIMEZONE", "VEVENT"]
    attendees = [(params, value) for n, params, value in event["props"] if n == "ATTENDEE"]
    assert [value for _, value in attendees] == [f"mailto:{cmo.email}", f"mailto:{cio.email}"]
    (cio_params,) = [params for params, value in attendees if value == f"mailto:{cio.email}"]
    assert cio_params[0] == 'CN="Eve:mailto:x@evil.example;ROLE=CHAIR ATTENDEE:x"'


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_each_listed_zone_change_is_the_zones_own_instant(zone_name: str) -> None:
    """Each change starts at the local second the zone changes (Berlin: 02:00:00, not a few
    seconds after), in the offset before it, as the zone database has it."""
    zone = ZoneInfo(zone_name)
    changes = transitions(zone, date(2026, 1, 5), years=3)
    assert len(changes) == 8  # two a year from 2025 to 2028
    for change in changes:
        assert change.starts.second == 0 and change.starts.minute in (0, 30)
        instant = (change.starts - change.offset_from).replace(tzinfo=UTC)
        assert (instant - timedelta(seconds=1)).astimezone(zone).utcoffset() == change.offset_from
        assert instant.astimezone(zone).utcoffset() == change.offset_to
