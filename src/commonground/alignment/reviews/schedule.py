"""When a series meets: its cadence as dates and times in the series' zone, and as an RRULE.

Each meeting is at the series' wall-clock time in its zone, so a weekly 10:00 stays 10:00
across a daylight-saving change. A monthly series meets on the first meeting's day of the
month; a month without that day (the 31st in April) has no meeting, as RFC 5545 says an
RRULE's invalid dates are skipped, so the calendar and the product agree.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..models import MeetingSeries

Cadence = MeetingSeries.Cadence

RRULES = {
    Cadence.WEEKLY: "FREQ=WEEKLY;INTERVAL=1",
    Cadence.FORTNIGHTLY: "FREQ=WEEKLY;INTERVAL=2",
    Cadence.MONTHLY: "FREQ=MONTHLY;INTERVAL=1",
}
# How long a cadence's gap is at most: the window "since the last meeting" when there was none.
LONGEST_GAP = {
    Cadence.WEEKLY: timedelta(days=7),
    Cadence.FORTNIGHTLY: timedelta(days=14),
    Cadence.MONTHLY: timedelta(days=31),
}


def rrule(cadence: str) -> str:
    return RRULES[Cadence(cadence)]


def _dates(series: MeetingSeries, start: date) -> Iterator[date]:
    """Meeting days from ``start`` (the first meeting's day or a later one of the cadence)."""
    first = series.first_date
    if series.cadence == Cadence.MONTHLY:
        months = max(0, (start.year - first.year) * 12 + start.month - first.month)
        while True:
            year, month = divmod(first.month - 1 + months, 12)
            months += 1
            try:
                yield date(first.year + year, month + 1, first.day)
            except ValueError:  # no such day this month: RFC 5545 skips it
                continue
    step = 7 if series.cadence == Cadence.WEEKLY else 14
    gaps = max(0, -(-(start - first).days // step))  # the first cadence day on or after start
    day = first + timedelta(days=gaps * step)
    while True:
        yield day
        day += timedelta(days=step)


def occurrences(
    series: MeetingSeries, *, after: datetime, before: datetime, limit: int = 500
) -> list[datetime]:
    """The series' meeting starts (aware, UTC) with ``after <= start < before``, from the
    first meeting on, at most ``limit``."""
    zone = ZoneInfo(series.time_zone)
    found: list[datetime] = []
    earliest = max(after.astimezone(zone).date() - timedelta(days=1), series.first_date)
    for day in _dates(series, earliest):
        start = datetime.combine(day, series.start_time, zone).astimezone(UTC)
        if start >= before or len(found) >= limit:
            break
        if start >= after:
            found.append(start)
    return found


def local_bounds(series: MeetingSeries, first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the series' zone, as aware datetimes."""
    zone = ZoneInfo(series.time_zone)
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# A meeting is "the next one" until this long after it began.
LONGEST_MEETING = timedelta(hours=8)
