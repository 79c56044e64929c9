"""A :class:`StatsQuery` as one SQLGlot tree, rendered for the store's dialect.

Constant fragments are written once in DuckDB's dialect and parsed; every value that comes
from a query, a goal or a site is a numbered bound parameter (``$1``), never text in the SQL.
A filter on the other level (a page filter on a visit query, a source filter on an event
query) becomes a semi-join on ``session_id``: a visit lies within one UTC day, so the other
table is read only over the period widened by a day.

Every tree here is built fresh for one query, so SQLGlot's builders are told not to copy
their arguments (``copy=False``): by default each call deep-copies what it is given, which
was over half of compiling the goals breakdown (its goals are a union of branches).
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
            parts = exp.union(parts, raw, distinct=False, copy=False)
        dims = [exp.column(f"d{i}") for i in range(len(plan.dimensions))]
        sums = [
            exp.alias_(fragment(aggregate_sql[name]), name, copy=False) for name in plan.aggregates
        ]
        query = exp.select(*dims, *sums, copy=False).from_(
            exp.Subquery(this=parts, alias="parts"), copy=False
        )
    if plan.dimensions:
        query = query.select(
            exp.alias_(fragment("count(*) OVER ()"), "total_rows", copy=False), copy=False
        )
        query = query.group_by(
            *(exp.Literal.number(i + 1) for i in range(len(plan.dimensions))), copy=False
        )
        if plan.order_in_sql:
            query = query.order_by(*_ordering(plan, aggregate_sql), copy=False)
        if plan.paginate and plan.order_in_sql:
            query = query.limit(params.add(plan.query.limit), copy=False).offset(
                params.add(plan.query.offset), copy=False
            )
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
        exp.alias_(_dimension_expression(dim, level, plan, params), f"d{index}", copy=False)
        for index, dim in enumerate(plan.dimensions)
    ]
    select += [
        exp.alias_(fragment(aggregate_sql[name]), name, copy=False) for name in plan.aggregates
    ]
    where: list[exp.Expr] = [
        exp.column("site").eq(params.add(plan.site)),
        time >= params.add(plan.period.start),
        time < params.add(plan.period.end),
    ]
    where += [_filter_expression(f, level, plan, params) for f in plan.filters]
    groups: list[exp.Expr] = [exp.Literal.number(i + 1) for i in range(len(plan.dimensions))]
    if by_utc_day:
        groups.append(exp.cast(time.copy(), "DATE", copy=False))
    query = (
        exp.select(*select, copy=False)
        .from_(_source(plan, params), copy=False)
        .where(exp.and_(*where, copy=False), copy=False)
    )
    return query.group_by(*groups, copy=False) if groups else query


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
    key = ""  # the rollup's dimension column for the breakdown ('' holds the day's totals)
    label: exp.Expr = exp.null()
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
        if dim is not None:
            day = exp.cast(exp.column("day"), "TIMESTAMP", copy=False)
            label = exp.func("date_trunc", exp.Literal.string(dim.column), day, copy=False)
    elif dim.is_goal:
        if not plan.goals or any("*" in goal.page_pattern for goal in plan.goals):
            return None
        label = exp.column("goal", table="g")
    elif dim.level is plan.level and not dim.is_prop and dim.column in _ROLLED_COLUMNS[plan.level]:
        key, label = dim.column, exp.column("value")
    else:
        return None
    days = exp.or_(
        *(
            exp.and_(
                exp.column("day") >= params.add(start.date()),
                exp.column("day") < params.add(end.date()),
                copy=False,
            )
            for start, end in plan.rolled
        ),
        copy=False,
    )
    where = [exp.column("site", table="r").eq(params.add(plan.site)), exp.paren(days, copy=False)]
    columns: list[exp.Expr] = [exp.alias_(label, "d0", copy=False)] if dim is not None else []
    columns += [exp.column(name, table="r") for name in plan.aggregates]
    query = exp.select(*columns, copy=False).from_(
        exp.alias_(exp.to_table(table), "r", table=True, copy=False), copy=False
    )
    if dim is not None and dim.is_goal:
        # Every goal's rows in one scan, joined on (dimension, value): a goal is an event
        # name or an exact page path here (wildcards are answered raw).
        values = [
            ("name", goal.event_name) if goal.event_name else (PAGEVIEW_PATH, goal.page_pattern)
            for goal in plan.goals
        ]
        goals = exp.values(
            [
                (params.add(dimension), params.add(value), params.add(goal.name))
                for (dimension, value), goal in zip(values, plan.goals, strict=True)
            ],
            alias="g",
            columns=["dimension", "value", "goal"],
        )
        on = exp.and_(
            exp.column("dimension", table="r").eq(exp.column("dimension", table="g")),
            exp.column("value", table="r").eq(exp.column("value", table="g")),
            copy=False,
        )
        query = query.join(goals, on=on, join_type="inner", copy=False)
    else:
        where.append(exp.column("dimension", table="r").eq(params.add(key)))
    return query.where(exp.and_(*where, copy=False), copy=False)


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
    # Each event with the goal it reaches, once per goal (an event reaching two counts for
    # each): the event goals in one scan joined on the name, the exact page goals in one
    # joined on the path, and one scan per wildcard page goal (its pattern a constant).
    branches: list[exp.Select] = []

    def rows_of(where: exp.Expr | None, *, alias: str = "") -> exp.Select:
        qualifier = alias or None
        window = [
            exp.column("site", table=qualifier).eq(params.add(plan.site)),
            exp.column("ts", table=qualifier) >= params.add(plan.period.start),
            exp.column("ts", table=qualifier) < params.add(plan.period.end),
            where,
        ]
        source: exp.Expr = exp.to_table(table)
        if alias:
            source = exp.alias_(source, alias, table=True, copy=False)
        return (
            exp.select(fragment(f"{alias}.*" if alias else "*"), copy=False)
            .from_(source, copy=False)
            .where(exp.and_(*window, copy=False), copy=False)
        )

    by_name = [(goal.name, goal.event_name) for goal in plan.goals if goal.event_name]
    by_path = [
        (goal.name, goal.page_pattern)
        for goal in plan.goals
        if not goal.event_name and "*" not in goal.page_pattern
    ]
    for column, pairs in (("name", by_name), ("pathname", by_path)):
        if not pairs:
            continue
        goals = exp.values(
            [(params.add(name), params.add(match)) for name, match in pairs],
            alias="g",
            columns=["goal", "match"],
        )
        pageviews_only = (
            exp.column("name", table="ev").eq(exp.Literal.string("pageview"))
            if column == "pathname"
            else None
        )
        branch = rows_of(pageviews_only, alias="ev").select(
            exp.column("goal", table="g"), copy=False
        )
        on = exp.column(column, table="ev").eq(exp.column("match", table="g"))
        branches.append(branch.join(goals, on=on, join_type="inner", copy=False))
    for goal in plan.goals:
        if not goal.event_name and "*" in goal.page_pattern:
            branch = rows_of(goal_condition(goal, params))
            branches.append(
                branch.select(exp.alias_(params.add(goal.name), "goal", copy=False), copy=False)
            )
    if not branches:  # no goals yet: an empty answer, not an error
        branches.append(
            exp.select(
                exp.Star(), exp.alias_(exp.Literal.string(""), "goal", copy=False), copy=False
            )
            .from_(table, copy=False)
            .where(exp.false(), copy=False)
        )
    union: exp.Expr = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False, copy=False)
    return exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("e")))


def _dimension_expression(dim: Dimension, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    if dim.is_time:
        local = _local_time(exp.column(_TIME_COLUMNS[level]), plan, params)
        return exp.func("date_trunc", exp.Literal.string(dim.column), local, copy=False)
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
            case = case.when(column.copy() < params.add(until), params.add(offset), copy=False)
        seconds = case.else_(params.add(changes[-1][1]), copy=False)
    return exp.Add(this=column, expression=exp.func("to_seconds", seconds, copy=False))


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
        exp.func("regexp_matches", exp.column("pathname"), params.add(goal.page_regex), copy=False),
        copy=False,
    )


def _filter_expression(node: Filter, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    if isinstance(node, Junction):
        parts = [_filter_expression(child, level, plan, params) for child in node.children]
        return (
            exp.and_(*parts, copy=False) if node.operator == "and" else exp.or_(*parts, copy=False)
        )
    if isinstance(node, Negation):
        return exp.not_(
            exp.paren(_filter_expression(node.child, level, plan, params), copy=False), copy=False
        )
    if not isinstance(node, Condition):
        raise TypeError(f"segments are expanded before compiling, got {node!r}")
    negative = node.operator.endswith("_not")
    positive = _positive_condition(node, plan, params)
    dim_level = node.dimension.level or level
    if dim_level is not level:
        positive = _semi_join(positive, dim_level, plan, params)
    return exp.not_(exp.paren(positive, copy=False), copy=False) if negative else positive


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
        return exp.or_(
            *(exp.paren(goal_condition(goal, params), copy=False) for goal in chosen), copy=False
        )
    column = _column(node.dimension, params)
    if operator == "is":
        return exp.In(this=column, expressions=[params.add(value) for value in node.values])
    if operator == "contains":
        tests: list[exp.Expr] = [
            exp.func("strpos", column.copy(), params.add(value), copy=False) > exp.Literal.number(0)
            for value in node.values
        ]
    else:
        tests = [
            exp.func("regexp_matches", column.copy(), params.add(value), copy=False)
            for value in node.values
        ]
    return exp.or_(*tests, copy=False) if len(tests) > 1 else tests[0]


def _semi_join(condition: exp.Expr, other: Level, plan: Plan, params: Parameters) -> exp.Expr:
    period = plan.period
    if other is Level.EVENT:  # events of visits that began in the period
        start, end = period.start, period.end + _DAY
    else:  # visits whose events fall in the period began at most a day before it
        start, end = period.start - _DAY, period.end
    sessions = (
        exp.select("session_id", copy=False)
        .from_(_TABLES[other], copy=False)
        .where(
            exp.and_(
                exp.column("site").eq(params.add(plan.site)),
                exp.column(_TIME_COLUMNS[other]) >= params.add(_naive(start)),
                exp.column(_TIME_COLUMNS[other]) < params.add(_naive(end)),
                condition,
                copy=False,
            ),
            copy=False,
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
