"""Date ranges in a site's time zone, as the UTC instants the store is queried with."""

from collections.abc import Callable
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


def _shift_months(day: date, months: int) -> date:
    """``day`` moved ``months`` back, its day of the month kept (or the month's last day when
    that month is shorter)."""
    first = _months_back(day, months)
    following = _months_back(first, -1)
    return first.replace(day=min(day.day, (following - timedelta(days=1)).day))


def _to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """An instant (aware, or naive meaning the site's wall clock) as naive UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return aware.astimezone(UTC).replace(tzinfo=None)


def custom_period(first: date, last: date, zone: ZoneInfo) -> Period:
    """``first``..``last``: whole days, or instants (a ``datetime``, from its second; as the
    last bound, up to the end of its second, as Plausible reads ``...T15:59:59``)."""
    if isinstance(first, datetime):
        start = _to_utc(first, zone)
        first_day = start.replace(tzinfo=UTC).astimezone(zone).date()
    else:
        start, first_day = local_midnight(first, zone), first
    if isinstance(last, datetime):
        end = _to_utc(last, zone) + timedelta(seconds=1)
        last_day = (end - timedelta(seconds=1)).replace(tzinfo=UTC).astimezone(zone).date()
    else:
        end, last_day = local_midnight(last + timedelta(days=1), zone), last
    return Period(first_day, last_day, start, end)


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
        return custom_period(date_range[0], date_range[1], zone)
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


def comparison_period(
    period: Period,
    kind: str,
    zone: ZoneInfo,
    *,
    date_range: str | tuple[date, date] = "custom",
    now: datetime | None = None,
) -> Period:
    """The period to compare ``period`` with, like with like.

    ``previous_period``: the same number of days just before; a month ("month") the same days
    of the month before, twelve months ("12mo", "year") the same months a year earlier.
    ``year_over_year``: the same dates a year earlier. A period still running at ``now``
    (aware) is compared only up to the same moment: today until 14:30 against yesterday until
    14:30 on the site's clock (whatever the clocks did in between), and the last, unfinished
    bucket of a graph against its counterpart up to the same time of day.
    """
    if period.end - period.start <= REALTIME + timedelta(seconds=1):
        length = period.end - period.start
        return Period(period.first, period.last, period.start - length, period.start)
    shift = _comparison_shift(period, kind, date_range)
    previous = days_period(shift(period.first), shift(period.last), zone)
    if now is None:
        return previous
    moment = now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    if not period.start <= moment < period.end:
        return previous
    local = now.astimezone(zone)
    today = local.date()
    same_day = shift(today)
    if same_day.day != today.day and kind != "year_over_year" and date_range == "month":
        # 31 March against February: February has no 31st, so all of it counts.
        return previous
    cut = datetime.combine(same_day, local.time().replace(microsecond=0), zone)
    end = min(_to_utc(cut, zone), previous.end)
    return Period(previous.first, same_day, previous.start, end)


def _comparison_shift(
    period: Period, kind: str, date_range: str | tuple[date, date]
) -> Callable[[date], date]:
    if kind == "year_over_year" or date_range in ("12mo", "year"):
        return lambda day: _shift_months(day, 12)
    if date_range == "month":
        return lambda day: _shift_months(day, 1)
    days = timedelta(days=period.days)
    return lambda day: day - days


def is_cut(period: Period, zone: ZoneInfo) -> bool:
    """Whether ``period`` ends before its last day does (a comparison cut at a time of day)."""
    return period.end < local_midnight(period.last + timedelta(days=1), zone)


def range_bounds(period: Period, zone: ZoneInfo) -> tuple[str, str]:
    """``period`` as a date range the queries accept: two ISO days, or, when it is cut at a
    time of day, its last second as a local ISO date-time ("2026-12-02T14:29:59+01:00")."""
    if not is_cut(period, zone):
        return period.first.isoformat(), period.last.isoformat()
    last = (period.end - timedelta(seconds=1)).replace(tzinfo=UTC).astimezone(zone)
    return period.first.isoformat(), last.isoformat()


def bucket_of(moment: datetime, unit: str, zone: ZoneInfo) -> str:
    """The label of the ``unit`` bucket (hour, day, week, month) ``moment`` (aware) falls in."""
    local = moment.astimezone(zone)
    if unit == "hour":
        return local.strftime("%Y-%m-%d %H:00:00")
    day = local.date()
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    return day.isoformat()


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
