"""What may be asked: every metric and dimension, the level it lives at, and its column."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """Which table answers: one row per event, or one row per visit."""

    EVENT = "event"
    VISIT = "visit"


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str  # as asked for: "visit:source", "event:props:plan", "time:day"
    level: Level | None  # None: time, which both levels have
    column: str  # the column in its level's table; for props the key; for time the unit

    @property
    def is_time(self) -> bool:
        return self.name.startswith("time:")

    @property
    def is_goal(self) -> bool:
        return self.name == "event:goal"

    @property
    def is_prop(self) -> bool:
        return self.name.startswith("event:props:")


EVENT_DIMENSIONS: dict[str, str] = {
    "event:page": "pathname",
    "event:hostname": "hostname",
    "event:name": "name",
    "event:goal": "",  # computed from the site's goals
}
VISIT_DIMENSIONS: dict[str, str] = {
    "visit:entry_page": "entry_page",
    "visit:exit_page": "exit_page",
    "visit:hostname": "hostname",
    "visit:source": "referrer_source",
    "visit:referrer": "referrer",
    "visit:channel": "channel",
    "visit:utm_source": "utm_source",
    "visit:utm_medium": "utm_medium",
    "visit:utm_campaign": "utm_campaign",
    "visit:utm_term": "utm_term",
    "visit:utm_content": "utm_content",
    "visit:country": "country",
    "visit:region": "region",
    "visit:device": "device",
    "visit:browser": "browser",
    "visit:browser_version": "browser_version",
    "visit:os": "os",
    "visit:os_version": "os_version",
}
TIME_UNITS = ("hour", "day", "week", "month")
PROPS_PREFIX = "event:props:"
MAX_PROP_KEY = 300


def dimension(name: str) -> Dimension | None:
    """The dimension called ``name``, or None if there is none."""
    if name in EVENT_DIMENSIONS:
        return Dimension(name, Level.EVENT, EVENT_DIMENSIONS[name])
    if name in VISIT_DIMENSIONS:
        return Dimension(name, Level.VISIT, VISIT_DIMENSIONS[name])
    if name.startswith("time:") and name[5:] in TIME_UNITS:
        return Dimension(name, None, name[5:])
    key = name.removeprefix(PROPS_PREFIX)
    if name.startswith(PROPS_PREFIX) and 0 < len(key) <= MAX_PROP_KEY:
        return Dimension(name, Level.EVENT, key)
    return None


# A row's aggregates: what the store counted or summed (``visitors``, ``bounces``...), and the
# divisors the stats runner adds to a row for the metrics that need them.
Aggregates = dict[str, Any]
ALL_VISITORS = "_all"  # visitors under the same filters, in no breakdown (percentage)
BASE_VISITORS = "_base"  # visitors of the row without its goal filters and goal (conversion)
DIVISORS = frozenset({ALL_VISITORS, BASE_VISITORS})


@dataclass(frozen=True, slots=True)
class Count:
    """An exact count of the aggregate of the same name (0 when there are no rows)."""

    aggregate: str

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.aggregate,)

    def evaluate(self, aggregates: Aggregates) -> int:
        return int(aggregates.get(self.aggregate) or 0)


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator / denominator * scale``, 0 when the denominator is; the denominator is an
    aggregate or one of :data:`DIVISORS`. A scale of 100 makes a rate (per cent)."""

    numerator: str
    denominator: str
    scale: int = 1

    @property
    def needs(self) -> tuple[str, ...]:
        if self.denominator in DIVISORS:
            return (self.numerator,)
        return (self.numerator, self.denominator)

    @property
    def is_rate(self) -> bool:
        return self.scale == 100

    def evaluate(self, aggregates: Aggregates) -> float:
        denominator = aggregates.get(self.denominator)
        if not denominator:
            return 0.0
        value = float(aggregates.get(self.numerator) or 0) / float(denominator)
        return value * self.scale if self.scale != 1 else value


@dataclass(frozen=True, slots=True)
class Total:
    """A sum, 0 when there is nothing to sum."""

    aggregate: str

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.aggregate,)

    def evaluate(self, aggregates: Aggregates) -> float:
        return float(aggregates.get(self.aggregate) or 0)


@dataclass(frozen=True, slots=True)
class Percentile:
    """A percentile the store computed; None when no event carried the measurement."""

    aggregate: str

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.aggregate,)

    def evaluate(self, aggregates: Aggregates) -> float | None:
        value = aggregates.get(self.aggregate)
        return None if value is None else float(value)


Formula = Count | Ratio | Total | Percentile


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    levels: frozenset[Level]  # where it can be computed
    decimals: int | None  # rounding of the answer; None: an exact integer count
    formula: Formula  # how the answer is worked out from a row's aggregates

    @property
    def needs(self) -> tuple[str, ...]:
        """The aggregates the store is asked for (in this order) to answer the metric."""
        return self.formula.needs

    @property
    def divisor(self) -> str | None:
        """The divisor (one of :data:`DIVISORS`) the runner must add to a row, if any."""
        formula = self.formula
        if isinstance(formula, Ratio) and formula.denominator in DIVISORS:
            return formula.denominator
        return None

    @property
    def is_rate(self) -> bool:
        """A percentage, which moves by points between periods rather than by per cent."""
        return isinstance(self.formula, Ratio) and self.formula.is_rate

    def value(self, aggregates: Aggregates) -> int | float | None:
        """The metric of one answer row, rounded to its decimals."""
        value = self.formula.evaluate(aggregates)
        if value is None or isinstance(self.formula, Count):
            return value
        if self.decimals == 0:
            return round(value)
        return round(value, self.decimals or 0)


_BOTH = frozenset(Level)
_EVENT = frozenset({Level.EVENT})
_VISIT = frozenset({Level.VISIT})

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("visitors", _BOTH, None, Count("visitors")),
        Metric("visits", _BOTH, None, Count("visits")),
        Metric("pageviews", _BOTH, None, Count("pageviews")),
        Metric("views_per_visit", _BOTH, 2, Ratio("pageviews", "visits")),
        Metric("bounce_rate", _VISIT, 1, Ratio("bounces", "visits", scale=100)),
        Metric("visit_duration", _VISIT, 0, Ratio("duration", "visits")),
        Metric("events", _BOTH, None, Count("events")),
        Metric("conversion_rate", _BOTH, 2, Ratio("visitors", BASE_VISITORS, scale=100)),
        Metric("revenue", _EVENT, 2, Total("revenue")),
        Metric("percentage", _BOTH, 1, Ratio("visitors", ALL_VISITORS, scale=100)),
        Metric("lcp_p75", _EVENT, 0, Percentile("lcp_p75")),
        Metric("inp_p75", _EVENT, 0, Percentile("inp_p75")),
        Metric("cls_p75", _EVENT, 3, Percentile("cls_p75")),
        Metric("ttfb_p75", _EVENT, 0, Percentile("ttfb_p75")),
    )
}
PAGE_SPEED_COLUMNS = {
    "lcp_p75": "lcp_ms",
    "inp_p75": "inp_ms",
    "cls_p75": "cls",
    "ttfb_p75": "ttfb_ms",
}

FILTER_OPERATORS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
DATE_RANGES = ("realtime", "day", "7d", "28d", "30d", "91d", "month", "year", "12mo", "all")
COMPARISONS = ("previous_period", "year_over_year")
