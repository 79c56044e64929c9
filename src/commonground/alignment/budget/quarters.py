"""Quarters, the periods a budget is planned for."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Quarter:
    start: date
    end: date

    @property
    def name(self) -> str:
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> "Quarter":
        return quarter_of(self.end + timedelta(days=1))

    def previous(self) -> "Quarter":
        return quarter_of(self.start - timedelta(days=1))


def quarter_of(day: date) -> Quarter:
    """The calendar quarter ``day`` falls in."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return Quarter(start, after - timedelta(days=1))


def days_elapsed(start: date, end: date, today: date) -> int:
    """How many days of ``start``..``end`` have begun by ``today`` (today included)."""
    if today < start:
        return 0
    return (min(end, today) - start).days + 1
