"""A goal's numbers now: its value, its target (a number or a formula on another period), the
value due by now and its status. One :class:`Values` per scorecard build, so a metric asked for
twice (a goal and the guardrail of another) is computed once."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from ..metrics import MetricError, Period
from ..metrics.base import Batch, compute, metric
from ..models import Goal
from ..periods import elapsed_fraction
from .status import Judgement, Status, judge
from .targets import FormulaError, parse_formula

ValueKey = tuple[str, tuple[tuple[str, str], ...], Period]


@dataclass(frozen=True, slots=True)
class Measured:
    value: Decimal | None
    error: str  # why there is no value ("" when there is one or nothing was measured)


class Values:
    """Metric values computed once each: (metric, params, period) -> value."""

    def __init__(self) -> None:
        self._known: dict[ValueKey, Measured] = {}

    def get(self, key: str, params: dict[str, str], period: Period) -> Measured:
        cache_key = (key, tuple(sorted(params.items())), period)
        if cache_key not in self._known:
            try:
                self._known[cache_key] = Measured(compute(key, params, period), "")
            except MetricError as error:
                self._known[cache_key] = Measured(None, error.message)
        return self._known[cache_key]

    def __contains__(self, request: tuple[str, dict[str, str], Period]) -> bool:
        key, params, period = request
        return (key, tuple(sorted(params.items())), period) in self._known

    def prefetch(self, goals: Iterable[Goal]) -> None:
        """Work out at once every value ``goals`` will ask for (their own and their target
        formulas'), through each source's batch where it has one: a scorecard of fifty goals
        on one site asks analytics a handful of queries, not fifty."""
        wanted: dict[Batch, list[ValueKey]] = defaultdict(list)
        for goal in goals:
            for key, params, period in _requests_of(goal):
                try:
                    definition = metric(key)
                    cleaned = definition.check_params(params)
                except MetricError:
                    continue  # get() reports it
                request = (key, tuple(sorted(cleaned.items())), period)
                if definition.batch is not None and request not in self._known:
                    wanted[definition.batch].append(request)
        for batch, requests in wanted.items():
            for request, answer in batch(list(dict.fromkeys(requests))).items():
                if isinstance(answer, MetricError):
                    self._known[request] = Measured(None, answer.message)
                else:
                    self._known[request] = Measured(answer, "")


def _requests_of(goal: Goal) -> list[tuple[str, dict[str, str], Period]]:
    requests = [(goal.metric, params_of(goal), period_of(goal))]
    if goal.target_formula:
        try:
            formula = parse_formula(goal.target_formula)
            key = formula.metric or goal.metric
            wanted = {p.name for p in metric(key).parameters}
        except (FormulaError, MetricError):
            return requests
        params = {k: v for k, v in params_of(goal).items() if k in wanted}
        requests.append((key, params, formula.reference_period(period_of(goal))))
    return requests


@dataclass(frozen=True, slots=True)
class Evaluation:
    goal_id: int
    value: Decimal | None
    target: Decimal | None
    expected: Decimal | None
    status: Status
    reason: str
    fraction: float


def period_of(goal: Goal) -> Period:
    return Period(goal.period_start, goal.period_end)


def params_of(goal: Goal) -> dict[str, str]:
    return {str(k): str(v) for k, v in (goal.params or {}).items()}


def target_of(goal: Goal, values: Values) -> tuple[Decimal | None, str]:
    """The goal's target and, when it has none, why."""
    if not goal.target_formula:
        return goal.target_value, "" if goal.target_value is not None else "No target set."
    try:
        formula = parse_formula(goal.target_formula)
    except FormulaError as error:
        return None, error.message
    key = formula.metric or goal.metric
    # Another metric takes those of the goal's settings it knows.
    wanted = {p.name for p in metric(key).parameters}
    params = {k: v for k, v in params_of(goal).items() if k in wanted}
    reference = values.get(key, params, formula.reference_period(period_of(goal)))
    if reference.value is None:
        return None, reference.error or f"Nothing was measured in {formula.period}."
    return formula.apply(reference.value), ""


def evaluate(
    goal: Goal, values: Values, *, now: datetime | None = None, through: date | None = None
) -> Evaluation:
    """The goal at ``now``; with ``through``, as it stood at the end of that earlier day (its
    value over the days of the period up to then), for metrics that have a history."""
    now = now or timezone.now()
    try:
        definition = metric(goal.metric)
    except MetricError as error:
        return Evaluation(goal.pk, None, None, None, Status.AT_RISK, error.message, 0.0)
    measured_over = period_of(goal)
    if through is not None and through < goal.period_end:
        measured_over = Period(goal.period_start, max(through, goal.period_start))
    measured = values.get(goal.metric, params_of(goal), measured_over)
    target, target_problem = target_of(goal, values)
    fraction = elapsed_fraction(period_of(goal), now)
    judgement: Judgement = judge(
        value=measured.value,
        target=target,
        baseline=goal.baseline,
        direction=definition.direction,
        accumulation=definition.accumulation,
        fraction=fraction,
        tolerance_percent=goal.tolerance_percent,
    )
    reason = measured.error or target_problem or judgement.reason
    return Evaluation(
        goal.pk, measured.value, target, judgement.expected, judgement.status, reason, fraction
    )
