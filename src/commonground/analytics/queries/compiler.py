"""A :class:`StatsQuery` as one SQLGlot tree, rendered for the store's dialect.

Constant fragments are written once in DuckDB's dialect and parsed; every value that comes
from a query, a goal or a site is a numbered bound parameter (``$1``), never text in the SQL.
A filter on the other level (a page filter on a visit query, a source filter on an event
query) becomes a semi-join on ``session_id``: a visit lies within one UTC day, so the other
table is read only over the period widened by a day.
"""

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlglot
from sqlglot import exp

from ..eventstore.base import PAGEVIEW_PATH, ROLLUP_EVENT_COLUMNS, ROLLUP_VISIT_COLUMNS
from .catalogue import PAGE_SPEED_COLUMNS, Dimension, Level
from .dates import Period
from .request import (
    Condition,
    Filter,
    Junction,
    Negation,
    QueryError,
    StatsQuery,
    conditions,
)

DIALECT = "duckdb"
NO_PROP = "(none)"  # the value of a custom property an event does not have
_TABLES = {Level.EVENT: "events", Level.VISIT: "visits_all"}
_TIME_COLUMNS = {Level.EVENT: "ts", Level.VISIT: "started_at"}
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class GoalRule:
    """A goal as the compiler needs it: its name and what an event must be to reach it."""

    name: str
    event_name: str = ""  # a custom-event goal
    page_pattern: str = ""  # a page goal: the path with * and ** wildcards

    @property
    def page_regex(self) -> str:
        return page_path_regex(self.page_pattern)


def page_path_regex(pattern: str) -> str:
    """``/blog/*`` -> ``^/blog/[^/]*$``: ``*`` is one path segment, ``**`` anything."""
    parts = re.split(r"(\*\*|\*)", pattern)
    body = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part) for part in parts
    )
    return f"^{body}$"


@cache
def _fragment(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=DIALECT)


def fragment(sql: str) -> exp.Expr:
    """A constant piece of SQL (never with input in it), parsed once, copied per use."""
    return _fragment(sql).copy()


