"""The instants a period of days spans, in the project's time zone (``TIME_ZONE``)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from .base import Period


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's first instant (its first day's midnight) and the instant after its last
    (the next day's midnight): a half-open range, so that adjacent periods never overlap."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def state_moment(period: Period) -> datetime | None:
    """When a state ("open requests", "confirmed subscribers") is read for ``period``: the
    end of a period that is over, or None (now) for one that runs through today."""
    _, end = period_bounds(period)
    return end if end <= timezone.now() else None
