"""What the compiler is given: a query plus what its runner decided around it, and the tables
each level is read from."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .catalogue import Dimension, Level
from .dates import Period
from .goals import GoalRule
from .request import Filter, StatsQuery

TABLES = {Level.EVENT: "events", Level.VISIT: "visits_all"}
TIME_COLUMNS = {Level.EVENT: "ts", Level.VISIT: "started_at"}
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to compile: the query plus what the runner decided around it."""

    query: StatsQuery
    site: str
    period: Period
    zone: str
    goals: Sequence[GoalRule]
    level: Level
    approximate: bool = False
    aggregates: tuple[str, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_in_sql: bool = True
    paginate: bool = True
    # Whole UTC days of the period that are rolled up: [(from, until)] midnights, naive UTC.
    rolled: tuple[tuple[datetime, datetime], ...] = ()
