"""Date ranges in a site's time zone, as the UTC instants the store is queried with."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

REALTIME = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates ``first``..``last`` (inclusive); ``start``..``end`` (end exclusive) in UTC."""

    first: date
    last: date
    start: datetime  # naive UTC, as stored
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant (naive) at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(), zone).astimezone(UTC).replace(tzinfo=None)


def days_period(first: date, last: date, zone: ZoneInfo) -> Period:
    return Period(
        first, last, local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    )


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def resolve(
    date_range: str | tuple[date, date],
    zone: ZoneInfo,
    *,
    now: datetime,
    first_event_day: date | None = None,
) -> Period:
    """The period ``date_range`` names, as seen in ``zone`` at ``now`` (aware)."""
    today = now.astimezone(zone).date()
    if isinstance(date_range, tuple):
        return days_period(date_range[0], date_range[1], zone)
    if date_range == "realtime":
        end = now.astimezone(UTC).replace(tzinfo=None)
        return Period(today, today, end - REALTIME, end + timedelta(seconds=1))
    if date_range == "day":
        return days_period(today, today, zone)
    if date_range.endswith("d"):
        days = int(date_range[:-1])
        return days_period(today - timedelta(days=days - 1), today, zone)
    if date_range == "month":
        return days_period(today.replace(day=1), today, zone)
    if date_range == "year":
        return days_period(date(today.year, 1, 1), today, zone)
    if date_range == "12mo":
        return days_period(_months_back(today, 11), today, zone)
    # "all": from the site's first event (today when it has none)
    return days_period(min(first_event_day or today, today), today, zone)


def comparison_period(period: Period, kind: str, zone: ZoneInfo) -> Period:
    """The period to compare with: the one just before, or the same dates a year earlier."""
    if kind == "year_over_year":

        def year_earlier(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year - 1, day=28)

        return days_period(year_earlier(period.first), year_earlier(period.last), zone)
    if period.end - period.start <= REALTIME + timedelta(seconds=1):
        length = period.end - period.start
        return Period(period.first, period.last, period.start - length, period.start)
    last = period.first - timedelta(days=1)
    return days_period(last - timedelta(days=period.days - 1), last, zone)


def time_labels(period: Period, unit: str, zone: ZoneInfo) -> list[str]:
    """Every bucket of ``unit`` in ``period``, as the answer labels them (local time)."""
    if unit == "hour":
        labels = []
        moment = period.start.replace(tzinfo=UTC)
        end = period.end.replace(tzinfo=UTC)
        seen = set()
        while moment < end:
            local = moment.astimezone(zone).replace(minute=0, second=0, microsecond=0)
            label = local.strftime("%Y-%m-%d %H:00:00")
            if label not in seen:  # the repeated hour when clocks go back is one bucket
                seen.add(label)
                labels.append(label)
            moment += timedelta(hours=1)
        return labels
    day = period.first
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    labels = []
    while day <= period.last:
        labels.append(day.isoformat())
        if unit == "day":
            day += timedelta(days=1)
        elif unit == "week":
            day += timedelta(days=7)
        else:
            day = _months_back(day, -1)
    return labels
