"""A series as an iCalendar invitation (RFC 5545): one recurring VEVENT and its time zone.

Written here rather than with a library because it is small: text is escaped (3.3.11), lines
are folded at 75 octets without splitting a character (3.1), every line ends in CRLF. The
start is the series' wall-clock time with its TZID, defined by a VTIMEZONE built from the
zone database: its offsets over the years around the series, each change listed (RDATE), so
a calendar keeps 10:00 at 10:00 across daylight-saving changes.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..models import MeetingSeries
from .schedule import rrule
from .selectors import owner_name

LINE_OCTETS = 75
PRODID = "-//Common Ground//Alignment review meetings//EN"
# How many years of the zone's offset changes the VTIMEZONE lists, from the first meeting's.
ZONE_YEARS = 20


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    # Other control characters are not allowed in a value at all.
    return "".join(ch for ch in value if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))


def _param(value: str) -> str:
    """A parameter value (a name in CN=): quoted, with the characters a quoted one may not hold
    (double quotes, controls) removed."""
    cleaned = "".join(ch for ch in value if ch != '"' and (ord(ch) >= 0x20 and ord(ch) != 0x7F))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """``line`` folded into CRLF-ended lines of at most 75 octets, continuations starting
    with a space, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # the leading space counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


@dataclass(frozen=True)
class Transition:
    """A change of a zone's offset: its local start (in the offset before it), from, to."""

    starts: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def transitions(zone: ZoneInfo, first: date, years: int = ZONE_YEARS) -> list[Transition]:
    """The zone's offset changes from ``first``'s year on, found day by day and narrowed to
    the second (zoneinfo does not list them)."""
    # From the year before: the first meeting needs the change in effect before it.
    start = datetime(first.year - 1, 1, 1, tzinfo=UTC)
    end = datetime(first.year + years, 1, 1, tzinfo=UTC)
    found: list[Transition] = []
    moment = start
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + timedelta(days=1)
        after = following.astimezone(zone).utcoffset()
        if after != before:
            # Whole seconds: halving the day in timedeltas left ``high`` up to a minute past
            # the change (02:00:28 for 02:00), and a DTSTART with those seconds.
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(zone)
            assert before is not None and after is not None
            found.append(
                Transition(
                    starts=(high + before).replace(tzinfo=None),
                    offset_from=before,
                    offset_to=after,
                    name=local.tzname() or "",
                    daylight=bool(local.dst()),
                )
            )
        moment, before = following, after
    return found


def vtimezone(zone: ZoneInfo, first: date) -> list[str]:
    """The VTIMEZONE lines for ``zone``: one STANDARD or DAYLIGHT per kind of change, with
    every change of that kind as an RDATE."""
    changes = transitions(zone, first)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    if not changes:
        here = datetime.combine(first, datetime.min.time(), zone)
        offset = here.utcoffset() or timedelta(0)
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(offset)}",
            f"TZOFFSETTO:{_offset(offset)}",
            f"TZNAME:{escape_text(here.tzname() or zone.key)}",
            "END:STANDARD",
        ]
    groups: dict[tuple[timedelta, timedelta, str, bool], list[Transition]] = {}
    for change in changes:
        groups.setdefault(
            (change.offset_from, change.offset_to, change.name, change.daylight), []
        ).append(change)
    for (offset_from, offset_to, name, daylight), group in groups.items():
        kind = "DAYLIGHT" if daylight else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{_local(group[0].starts)}"]
        if len(group) > 1:
            lines.append("RDATE:" + ",".join(_local(change.starts) for change in group[1:]))
        lines += [
            f"TZOFFSETFROM:{_offset(offset_from)}",
            f"TZOFFSETTO:{_offset(offset_to)}",
            f"TZNAME:{escape_text(name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _person(user: object) -> tuple[str, str]:
    return owner_name(user), _address(getattr(user, "email", "") or "")


def _address(address: str) -> str:
    # An address is a validated e-mail field; what could still break the line goes.
    return "".join(ch for ch in address if ch > " " and ch not in '"<>\\;,:')


def _people(users: Iterable[object]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for user in users:
        name, address = _person(user)
        if address and address.lower() not in seen:
            seen.add(address.lower())
            yield name, address


def _organizer(series: MeetingSeries) -> str:
    """The organiser, or (without one, or without an address) the address invitations come
    from: an invitation (METHOD:REQUEST) must name an organiser."""
    name, address = _person(series.organiser) if series.organiser else ("", "")
    if not address:
        sender_name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name, address = sender_name or "Common Ground", _address(sender)
    return f"ORGANIZER;CN={_param(name)}:mailto:{address}"


def series_url(series: MeetingSeries) -> str:
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    return base + reverse("alignment_reviews_series", args=[series.pk])


def series_calendar(series: MeetingSeries, *, method: str = "PUBLISH") -> str:
    """The series as an .ics file's text (``method`` REQUEST for an e-mailed invitation)."""
    zone = ZoneInfo(series.time_zone)
    start = datetime.combine(series.first_date, series.start_time)
    where = ", ".join(part for part in (series.location, series.video_url) if part)
    description = f"Review meeting of marketing and IT. Agenda and minutes: {series_url(series)}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    utc = series.time_zone == "UTC"
    if not utc:
        lines += vtimezone(zone, series.first_date)
    lines += [
        "BEGIN:VEVENT",
        f"UID:{series.uid}@commonground",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"SEQUENCE:{series.sequence}",
        (
            f"DTSTART:{_utc(start.replace(tzinfo=UTC))}"
            if utc
            else f"DTSTART;TZID={zone.key}:{_local(start)}"
        ),
        f"DURATION:PT{series.duration_minutes}M",
        f"RRULE:{rrule(series.cadence)}",
        f"SUMMARY:{escape_text(series.name)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{series_url(series)}",
    ]
    if where:
        lines.append(f"LOCATION:{escape_text(where)}")
    lines.append(_organizer(series))
    for name, address in _people(series.attendees.all()):
        lines.append(
            f"ATTENDEE;CN={_param(name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
            f":mailto:{address}"
        )
    lines += ["STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) for line in lines)
