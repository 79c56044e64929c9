"""Calendar periods a goal can run over (month, quarter, custom) and how far one has elapsed."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ..metrics import Period


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def quarter_of(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last_month = month_of(date(first.year, first.month + 2, 1))
    return Period(first, last_month.end)


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def quarter_label(period: Period) -> str:
    return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def elapsed_fraction(period: Period, now: datetime) -> float:
    """How much of ``period`` (its days in the server's zone) has passed at ``now``: 0 at its
    first midnight, 1 at the midnight after its last day."""
    start = _start_of(period.start)
    end = _start_of(period.end + timedelta(days=1))
    if now <= start:
        return 0.0
    if now >= end:
        return 1.0
    return (now - start) / (end - start)


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in the server's zone (what a daily snapshot judges at)."""
    return _start_of(day + timedelta(days=1)) - timedelta(microseconds=1)
