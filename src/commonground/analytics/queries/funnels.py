"""Funnels: 2 to 8 ordered steps within a visit, with conversion and drop-off per step.

A visit reaches step k when it has events matching steps 1..k in that order, each strictly
later than the one before (the earliest match of each step is taken, which is optimal for an
ordered sequence). The counts are visitors: distinct visitor ids among the visits reaching
a step.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlglot import exp

from .conditions import filter_condition
from .context import event_plan, site_context
from .dates import Period
from .goals import GoalRule, goal_condition
from .request import Filter, QueryError, decode_body, parse_date_range, parse_filter
from .results import FunnelResult, FunnelStepResult
from .runner import Body, QueryRunner, Reader, register
from .sql import DIALECT, Parameters, Statement

MIN_STEPS, MAX_STEPS = 2, 8


class _Step(msgspec.Struct, forbid_unknown_fields=True):
    page: str = ""
    event: str = ""
    goal: str = ""


class FunnelBody(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str
    date_range: str | list[str]
    steps: list[_Step]
    filters: list[Any] = []


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: str
    rule: GoalRule


@dataclass(frozen=True, slots=True)
class FunnelQuery:
    site_id: str
    date_range: Any
    steps: tuple[FunnelStep, ...]
    filters: tuple[Filter, ...]


def parse_funnel(body: Body) -> FunnelQuery:
    raw = decode_body(body, FunnelBody)
    if not MIN_STEPS <= len(raw.steps) <= MAX_STEPS:
        raise QueryError("steps", f"a funnel has {MIN_STEPS} to {MAX_STEPS} steps")
    steps = []
    for index, step in enumerate(raw.steps):
        chosen = [kind for kind in ("page", "event", "goal") if getattr(step, kind)]
        if len(chosen) != 1:
            raise QueryError(f"steps[{index}]", 'one of "page", "event" or "goal"')
        if step.page:
            if not step.page.startswith("/"):
                raise QueryError(f"steps[{index}].page", "a path starts with /")
            steps.append(
                FunnelStep(f"Visit {step.page}", GoalRule(step.page, page_pattern=step.page))
            )
        elif step.event:
            steps.append(FunnelStep(step.event, GoalRule(step.event, event_name=step.event)))
        else:
            steps.append(FunnelStep(step.goal, GoalRule(step.goal)))
    filters = tuple(parse_filter(f, f"filters[{i}]", 1) for i, f in enumerate(raw.filters))
    return FunnelQuery(raw.site_id, parse_date_range(raw.date_range), tuple(steps), filters)


@register
class FunnelRunner(QueryRunner[FunnelQuery, FunnelResult]):
    kind = "funnel"

    def parse(self, body: Body) -> FunnelQuery:
        return parse_funnel(body)

    def _compile(self, query: FunnelQuery, reader: Reader, now: datetime) -> tuple[Statement, ...]:
        return (self._planned(query, now)[0],)

    def _run(self, query: FunnelQuery, reader: Reader, now: datetime) -> FunnelResult:
        statement, steps, period = self._planned(query, now)
        rows = reader(statement.sql, statement.params)
        reached = {int(step): int(visitors) for step, visitors in rows}
        return FunnelResult(
            _funnel_steps(steps, reached), (period.first.isoformat(), period.last.isoformat())
        )

    def _planned(
        self, funnel: FunnelQuery, now: datetime
    ) -> tuple[Statement, list[FunnelStep], Period]:
        """The funnel's statement, its steps with the goals they name, and its period."""
        site = site_context(funnel.site_id)
        goals = {goal.name: goal for goal in site.goals}
        steps = []
        for index, step in enumerate(funnel.steps):
            rule = step.rule
            if not rule.event_name and not rule.page_pattern:  # named a goal
                if rule.name not in goals:
                    raise QueryError(
                        f"steps[{index}].goal", f"the site has no goal named {rule.name!r}"
                    )
                rule = goals[rule.name]
            steps.append(FunnelStep(step.label, rule))
        plan = event_plan(site, funnel.site_id, funnel.date_range, funnel.filters, now)
        period = plan.period
        params = Parameters()
        base_where = [
            exp.column("site").eq(params.add(site.domain)),
            exp.column("ts") >= params.add(period.start),
            exp.column("ts") < params.add(period.end),
            *(filter_condition(f, plan, params) for f in plan.filters),
        ]
        matched = (
            exp.select(
                "session_id",
                "visitor_id",
                "ts",
                *(
                    exp.alias_(goal_condition(step.rule, params), f"m{index}")
                    for index, step in enumerate(steps)
                ),
            )
            .from_("events")
            .where(exp.and_(*base_where))
        )
        query = exp.select().with_("matched", as_=matched)
        for index in range(len(steps)):
            name = f"s{index}"
            reach = exp.select(
                exp.column("session_id", table="e"),
                exp.alias_(
                    exp.func("any_value", exp.column("visitor_id", table="e")), "visitor_id"
                ),
                exp.alias_(exp.func("min", exp.column("ts", table="e")), "ts"),
            ).from_(exp.alias_(exp.to_table("matched"), "e"))
            condition: exp.Expr = exp.column(f"m{index}", table="e")
            if index:
                reach = reach.join(
                    exp.alias_(exp.to_table(f"s{index - 1}"), "p"),
                    on=exp.column("session_id", table="e").eq(exp.column("session_id", table="p")),
                )
                condition = exp.and_(
                    condition, exp.column("ts", table="e") > exp.column("ts", table="p")
                )
            reach = reach.where(condition).group_by(exp.column("session_id", table="e"))
            query = query.with_(name, as_=reach)
        counts = [
            exp.select(
                exp.alias_(exp.Literal.number(index), "step"),
                exp.alias_(
                    exp.func("count", exp.Distinct(expressions=[exp.column("visitor_id")])),
                    "visitors",
                ),
            ).from_(f"s{index}")
            for index in range(len(steps))
        ]
        union: exp.Expr = counts[0]
        for part in counts[1:]:
            union = exp.union(union, part, distinct=False)
        final = union_with(query, union)
        return Statement(final.sql(dialect=DIALECT), params.values), steps, period


def union_with(with_query: exp.Select, union: exp.Expr) -> exp.Select:
    """``union`` wrapped as a select that carries ``with_query``'s common table expressions."""
    outer = (
        exp.select("step", "visitors").from_(exp.Subquery(this=union, alias="c")).order_by("step")
    )
    outer.set("with_", with_query.args.get("with_"))
    return outer


def _funnel_steps(steps: list[FunnelStep], reached: dict[int, int]) -> tuple[FunnelStepResult, ...]:
    answer = []
    first = reached.get(0, 0)
    previous = first
    for index, step in enumerate(steps):
        visitors = reached.get(index, 0)
        answer.append(
            FunnelStepResult(
                label=step.label,
                visitors=visitors,
                conversion_rate=round(visitors / first * 100, 2) if first else 0.0,
                step_conversion_rate=round(visitors / previous * 100, 2) if previous else 0.0,
                dropoff=previous - visitors if index else 0,
                dropoff_rate=round((previous - visitors) / previous * 100, 2)
                if index and previous
                else 0.0,
            )
        )
        previous = visitors
    return tuple(answer)
