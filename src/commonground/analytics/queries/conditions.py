"""Filters as SQL conditions: on the query's own level a condition on its columns, on the other
level a semi-join on ``session_id`` (a visit lies within one UTC day, so the other table is
read only over the period widened by a day)."""

from datetime import datetime

from sqlglot import exp

from .catalogue import Dimension, Level
from .goals import goal_condition
from .plan import DAY, TABLES, TIME_COLUMNS, Plan
from .request import Condition, Filter, Junction, Negation
from .sql import Parameters

NO_PROP = "(none)"  # the value of a custom property an event does not have


def filter_condition(node: Filter, plan: Plan, params: Parameters) -> exp.Expr:
    """One filter as a condition on rows of ``plan.level``'s table."""
    return filter_expression(node, plan.level, plan, params)


def filter_expression(node: Filter, level: Level, plan: Plan, params: Parameters) -> exp.Expr:
    """One filter as a condition on rows of ``level``'s table."""
    if isinstance(node, Junction):
        parts = [filter_expression(child, level, plan, params) for child in node.children]
        return (
            exp.and_(*parts, copy=False) if node.operator == "and" else exp.or_(*parts, copy=False)
        )
    if isinstance(node, Negation):
        return exp.not_(
            exp.paren(filter_expression(node.child, level, plan, params), copy=False), copy=False
        )
    if not isinstance(node, Condition):
        raise TypeError(f"segments are expanded before compiling, got {node!r}")
    negative = node.operator.endswith("_not")
    positive = _positive_condition(node, plan, params)
    dim_level = node.dimension.level or level
    if dim_level is not level:
        positive = _semi_join(positive, dim_level, plan, params)
    return exp.not_(exp.paren(positive, copy=False), copy=False) if negative else positive


def column(dim: Dimension, params: Parameters) -> exp.Expr:
    """A (non-time, non-goal) dimension's value in its level's table."""
    if dim.is_prop:
        value = exp.Bracket(this=exp.column("props"), expressions=[params.add(dim.column)])
        return exp.Coalesce(this=value, expressions=[exp.Literal.string(NO_PROP)])
    return exp.column(dim.column)


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
    value = column(node.dimension, params)
    if operator == "is":
        return exp.In(this=value, expressions=[params.add(item) for item in node.values])
    if operator == "contains":
        tests: list[exp.Expr] = [
            exp.func("strpos", value.copy(), params.add(item), copy=False) > exp.Literal.number(0)
            for item in node.values
        ]
    else:
        tests = [
            exp.func("regexp_matches", value.copy(), params.add(item), copy=False)
            for item in node.values
        ]
    return exp.or_(*tests, copy=False) if len(tests) > 1 else tests[0]


def _semi_join(condition: exp.Expr, other: Level, plan: Plan, params: Parameters) -> exp.Expr:
    period = plan.period
    if other is Level.EVENT:  # events of visits that began in the period
        start, end = period.start, period.end + DAY
    else:  # visits whose events fall in the period began at most a day before it
        start, end = period.start - DAY, period.end
    sessions = (
        exp.select("session_id", copy=False)
        .from_(TABLES[other], copy=False)
        .where(
            exp.and_(
                exp.column("site").eq(params.add(plan.site)),
                exp.column(TIME_COLUMNS[other]) >= params.add(_naive(start)),
                exp.column(TIME_COLUMNS[other]) < params.add(_naive(end)),
                condition,
                copy=False,
            ),
            copy=False,
        )
    )
    return exp.In(this=exp.column("session_id"), query=exp.Subquery(this=sessions))


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