@dataclass
class Parameters:
    """Values bound to ``$1``, ``$2``... in the order they were added."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any) -> exp.Placeholder:
        self.values.append(value)
        return exp.Placeholder(this=str(len(self.values)))


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    params: list[Any]
    dimension_count: int
    aggregates: tuple[str, ...]  # the columns after the dimensions, by name


# What each metric needs from the store; the answer's metrics are computed from these.
NEEDS: dict[str, tuple[str, ...]] = {
    "visitors": ("visitors",),
    "visits": ("visits",),
    "pageviews": ("pageviews",),
    "views_per_visit": ("pageviews", "visits"),
    "bounce_rate": ("bounces", "visits"),
    "visit_duration": ("duration", "visits"),
    "events": ("events",),
    "conversion_rate": ("visitors",),
    "revenue": ("revenue",),
    "percentage": ("visitors",),
    "lcp_p75": ("lcp_p75",),
    "inp_p75": ("inp_p75",),
    "cls_p75": ("cls_p75",),
    "ttfb_p75": ("ttfb_p75",),
}

_AGGREGATES: dict[Level, dict[str, str]] = {
    Level.VISIT: {
        "visitors": "count(DISTINCT visitor_id)",
        "visits": "count(*)",
        "pageviews": "coalesce(sum(pageviews), 0)",
        "bounces": "coalesce(sum(CASE WHEN is_bounce THEN 1 ELSE 0 END), 0)",
        "duration": "coalesce(sum(duration_s), 0)",
        "events": "coalesce(sum(events), 0)",
    },
    Level.EVENT: {
        "visitors": "count(DISTINCT visitor_id)",
        "visits": "count(DISTINCT session_id)",
        "pageviews": "coalesce(sum(CASE WHEN name = 'pageview' THEN 1 ELSE 0 END), 0)",
        "events": "count(*)",
        "revenue": "coalesce(sum(revenue_amount), 0)",
        **{
            metric: f"quantile_cont({column}, 0.75)"
            for metric, column in PAGE_SPEED_COLUMNS.items()
        },
    },
}
_APPROXIMATE_VISITORS = "approx_count_distinct(visitor_id)"
# How to order by a metric in SQL (derived ones as the ratio of their aggregates).
_ORDER_EXPRESSIONS = {
    "views_per_visit": "{pageviews} / nullif({visits}, 0)",
    "bounce_rate": "{bounces} / nullif({visits}, 0)",
    "visit_duration": "{duration} / nullif({visits}, 0)",
    "percentage": "{visitors}",
    "conversion_rate": "{visitors}",
}


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


def compile_plan(plan: Plan) -> Compiled:
    params = Parameters()
    rollup = _rollup_source(plan, params)
    if rollup is None:
        aggregate_sql = _aggregate_sql(plan)
        query = _raw_select(plan, params, aggregate_sql)
    else:
        # Whole rolled-up days from the rollup, the rest of the period from the raw tables
        # by UTC day; a period's visitors are the sum of its days' (ids rotate daily).
        aggregate_sql = {name: f"sum({name})" for name in plan.aggregates}
        parts = rollup
        for start, end in _not_rolled(plan):  # each a plain time range: zone maps prune it
            part = replace(plan, period=replace(plan.period, start=start, end=end))
            raw = _raw_select(part, params, _aggregate_sql(plan), by_utc_day=True)
            parts = exp.union(parts, raw, distinct=False)
        dims = [exp.column(f"d{i}") for i in range(len(plan.dimensions))]
        sums = [exp.alias_(fragment(aggregate_sql[name]), name) for name in plan.aggregates]
        query = exp.select(*dims, *sums).from_(exp.Subquery(this=parts, alias="parts"))
    if plan.dimensions:
        query = query.select(exp.alias_(fragment("count(*) OVER ()"), "total_rows"))
        query = query.group_by(*(exp.Literal.number(i + 1) for i in range(len(plan.dimensions))))
        if plan.order_in_sql:
            query = query.order_by(*_ordering(plan, aggregate_sql))
        if plan.paginate and plan.order_in_sql:
            query = query.limit(params.add(plan.query.limit)).offset(params.add(plan.query.offset))
    return Compiled(
        sql=query.sql(dialect=DIALECT),
        params=params.values,
        dimension_count=len(plan.dimensions),
        aggregates=plan.aggregates,
    )


def _aggregate_sql(plan: Plan) -> dict[str, str]:
    aggregate_sql = dict(_AGGREGATES[plan.level])
    if plan.approximate:
        aggregate_sql["visitors"] = _APPROXIMATE_VISITORS
    return aggregate_sql


def _raw_select(
    plan: Plan, params: Parameters, aggregate_sql: dict[str, str], *, by_utc_day: bool = False
) -> exp.Select:
    """The plan over its level's table: dimensions ``d0``.., then aggregates, grouped; with
    ``by_utc_day`` also per UTC day (parts of a period whose other days are rolled up)."""
    level = plan.level
    time = exp.column(_TIME_COLUMNS[level])
    select: list[exp.Expr] = [
        exp.alias_(_dimension_expression(dim, level, plan, params), f"d{index}")
        for index, dim in enumerate(plan.dimensions)
    ]
    select += [exp.alias_(fragment(aggregate_sql[name]), name) for name in plan.aggregates]
    where: list[exp.Expr] = [
        exp.column("site").eq(params.add(plan.site)),
        time >= params.add(plan.period.start),
        time < params.add(plan.period.end),
    ]
    where += [_filter_expression(f, level, plan, params) for f in plan.filters]
    groups: list[exp.Expr] = [exp.Literal.number(i + 1) for i in range(len(plan.dimensions))]
    if by_utc_day:
        groups.append(exp.cast(time.copy(), "DATE"))
    query = exp.select(*select).from_(_source(plan, params)).where(exp.and_(*where))
    return query.group_by(*groups) if groups else query


# Rollup tables, the aggregates each holds, and where each dimension is found in it.
_ROLLUPS = {
    Level.VISIT: (
        "daily_visits",
        {"visitors", "visits", "pageviews", "bounces", "duration", "events"},
    ),
    Level.EVENT: ("daily_events", {"visitors", "visits", "pageviews", "events", "revenue"}),
}


def _rollup_source(plan: Plan, params: Parameters) -> exp.Expr | None:
    """The rolled-up days' part of the answer, or None when the rollups cannot give it:
    filters, more than one dimension, one they do not hold, hours, or a zone off UTC."""
    table, held = _ROLLUPS[plan.level]
    if not plan.rolled or plan.filters or len(plan.dimensions) > 1:
        return None
    if not set(plan.aggregates) <= held:
        return None
    dim = plan.dimensions[0] if plan.dimensions else None
    # (dimension key in the rollup, value to match or None, label): one branch each.
    branches: list[tuple[str, str | None, exp.Expr]] = []
    if dim is None or dim.is_time:
        if dim is not None and (
            dim.column == "hour"
            or any(
                offset
                for _, offset in utc_offsets(
                    plan.period.start, plan.period.end, ZoneInfo(plan.zone)
                )
            )
        ):
            return None
        label: exp.Expr = (
            exp.func(
                "date_trunc",
                exp.Literal.string(dim.column),
                exp.cast(exp.column("day"), "TIMESTAMP"),
            )
            if dim is not None
            else exp.null()
        )
        branches.append(("", None, label))
    elif dim.is_goal:
        if not plan.goals or any("*" in goal.page_pattern for goal in plan.goals):
            return None
        for goal in plan.goals:
            if goal.event_name:
                branches.append(("name", goal.event_name, params.add(goal.name)))
            else:
                branches.append((PAGEVIEW_PATH, goal.page_pattern, params.add(goal.name)))
    elif dim.level is plan.level and not dim.is_prop and dim.column in _ROLLED_COLUMNS[plan.level]:
        branches.append((dim.column, None, exp.column("value")))
    else:
        return None
    days = exp.or_(
        *(
            exp.and_(
                exp.column("day") >= params.add(start.date()),
                exp.column("day") < params.add(end.date()),
            )
            for start, end in plan.rolled
        )
    )
    parts: list[exp.Select] = []
    for key, match, label in branches:
        where = [
            exp.column("site").eq(params.add(plan.site)),
            exp.column("dimension").eq(params.add(key)),
            exp.paren(days.copy()),
        ]
        if match is not None:
            where.append(exp.column("value").eq(params.add(match)))
        columns: list[exp.Expr] = [exp.alias_(label, "d0")] if dim is not None else []
        columns += [exp.column(name) for name in plan.aggregates]
        parts.append(exp.select(*columns).from_(table).where(exp.and_(*where)))
    union: exp.Expr = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    return exp.select(exp.Star()).from_(exp.Subquery(this=union, alias="rolled"))


_ROLLED_COLUMNS = {Level.VISIT: ROLLUP_VISIT_COLUMNS, Level.EVENT: ROLLUP_EVENT_COLUMNS}


def _not_rolled(plan: Plan) -> list[tuple[datetime, datetime]]:
    """The parts of the plan's period outside its rolled-up days (runs in time order)."""
    parts, start = [], plan.period.start
    for rolled_start, rolled_end in plan.rolled:
        if start < rolled_start:
            parts.append((start, rolled_start))
        start = rolled_end
    if start < plan.period.end:
        parts.append((start, plan.period.end))
    return parts


