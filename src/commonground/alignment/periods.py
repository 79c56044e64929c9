"""The calendar alignment counts in: months, quarters ("2026-Q4") and years as periods of days,
the instants a period spans in the project's time zone, and how much of one has passed."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .metrics.base import Period

QUARTER_PATTERN = r"[0-9]{4}-Q[1-4]"
_QUARTER = re.compile(rf"^{QUARTER_PATTERN}$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: what budgets are planned for and pulse rounds are named after."""

    year: int
    number: int  # 1-4

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """``"2026-Q4"`` as a Quarter; ValueError for anything else."""
        if not _QUARTER.match(text):
            raise ValueError(f'"{text[:20]}" is not a quarter such as 2026-Q4.')
        year, number = text.split("-Q")
        return cls(int(year), int(number))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next.start - timedelta(days=1)

    @property
    def next(self) -> "Quarter":
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def previous(self) -> "Quarter":
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def name(self) -> str:
        """As people write it: "Q4 2026"."""
        return f"Q{self.number} {self.year}"

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def quarter_of(day: date) -> Period:
    return Quarter.of(day).period


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


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


def elapsed_fraction(period: Period, now: datetime) -> float:
    """How much of ``period`` has passed at ``now``: 0 at its first midnight, 1 at the
    midnight after its last day."""
    start, end = period_bounds(period)
    if now <= start:
        return 0.0
    if now >= end:
        return 1.0
    return (now - start) / (end - start)


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` (what a daily snapshot judges at)."""
    return period_bounds(Period(day, day))[1] - timedelta(microseconds=1)


def days_elapsed(start: date, end: date, today: date) -> int:
    """How many days of ``start``..``end`` have begun by ``today`` (today included)."""
    if today < start:
        return 0
    return (min(end, today) - start).days + 1
