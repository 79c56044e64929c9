"""What may be asked: every metric and dimension, the level it lives at, and its column."""

from dataclasses import dataclass
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    levels: frozenset[Level]  # where it can be computed
    decimals: int | None  # rounding of the answer; None: an exact integer count


_BOTH = frozenset(Level)
_EVENT = frozenset({Level.EVENT})
_VISIT = frozenset({Level.VISIT})

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("visitors", _BOTH, None),
        Metric("visits", _BOTH, None),
        Metric("pageviews", _BOTH, None),
        Metric("views_per_visit", _BOTH, 2),
        Metric("bounce_rate", _VISIT, 1),
        Metric("visit_duration", _VISIT, 0),
        Metric("events", _BOTH, None),
        Metric("conversion_rate", _BOTH, 2),
        Metric("revenue", _EVENT, 2),
        Metric("percentage", _BOTH, 1),
        Metric("lcp_p75", _EVENT, 0),
        Metric("inp_p75", _EVENT, 0),
        Metric("cls_p75", _EVENT, 3),
        Metric("ttfb_p75", _EVENT, 0),
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