def _source(plan: Plan, params: Parameters) -> exp.Expr:
    table = _TABLES[plan.level]
    if not any(d.is_goal for d in plan.dimensions):
        return exp.to_table(table)
    # One branch per goal: an event reaching two goals counts for each.
    branches: list[exp.Expr] = []
    for goal in plan.goals:
        branches.append(
            exp.select(exp.Star(), exp.alias_(params.add(goal.name), "goal"))
            .from_(table)
            .where(
                exp.and_(
                    exp.column("site").eq(params.add(plan.site)),
                    exp.column("ts") >= params.add(plan.period.start),
                    exp.column("ts") < params.add(plan.period.end),
                    goal_condition(goal, params),
                )
            )
        )
    if not branches:  # no goals yet: an empty answer, not an error
        branches.append(
            exp.select(exp.Star(), exp.alias_(exp.Literal.string(""), "goal"))
            .from_(table)
            .where(exp.false())
        )
    union = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False)
    return exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("e")))


def _dimension_expression(dim: Dimension, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    if dim.is_time:
        local = _local_time(exp.column(_TIME_COLUMNS[level]), plan, params)
        return exp.func("date_trunc", exp.Literal.string(dim.column), local)
    if dim.is_goal:
        return exp.column("goal")
    return _column(dim, params)


def utc_offsets(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) from ``start``, and from each change before ``end``:
    [(from, offset), ...], naive UTC. Found day by day, then to the minute."""

    def offset(moment: datetime) -> int:
        delta = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + _DAY, end)
        if offset(following) != changes[-1][1]:
            low, high = day, following  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == changes[-1][1] else (low, middle)
            changes.append((high.replace(second=0, microsecond=0), offset(high)))
        day = following
    return changes


def _local_time(column: exp.Expr, plan: Plan, params: Parameters) -> exp.Expr:
    """``column`` (UTC) in the site's zone, as plain arithmetic: the zone's offsets over the
    period are worked out here, so the store compares timestamps instead of converting each
    row through a time-zone database (about 10x faster in DuckDB)."""
    changes = utc_offsets(plan.period.start, plan.period.end, ZoneInfo(plan.zone))
    if len(changes) == 1:
        seconds: exp.Expr = params.add(changes[0][1])
    else:
        case = exp.Case()
        for (_, offset), (until, _) in itertools.pairwise(changes):
            case = case.when(column.copy() < params.add(until), params.add(offset))
        seconds = case.else_(params.add(changes[-1][1]))
    return exp.Add(this=column, expression=exp.func("to_seconds", seconds))


def _column(dim: Dimension, params: Parameters) -> exp.Expr:
    if dim.is_prop:
        value = exp.Bracket(this=exp.column("props"), expressions=[params.add(dim.column)])
        return exp.Coalesce(this=value, expressions=[exp.Literal.string(NO_PROP)])
    return exp.column(dim.column)


def goal_condition(goal: GoalRule, params: Parameters) -> exp.Expr:
    if goal.event_name:
        return exp.column("name").eq(params.add(goal.event_name))
    return exp.and_(
        exp.column("name").eq(exp.Literal.string("pageview")),
        exp.func("regexp_matches", exp.column("pathname"), params.add(goal.page_regex)),
    )


def _filter_expression(node: Filter, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    if isinstance(node, Junction):
        parts = [_filter_expression(child, level, plan, params) for child in node.children]
        return exp.and_(*parts) if node.operator == "and" else exp.or_(*parts)
    if isinstance(node, Negation):
        return exp.not_(exp.paren(_filter_expression(node.child, level, plan, params)))
    if not isinstance(node, Condition):
        raise TypeError(f"segments are expanded before compiling, got {node!r}")
    negative = node.operator.endswith("_not")
    positive = _positive_condition(node, plan, params)
    dim_level = node.dimension.level or level
    if dim_level is not level:
        positive = _semi_join(positive, dim_level, plan, params)
    return exp.not_(exp.paren(positive)) if negative else positive


def filter_condition(node: Filter, plan: Plan, params: Parameters) -> exp.Expr:
    """One filter as a condition on rows of ``plan.level``'s table."""
    return _filter_expression(node, plan.level, plan, params)


def _positive_condition(node: Condition, plan: Plan, params: Parameters) -> exp.Expr:
    operator = node.operator.removesuffix("_not")
    if node.dimension.is_goal:
        goals = {goal.name: goal for goal in plan.goals}
        chosen = [goals[name] for name in node.values if name in goals]
        if not chosen:
            return exp.false()
        return exp.or_(*(exp.paren(goal_condition(goal, params)) for goal in chosen))
    column = _column(node.dimension, params)
    if operator == "is":
        return exp.In(this=column, expressions=[params.add(value) for value in node.values])
    if operator == "contains":
        tests: list[exp.Expr] = [
            exp.func("strpos", column.copy(), params.add(value)) > exp.Literal.number(0)
            for value in node.values
        ]
    else:
        tests = [
            exp.func("regexp_matches", column.copy(), params.add(value)) for value in node.values
        ]
    return exp.or_(*tests) if len(tests) > 1 else tests[0]


def _semi_join(condition: exp.Expr, other: Level, plan: Plan, params: Parameters) -> exp.Expr:
    period = plan.period
    if other is Level.EVENT:  # events of visits that began in the period
        start, end = period.start, period.end + _DAY
    else:  # visits whose events fall in the period began at most a day before it
        start, end = period.start - _DAY, period.end
    sessions = (
        exp.select("session_id")
        .from_(_TABLES[other])
        .where(
            exp.and_(
                exp.column("site").eq(params.add(plan.site)),
                exp.column(_TIME_COLUMNS[other]) >= params.add(_naive(start)),
                exp.column(_TIME_COLUMNS[other]) < params.add(_naive(end)),
                condition,
            )
        )
    )
    return exp.In(this=exp.column("session_id"), query=exp.Subquery(this=sessions))


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _ordering(plan: Plan, aggregate_sql: dict[str, str]) -> list[exp.Expr]:
    positions = {dim.name: index + 1 for index, dim in enumerate(plan.dimensions)}
    order: list[exp.Expr] = []
    requested = plan.query.order_by or _default_order(plan)
    for name, direction in requested:
        if name in positions:
            target: exp.Expr = exp.Literal.number(positions[name])
        else:
            template = _ORDER_EXPRESSIONS.get(name, "{" + name + "}")
            needed = {aggregate: f"({aggregate_sql[aggregate]})" for aggregate in NEEDS[name]}
            target = fragment(template.format(**needed))
        order.append(exp.Ordered(this=target, desc=direction == "desc", nulls_first=False))
    # Ties broken by the dimensions, so pages of an answer never overlap.
    for dim in plan.dimensions:
        if dim.name not in dict(requested):
            order.append(exp.Ordered(this=exp.Literal.number(positions[dim.name])))
    return order


def _default_order(plan: Plan) -> tuple[tuple[str, str], ...]:
    times = [d.name for d in plan.dimensions if d.is_time]
    if times:
        return ((times[0], "asc"),)
    return ((plan.query.metrics[0], "desc"),)


def check_goal_names(query_filters: Sequence[Filter], goals: Sequence[GoalRule]) -> None:
    """Refuse a goal filter that names no goal of the site (a typo would answer zero)."""
    names = {goal.name for goal in goals}
    for node, at in conditions(query_filters):
        if isinstance(node, Condition) and node.dimension.is_goal:
            for index, value in enumerate(node.values):
                if value not in names:
                    raise QueryError(f"{at}[2][{index}]", f"the site has no goal named {value!r}")
