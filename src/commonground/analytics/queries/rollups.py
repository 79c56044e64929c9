"""The rollup tables as a source: a period's whole rolled-up days read from ``daily_visits``
or ``daily_events`` instead of the raw tables, when the rollups hold what is asked."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlglot import exp

from ..eventstore.base import PAGEVIEW_PATH, ROLLUP_EVENT_COLUMNS, ROLLUP_VISIT_COLUMNS
from .catalogue import Level
from .plan import Plan
from .sql import Parameters
from .timezones import utc_offsets

# Rollup tables, the aggregates each holds, and where each dimension is found in it.
ROLLUPS = {
    Level.VISIT: (
        "daily_visits",
        {"visitors", "visits", "pageviews", "bounces", "duration", "events"},
    ),
    Level.EVENT: ("daily_events", {"visitors", "visits", "pageviews", "events", "revenue"}),
}
_ROLLED_COLUMNS = {Level.VISIT: ROLLUP_VISIT_COLUMNS, Level.EVENT: ROLLUP_EVENT_COLUMNS}


def rollup_source(plan: Plan, params: Parameters) -> exp.Expr | None:
    """The rolled-up days' part of the answer, or None when the rollups cannot give it:
    filters, more than one dimension, one they do not hold, hours, or a zone off UTC."""
    table, held = ROLLUPS[plan.level]
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


def not_rolled(plan: Plan) -> list[tuple[datetime, datetime]]:
    """The parts of the plan's period outside its rolled-up days (runs in time order)."""
    parts, start = [], plan.period.start
    for rolled_start, rolled_end in plan.rolled:
        if start < rolled_start:
            parts.append((start, rolled_start))
        start = rolled_end
    if start < plan.period.end:
        parts.append((start, plan.period.end))
    return parts
