"""The scorecard's writes: goals, joint-goal proposals and their acceptance, manual check-ins,
daily snapshots.

A side's lead makes and changes that side's goals directly. A joint goal needs both leads:
one lead's new goal or change is a :class:`GoalProposal` until the other lead accepts it, and
nobody accepts their own. Every write runs in one transaction with its audit entry.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..metrics import Accumulation, MetricError, Period
from ..metrics.base import metric
from ..models import CheckIn, Goal, GoalProposal, GoalSnapshot
from ..periods import end_of_day, month_of, quarter_of
from ..sides import Party, Side, led_party, require_lead
from .evaluation import Evaluation, Values, evaluate
from .targets import FormulaError, parse_formula

User = AbstractBaseUser | AnonymousUser

GOAL_CREATE = "alignment.goal.create"
GOAL_CHANGE = "alignment.goal.change"
GOAL_ARCHIVE = "alignment.goal.archive"
GOAL_PROPOSE = "alignment.goal.propose"
GOAL_ACCEPT = "alignment.goal.accept"
GOAL_REJECT = "alignment.goal.reject"
GOAL_WITHDRAW = "alignment.goal.withdraw"
CHECK_IN = "alignment.checkin.create"

MAX_CUSTOM_DAYS = 731
MAX_ABS_VALUE = Decimal("1e13")


@dataclass(frozen=True)
class GoalSpec:
    """A goal as asked for (from the form or a proposal's payload)."""

    name: str
    side: str
    metric: str
    period_kind: str
    period_start: date
    period_end: date | None = None  # custom periods only
    params: dict[str, str] = field(default_factory=dict)
    target_value: Decimal | None = None
    target_formula: str = ""
    baseline: Decimal | None = None
    tolerance_percent: Decimal = Decimal(10)
    description: str = ""
    guardrail_ids: tuple[int, ...] = ()

    def as_payload(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("period_start", "period_end"):
            data[name] = data[name].isoformat() if data[name] else None
        for name in ("target_value", "baseline", "tolerance_percent"):
            data[name] = None if data[name] is None else str(data[name])
        data["guardrail_ids"] = list(self.guardrail_ids)
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "GoalSpec":
        def decimal(name: str) -> Decimal | None:
            return None if data.get(name) is None else Decimal(str(data[name]))

        return cls(
            name=data["name"],
            side=data["side"],
            metric=data["metric"],
            period_kind=data["period_kind"],
            period_start=date.fromisoformat(data["period_start"]),
            period_end=date.fromisoformat(data["period_end"]) if data.get("period_end") else None,
            params=dict(data.get("params") or {}),
            target_value=decimal("target_value"),
            target_formula=data.get("target_formula") or "",
            baseline=decimal("baseline"),
            tolerance_percent=decimal("tolerance_percent") or Decimal(10),
            description=data.get("description") or "",
            guardrail_ids=tuple(data.get("guardrail_ids") or ()),
        )


def _period(spec: GoalSpec) -> Period:
    if spec.period_kind == Goal.PeriodKind.MONTH:
        return month_of(spec.period_start)
    if spec.period_kind == Goal.PeriodKind.QUARTER:
        return quarter_of(spec.period_start)
    if spec.period_kind != Goal.PeriodKind.CUSTOM:
        raise ValidationError({"period_kind": "Choose month, quarter or custom."})
    if spec.period_end is None:
        raise ValidationError({"period_end": "A custom period needs its last day."})
    if spec.period_end < spec.period_start:
        raise ValidationError({"period_end": "The last day comes before the first."})
    if (spec.period_end - spec.period_start).days >= MAX_CUSTOM_DAYS:
        raise ValidationError({"period_end": "A custom period is at most two years long."})
    return Period(spec.period_start, spec.period_end)


def _check_number(name: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or abs(value) >= MAX_ABS_VALUE):
        raise ValidationError({name: "Enter a finite number below 10,000,000,000,000."})


Checked = tuple[GoalSpec, Period, list[Goal]]  # the cleaned spec, its period, its guardrails


def _target_problems(spec: GoalSpec) -> dict[str, str]:
    """What is wrong with the goal's target, baseline and tolerance, by field."""
    errors: dict[str, str] = {}
    if (spec.target_value is None) == (not spec.target_formula.strip()):
        errors["target_value"] = "Give either a target number or a target formula, not both."
    if spec.target_formula.strip():
        try:
            parse_formula(spec.target_formula)
        except FormulaError as error:
            errors["target_formula"] = error.message
    for name in ("target_value", "baseline"):
        try:
            _check_number(name, getattr(spec, name))
        except ValidationError as error:
            errors.update(error.message_dict)  # type: ignore[arg-type]
    if not Decimal(0) <= spec.tolerance_percent <= Decimal(100):
        errors["tolerance_percent"] = "Tolerance is a percentage from 0 to 100."
    return errors


def _guardrail_problem(spec: GoalSpec, goal: Goal | None, guardrails: list[Goal]) -> str:
    """Why the guardrails chosen cannot guard this goal ("" when they can)."""
    if len(guardrails) != len(set(spec.guardrail_ids)):
        return "A guardrail goal does not exist or is archived."
    if goal is not None and any(g.pk == goal.pk for g in guardrails):
        return "A goal cannot be its own guardrail."
    if spec.side != Side.JOINT and any(g.side == spec.side for g in guardrails):
        return "A guardrail comes from the other side (or is a joint goal)."
    return ""


def checked(spec: GoalSpec, *, goal: Goal | None = None) -> Checked:
    """``spec`` with its metric settings cleaned, its period and its guardrail goals;
    ValidationError naming each field at fault."""
    errors: dict[str, str] = {}
    if not spec.name.strip():
        errors["name"] = "Give the goal a name."
    if spec.side not in Side.values:
        errors["side"] = "Choose marketing, IT or joint."
    params = spec.params
    try:
        definition = metric(spec.metric)
        params = definition.check_params(spec.params)
    except MetricError as error:
        errors[error.field if error.field != "metric" else "metric"] = error.message
    errors.update(_target_problems(spec))
    try:
        period = _period(spec)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
        period = Period(spec.period_start, spec.period_start)
    guardrails = list(Goal.objects.filter(pk__in=spec.guardrail_ids, archived=False))
    if problem := _guardrail_problem(spec, goal, guardrails):
        errors["guardrails"] = problem
    if errors:
        raise ValidationError(errors)
    cleaned = GoalSpec(**{**asdict(spec), "params": params, "name": spec.name.strip()})
    return cleaned, period, guardrails


def _baseline(spec: GoalSpec, period: Period) -> Decimal | None:
    """Where a level metric stood in the period before: the start of the line to the target."""
    if spec.baseline is not None:
        return spec.baseline
    if metric(spec.metric).accumulation is not Accumulation.LEVEL:
        return None
    return Values().get(spec.metric, spec.params, period.shifted_back()).value


def _apply(valid: Checked, goal: Goal | None, *, owner: Any) -> Goal:
    """``goal`` (or a new one) made as the checked spec says."""
    spec, period, guardrails = valid
    goal = goal or Goal(owner=owner)
    goal.name = spec.name
    goal.description = spec.description
    goal.side = spec.side
    goal.metric = spec.metric
    goal.params = spec.params
    goal.period_kind = spec.period_kind
    goal.period_start, goal.period_end = period.start, period.end
    goal.target_value = spec.target_value
    goal.target_formula = spec.target_formula.strip()
    goal.baseline = _baseline(spec, period)
    goal.tolerance_percent = spec.tolerance_percent
    goal.save()
    goal.guardrails.set(guardrails)
    return goal


def _person(user: User) -> Any:
    return user if user.is_authenticated else None


def _summary(spec: GoalSpec) -> dict[str, Any]:
    return {k: v for k, v in spec.as_payload().items() if v not in (None, "", [], {})}


@dataclass(frozen=True)
class Outcome:
    """What a goal write did: the goal changed at once, or a proposal awaits the other lead."""

    goal: Goal | None
    proposal: GoalProposal | None

    @property
    def message(self) -> str:
        if self.proposal is not None:
            other = Party(self.proposal.proposer_side).other.label
            return f"Proposed. It takes effect when the {other} Lead accepts it."
        assert self.goal is not None
        return f"Saved “{self.goal.name}”."


def _propose(
    *, user: User, party: Party, kind: str, goal: Goal | None, spec: GoalSpec | None, reason: str
) -> GoalProposal:
    open_proposal = (
        goal is not None and goal.proposals.filter(status=GoalProposal.Status.PENDING).exists()
    )
    if open_proposal:
        raise ValidationError({"__all__": "This goal has a proposal awaiting a decision already."})
    proposal = GoalProposal.objects.create(
        goal=goal,
        kind=kind,
        payload=spec.as_payload() if spec else {},
        reason=reason.strip()[:2000],
        proposed_by=_person(user),
        proposer_side=party.value,
    )
    log(
        instance=proposal,
        action=GOAL_PROPOSE,
        user=_person(user),
        data={"kind": kind, "goal": goal.pk if goal else None, **(_summary(spec) if spec else {})},
    )
    return proposal


def create_goal(*, user: User, spec: GoalSpec, reason: str = "") -> Outcome:
    """A new goal for the user's side, or, for a joint goal, a proposal to the other lead."""
    with transaction.atomic():
        party = require_lead(user, spec.side if spec.side in Side.values else "joint")
        valid = checked(spec)
        spec = valid[0]
        if spec.side == Side.JOINT:
            return Outcome(
                None,
                _propose(
                    user=user, party=party, kind="create", goal=None, spec=spec, reason=reason
                ),
            )
        goal = _apply(valid, None, owner=_person(user))
        log(instance=goal, action=GOAL_CREATE, user=_person(user), data=_summary(spec))
        return Outcome(goal, None)


def change_goal(*, user: User, goal: Goal, spec: GoalSpec, reason: str = "") -> Outcome:
    """A change to ``goal``: at once by its side's lead; for a joint goal, a proposal."""
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        party = require_lead(user, goal.side)
        if spec.side != goal.side and goal.side != Side.JOINT:
            require_lead(user, spec.side)
        valid = checked(spec, goal=goal)
        spec = valid[0]
        if Side.JOINT in (goal.side, spec.side):
            return Outcome(
                None,
                _propose(
                    user=user, party=party, kind="change", goal=goal, spec=spec, reason=reason
                ),
            )
        before = _summary(spec_of(goal))
        goal = _apply(valid, goal, owner=goal.owner)
        after = _summary(spec)
        changed = {
            k: [before.get(k), after.get(k)]
            for k in before | after
            if before.get(k) != after.get(k)
        }
        log(instance=goal, action=GOAL_CHANGE, user=_person(user), data={"changed": changed})
        return Outcome(goal, None)


def archive_goal(*, user: User, goal: Goal, reason: str = "") -> Outcome:
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        party = require_lead(user, goal.side)
        if goal.side == Side.JOINT:
            return Outcome(
                None,
                _propose(
                    user=user, party=party, kind="archive", goal=goal, spec=None, reason=reason
                ),
            )
        goal.archived = True
        goal.save(update_fields=["archived", "updated_at"])
        log(instance=goal, action=GOAL_ARCHIVE, user=_person(user), data={"reason": reason})
        return Outcome(goal, None)


def spec_of(goal: Goal) -> GoalSpec:
    return GoalSpec(
        name=goal.name,
        side=goal.side,
        metric=goal.metric,
        period_kind=goal.period_kind,
        period_start=goal.period_start,
        period_end=goal.period_end,
        params=dict(goal.params or {}),
        target_value=goal.target_value,
        target_formula=goal.target_formula,
        baseline=goal.baseline,
        tolerance_percent=goal.tolerance_percent,
        description=goal.description,
        guardrail_ids=tuple(goal.guardrails.values_list("pk", flat=True)),
    )


def _pending(proposal: GoalProposal) -> GoalProposal:
    locked = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != GoalProposal.Status.PENDING:
        raise ValidationError(
            {"__all__": f"This proposal was {locked.get_status_display().lower()} already."}
        )
    return locked


def _require_other_lead(user: User, proposal: GoalProposal) -> Party:
    party = led_party(user)
    if party is None:
        raise PermissionDenied("Only the Marketing Lead or the IT Lead decides on a joint goal.")
    if party.value == proposal.proposer_side:
        raise PermissionDenied(
            f"You cannot decide on a proposal from your own side: the {party.other.label} Lead "
            "must accept it (four eyes)."
        )
    return party


def accept_proposal(*, user: User, proposal: GoalProposal, note: str = "") -> Goal:
    """The other lead agrees: the new goal, change or archiving takes effect."""
    with transaction.atomic():
        proposal = _pending(proposal)
        _require_other_lead(user, proposal)
        goal = (
            Goal.objects.select_for_update().get(pk=proposal.goal_id) if proposal.goal_id else None
        )
        if proposal.kind == GoalProposal.Kind.ARCHIVE:
            assert goal is not None
            goal.archived = True
            goal.save(update_fields=["archived", "updated_at"])
        else:
            # Checked again: a guardrail may have been archived since it was proposed.
            valid = checked(GoalSpec.from_payload(proposal.payload), goal=goal)
            goal = _apply(valid, goal, owner=proposal.proposed_by)
        proposal.goal = goal
        proposal.status = GoalProposal.Status.ACCEPTED
        proposal.decided_by = _person(user)
        proposal.decided_at = timezone.now()
        proposal.decision_note = note.strip()[:2000]
        proposal.save()
        action = {"create": GOAL_CREATE, "change": GOAL_CHANGE, "archive": GOAL_ARCHIVE}
        data = {"proposal": proposal.pk, "proposed_by": str(proposal.proposed_by or "")}
        log(instance=proposal, action=GOAL_ACCEPT, user=_person(user), data=data)
        log(instance=goal, action=action[proposal.kind], user=_person(user), data=data)
        return goal


def reject_proposal(*, user: User, proposal: GoalProposal, note: str = "") -> GoalProposal:
    with transaction.atomic():
        proposal = _pending(proposal)
        _require_other_lead(user, proposal)
        proposal.status = GoalProposal.Status.REJECTED
        proposal.decided_by = _person(user)
        proposal.decided_at = timezone.now()
        proposal.decision_note = note.strip()[:2000]
        proposal.save()
        log(instance=proposal, action=GOAL_REJECT, user=_person(user), data={"note": note[:200]})
        return proposal


def withdraw_proposal(*, user: User, proposal: GoalProposal) -> GoalProposal:
    with transaction.atomic():
        proposal = _pending(proposal)
        if not user.is_authenticated or proposal.proposed_by_id != user.pk:
            raise PermissionDenied("Only the lead who proposed it may withdraw a proposal.")
        proposal.status = GoalProposal.Status.WITHDRAWN
        proposal.decided_at = timezone.now()
        proposal.save()
        log(instance=proposal, action=GOAL_WITHDRAW, user=_person(user), data={})
        return proposal


def record_check_in(
    *, user: User, series: str, day: date, value: Decimal, note: str = ""
) -> CheckIn:
    """A typed value of a manual metric series; either lead may enter one."""
    with transaction.atomic():
        require_lead(user, Side.JOINT)
        _check_number("value", value)
        if day > timezone.localdate():
            raise ValidationError({"day": "A check-in records what was, not what will be."})
        check_in = CheckIn.objects.create(
            series=series, day=day, value=value, note=note.strip()[:500], entered_by=_person(user)
        )
        log(
            instance=check_in,
            action=CHECK_IN,
            user=_person(user),
            data={"series": series, "day": day.isoformat(), "value": str(value)},
        )
        return check_in


def backfill_snapshots(*, goal: Goal, values: Values | None = None) -> int:
    """Snapshots for each past day of ``goal``'s period, as it stood at the end of that day,
    where its metric has a history (a state of now, such as open requests, has none: its past
    is only what daily snapshots kept). Returns how many days were written."""
    if not metric(goal.metric).history:
        return 0
    values = values or Values()
    last = min(goal.period_end, timezone.localdate() - timedelta(days=1))
    rows = []
    day = goal.period_start
    while day <= last:
        moment = end_of_day(day)
        rows.append(_snapshot(goal, day, evaluate(goal, values, now=moment, through=day), moment))
        day += timedelta(days=1)
    _save_snapshots(rows)
    return len(rows)


def snapshot_goals(*, now: datetime | None = None, goals: list[Goal] | None = None) -> int:
    """Today's value and status of every goal whose period has begun and not ended more than
    a day ago (upserted, so running it again in a day only refreshes). Returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if goals is None:
        goals = list(
            Goal.objects.filter(
                archived=False, period_start__lte=today, period_end__gte=today - timedelta(days=1)
            )
        )
    values = Values()
    values.prefetch(goals)
    _save_snapshots(
        [
            _snapshot(goal, min(today, goal.period_end), evaluate(goal, values, now=now), now)
            for goal in goals
        ]
    )
    return len(goals)


def _snapshot(goal: Goal, day: date, evaluation: Evaluation, moment: datetime) -> GoalSnapshot:
    return GoalSnapshot(
        goal=goal,
        day=day,
        value=evaluation.value,
        target=evaluation.target,
        expected=evaluation.expected,
        status=evaluation.status.value,
        reason=evaluation.reason[:300],
        computed_at=moment,
    )


def _save_snapshots(rows: list[GoalSnapshot]) -> None:
    """Today's (or a day's) snapshot of each goal, replacing one made earlier that day: one
    statement for all of them."""
    GoalSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["goal", "day"],
        update_fields=["value", "target", "expected", "status", "reason", "computed_at"],
    )
