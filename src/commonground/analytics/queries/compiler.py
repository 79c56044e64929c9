"""A :class:`Plan` (a :class:`StatsQuery` and what its runner decided) as one SQLGlot tree,
rendered for the store's dialect.

Constant fragments are written once in DuckDB's dialect and parsed; every value that comes
from a query, a goal or a site is a numbered bound parameter (``$1``), never text in the SQL.
Filters become conditions (:mod:`.conditions`), whole rolled-up days are read from the
rollups (:mod:`.rollups`), local time is UTC plus the zone's offsets (:mod:`.timezones`), an
``event:goal`` breakdown reads every event with its goals (:mod:`.goals`).

Every tree here is built fresh for one query, so SQLGlot's builders are told not to copy
their arguments (``copy=False``): by default each call deep-copies what it is given, which
was over half of compiling the goals breakdown (its goals are a union of branches).
"""

from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlglot import exp

from .catalogue import METRICS, PAGE_SPEED_COLUMNS, Dimension, Level, Ratio
from .conditions import column, filter_expression
from .goals import goal_events
from .plan import TABLES, TIME_COLUMNS, Plan
from .rollups import not_rolled, rollup_source
from .sql import DIALECT, Parameters, fragment
from .timezones import local_time

# Where they were before the compiler was split; views_goals and page_panel import them here.
__all__ = ["Compiled", "Plan", "compile_plan"]

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


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    params: list[Any]
    dimension_count: int
    aggregates: tuple[str, ...]  # the columns after the dimensions, by name


def compile_plan(plan: Plan) -> Compiled:
    params = Parameters()
    rollup = rollup_source(plan, params)
    if rollup is None:
        aggregate_sql = _aggregate_sql(plan)
        query = _raw_select(plan, params, aggregate_sql)
    else:
        # Whole rolled-up days from the rollup, the rest of the period from the raw tables
        # by UTC day; a period's visitors are the sum of its days' (ids rotate daily).
        aggregate_sql = {name: f"sum({name})" for name in plan.aggregates}
        parts = rollup
        for start, end in not_rolled(plan):  # each a plain time range: zone maps prune it
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
    time = exp.column(TIME_COLUMNS[level])
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
    where += [filter_expression(f, level, plan, params) for f in plan.filters]
    groups: list[exp.Expr] = [exp.Literal.number(i + 1) for i in range(len(plan.dimensions))]
    if by_utc_day:
        groups.append(exp.cast(time.copy(), "DATE", copy=False))
    query = (
        exp.select(*select, copy=False)
        .from_(_source(plan, params), copy=False)
        .where(exp.and_(*where, copy=False), copy=False)
    )
    return query.group_by(*groups, copy=False) if groups else query


def _source(plan: Plan, params: Parameters) -> exp.Expr:
    table = TABLES[plan.level]
    if not any(d.is_goal for d in plan.dimensions):
        return exp.to_table(table)
    return goal_events(table, plan.site, plan.period, plan.goals, params)


def _dimension_expression(dim: Dimension, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    if dim.is_time:
        period = plan.period
        local = local_time(
            exp.column(TIME_COLUMNS[level]), period.start, period.end, ZoneInfo(plan.zone), params
        )
        return exp.func("date_trunc", exp.Literal.string(dim.column), local, copy=False)
    if dim.is_goal:
        return exp.column("goal")
    return column(dim, params)


def _order_target(name: str, aggregate_sql: dict[str, str]) -> exp.Expr:
    """What ordering by metric ``name`` sorts on in SQL: a ratio of two aggregates as that
    ratio, one over a divisor (the same for every row) and any other metric as its aggregate."""
    formula = METRICS[name].formula
    sql = {aggregate: f"({aggregate_sql[aggregate]})" for aggregate in formula.needs}
    if isinstance(formula, Ratio) and formula.denominator in sql:
        return fragment(f"{sql[formula.numerator]} / nullif({sql[formula.denominator]}, 0)")
    numerator = formula.numerator if isinstance(formula, Ratio) else formula.aggregate
    return fragment(sql[numerator])


def _ordering(plan: Plan, aggregate_sql: dict[str, str]) -> list[exp.Expr]:
    positions = {dim.name: index + 1 for index, dim in enumerate(plan.dimensions)}
    order: list[exp.Expr] = []
    requested = plan.query.order_by or _default_order(plan)
    for name, direction in requested:
        if name in positions:
            target: exp.Expr = exp.Literal.number(positions[name])
        else:
            target = _order_target(name, aggregate_sql)
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
