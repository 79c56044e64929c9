"""Goals as the compiler sees them: what an event must be to reach one, and every event with
the goals it reaches (the source of an ``event:goal`` breakdown)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from .dates import Period
from .request import Condition, Filter, QueryError, conditions
from .sql import Parameters, fragment


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


def goal_condition(goal: GoalRule, params: Parameters) -> exp.Expr:
    if goal.event_name:
        return exp.column("name").eq(params.add(goal.event_name))
    return exp.and_(
        exp.column("name").eq(exp.Literal.string("pageview")),
        exp.func("regexp_matches", exp.column("pathname"), params.add(goal.page_regex), copy=False),
        copy=False,
    )


def check_goal_names(query_filters: Sequence[Filter], goals: Sequence[GoalRule]) -> None:
    """Refuse a goal filter that names no goal of the site (a typo would answer zero)."""
    names = {goal.name for goal in goals}
    for node, at in conditions(query_filters):
        if isinstance(node, Condition) and node.dimension.is_goal:
            for index, value in enumerate(node.values):
                if value not in names:
                    raise QueryError(f"{at}[2][{index}]", f"the site has no goal named {value!r}")


def goal_events(
    table: str, site: str, period: Period, goals: Sequence[GoalRule], params: Parameters
) -> exp.Expr:
    """Each event of ``site`` in ``period`` with the goal it reaches, as ``e`` with a ``goal``
    column, once per goal (an event reaching two counts for each): the event goals in one scan
    joined on the name, the exact page goals in one joined on the path, and one scan per
    wildcard page goal (its pattern a constant)."""
    branches: list[exp.Select] = []

    def rows_of(where: exp.Expr | None, *, alias: str = "") -> exp.Select:
        qualifier = alias or None
        window = [
            exp.column("site", table=qualifier).eq(params.add(site)),
            exp.column("ts", table=qualifier) >= params.add(period.start),
            exp.column("ts", table=qualifier) < params.add(period.end),
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

    by_name = [(goal.name, goal.event_name) for goal in goals if goal.event_name]
    by_path = [
        (goal.name, goal.page_pattern)
        for goal in goals
        if not goal.event_name and "*" not in goal.page_pattern
    ]
    for column, pairs in (("name", by_name), ("pathname", by_path)):
        if not pairs:
            continue
        values = exp.values(
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
        branches.append(branch.join(values, on=on, join_type="inner", copy=False))
    for goal in goals:
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
