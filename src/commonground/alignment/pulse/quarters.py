"""Calendar quarters as the pulse names them ("2026-Q4"): parsing, their first and last days."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_PATTERN = r"[0-9]{4}-Q[1-4]"
_QUARTER = re.compile(rf"^{QUARTER_PATTERN}$")


@dataclass(frozen=True, order=True)
class Quarter:
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
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        return self.next.first - timedelta(days=1)

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

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"
