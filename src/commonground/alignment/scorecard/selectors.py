"""The scorecard as people read it: each goal's value, target, status, trend and guardrails,
computed live or read from the daily snapshots."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.models import ModelLogEntry

from ..metrics import MetricError
from ..metrics.base import metric
from ..models import Goal, GoalProposal, GoalSnapshot
from ..periods import quarter_of
from ..sides import Side
from .evaluation import Evaluation, Values, evaluate
from .status import Status


@dataclass(frozen=True)
class GoalCard:
    id: int
    name: str
    side: str
    metric: str
    metric_label: str
    unit: str
    direction: str
    glossary_term: str
    params: dict[str, str]
    value: Decimal | None
    target: Decimal | None
    expected: Decimal | None
    status: Status
    reason: str
    period_start: date
    period_end: date
    target_formula: str
    computed_at: datetime
    guardrails: tuple["GoalCard", ...] = ()
    trend: tuple[tuple[date, Decimal | None, str], ...] = ()  # (day, value, status)
    pending_proposal: int | None = None

    @property
    def status_label(self) -> str:
        return self.status.label

    def as_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | int | None:
            if value is None:
                return None
            return int(value) if value == value.to_integral_value() else float(value)

        return {
            "id": self.id,
            "name": self.name,
            "side": self.side,
            "metric": self.metric,
            "metric_label": self.metric_label,
            "unit": self.unit,
            "direction": self.direction,
            "params": self.params,
            "value": number(self.value),
            "target": number(self.target),
            "target_formula": self.target_formula or None,
            "expected_by_now": number(self.expected),
            "status": self.status.value,
            "reason": self.reason,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "computed_at": self.computed_at.isoformat(),
            "guardrails": [g.as_json() for g in self.guardrails],
        }


@dataclass(frozen=True)
class Scorecard:
    cards: tuple[GoalCard, ...]
    proposals: tuple[GoalProposal, ...] = field(default=())

    def by_side(self) -> list[tuple[str, str, list[GoalCard]]]:
        groups: dict[str, list[GoalCard]] = defaultdict(list)
        for card in self.cards:
            groups[card.side].append(card)
        labels = {"joint": "Joint goals", "marketing": "Marketing's goals", "it": "IT's goals"}
        return [(side, labels[side], groups[side]) for side in labels if groups.get(side)]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(Status, 0)
        for card in self.cards:
            counts[card.status] += 1
        return {status.value: n for status, n in counts.items()}


def goals_for(period: str = "current", *, today: date | None = None) -> QuerySet[Goal]:
    """Goals of a period: "current" (running today), "previous" (ended in the last quarter),
    "all" (every goal not archived)."""
    today = today or timezone.localdate()
    goals = Goal.objects.filter(archived=False).prefetch_related("guardrails")
    if period == "current":
        return goals.filter(period_start__lte=today, period_end__gte=today)
    if period == "previous":
        last_quarter = quarter_of(quarter_of(today).start - timedelta(days=1))
        return goals.filter(period_end__lt=today, period_end__gte=last_quarter.start)
    return goals


def _card(
    goal: Goal,
    evaluation: Evaluation,
    computed_at: datetime,
    *,
    guardrails: tuple[GoalCard, ...] = (),
    trend: tuple[tuple[date, Decimal | None, str], ...] = (),
    pending: int | None = None,
) -> GoalCard:
    try:
        definition = metric(goal.metric)
        label, unit, direction, term = (
            definition.label,
            definition.unit.value,
            definition.direction.value,
            definition.glossary_term,
        )
    except MetricError:
        label, unit, direction, term = goal.metric, "", "higher", ""
    return GoalCard(
        id=goal.pk,
        name=goal.name,
        side=goal.side,
        metric=goal.metric,
        metric_label=label,
        unit=unit,
        direction=direction,
        glossary_term=term,
        params=dict(goal.params or {}),
        value=evaluation.value,
        target=evaluation.target,
        expected=evaluation.expected,
        status=evaluation.status,
        reason=evaluation.reason,
        period_start=goal.period_start,
        period_end=goal.period_end,
        target_formula=goal.target_formula,
        computed_at=computed_at,
        guardrails=guardrails,
        trend=trend,
        pending_proposal=pending,
    )


def _trends(goal_ids: Iterable[int]) -> dict[int, tuple[tuple[date, Decimal | None, str], ...]]:
    rows = GoalSnapshot.objects.filter(goal_id__in=list(goal_ids)).order_by("goal_id", "day")
    trends: dict[int, list[tuple[date, Decimal | None, str]]] = defaultdict(list)
    for goal_id, day, value, status in rows.values_list("goal_id", "day", "value", "status"):
        trends[goal_id].append((day, value, status))
    return {goal_id: tuple(points) for goal_id, points in trends.items()}


def _snapshot_evaluations(
    goals: list[Goal], fresh_after: datetime | None
) -> dict[int, tuple[Evaluation, datetime]]:
    """Each goal's latest snapshot up to today (computed after ``fresh_after``, if given)."""
    today = timezone.localdate()
    rows = GoalSnapshot.objects.filter(goal__in=goals, day__lte=today)
    if fresh_after is not None:
        rows = rows.filter(computed_at__gte=fresh_after)
    found: dict[int, tuple[Evaluation, datetime]] = {}
    for row in rows.order_by("goal_id", "-day"):
        if row.goal_id in found:
            continue
        found[row.goal_id] = (
            Evaluation(
                row.goal_id,
                row.value,
                row.target,
                row.expected,
                Status(row.status),
                row.reason,
                0.0,
            ),
            row.computed_at,
        )
    return found


def build_scorecard(
    goals: Iterable[Goal],
    *,
    live: bool = True,
    any_age: bool = False,
    with_trends: bool = False,
    now: datetime | None = None,
) -> Scorecard:
    """Cards for ``goals`` and their guardrails. ``live`` computes every value now; otherwise
    values come from snapshots younger than ``ALIGNMENT_SNAPSHOT_MAX_AGE`` seconds (of any age
    with ``any_age``: the home screen, which every page view of the admin's start opens, never
    waits for the event store), and only goals without one are computed."""
    now = now or timezone.now()
    goals = list(goals)
    everyone: dict[int, Goal] = {g.pk: g for g in goals}
    for goal in goals:
        for guardrail in goal.guardrails.all():
            everyone.setdefault(guardrail.pk, guardrail)
    known: dict[int, tuple[Evaluation, datetime]] = {}
    if not live:
        max_age = timedelta(seconds=settings.ALIGNMENT_SNAPSHOT_MAX_AGE)
        fresh_after = None if any_age else now - max_age
        known = _snapshot_evaluations(list(everyone.values()), fresh_after)
    values = Values()
    values.prefetch(goal for goal_id, goal in everyone.items() if goal_id not in known)
    for goal_id, goal in everyone.items():
        if goal_id not in known:
            known[goal_id] = (evaluate(goal, values, now=now), now)
    trends = _trends(everyone) if with_trends else {}
    proposals = tuple(
        GoalProposal.objects.filter(status=GoalProposal.Status.PENDING)
        .select_related("proposed_by", "goal")
        .order_by("created_at")
    )
    pending = {p.goal_id: p.pk for p in proposals if p.goal_id is not None}

    def card(goal: Goal, guardrails: tuple[GoalCard, ...] = ()) -> GoalCard:
        evaluation, computed_at = known[goal.pk]
        return _card(
            goal,
            evaluation,
            computed_at,
            guardrails=guardrails,
            trend=trends.get(goal.pk, ()),
            pending=pending.get(goal.pk),
        )

    cards = tuple(card(goal, tuple(card(g) for g in goal.guardrails.all())) for goal in goals)
    return Scorecard(cards, proposals)


def goal_history(goal: Goal) -> list[Any]:
    """Who changed the goal and when: its audit entries and its proposals', newest first."""
    goal_type = ContentType.objects.get_for_model(Goal)
    proposal_type = ContentType.objects.get_for_model(GoalProposal)
    proposal_ids = [str(pk) for pk in goal.proposals.values_list("pk", flat=True)]
    entries = ModelLogEntry.objects.filter(
        content_type=goal_type, object_id=str(goal.pk)
    ) | ModelLogEntry.objects.filter(content_type=proposal_type, object_id__in=proposal_ids)
    return list(entries.select_related("user").order_by("-timestamp", "-pk")[:100])


FIELD_LABELS = {
    "name": "Name",
    "side": "Side",
    "metric": "Metric",
    "params": "Metric settings",
    "period_kind": "Period",
    "period_start": "Period begins",
    "period_end": "Period ends",
    "target_value": "Target",
    "target_formula": "Target formula",
    "baseline": "Baseline",
    "tolerance_percent": "Tolerance (%)",
    "description": "Description",
    "guardrail_ids": "Guardrails",
}


def _shown(name: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if name == "guardrail_ids":
        names = Goal.objects.filter(pk__in=value).values_list("name", flat=True)
        return ", ".join(sorted(names)) or "—"
    if name == "params":
        return "; ".join(f"{k}={v}" for k, v in sorted(value.items()))
    # The payload keeps codes (joint, quarter, a metric's key, ISO dates); the leads read words.
    if name == "side" and value in Side.values:
        return str(Side(value).label)
    if name == "period_kind" and value in Goal.PeriodKind.values:
        return str(Goal.PeriodKind(value).label)
    if name == "metric":
        try:
            return metric(value).label
        except MetricError:
            return str(value)
    if name in ("period_start", "period_end"):
        try:
            return f"{date.fromisoformat(value):%-d %b %Y}"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def proposal_changes(proposal: GoalProposal) -> list[tuple[str, str, str]]:
    """(what, before, proposed) for each field the proposal sets or changes."""
    from .services import spec_of

    proposed = proposal.payload or {}
    before = spec_of(proposal.goal).as_payload() if proposal.goal else {}
    rows = []
    for name, label in FIELD_LABELS.items():
        if name not in proposed:
            continue
        old, new = _shown(name, before.get(name)), _shown(name, proposed.get(name))
        if proposal.goal is None and new == "—":
            continue  # a new goal's unset fields say nothing to the lead who decides
        if proposal.goal is None or old != new:
            rows.append((label, old if proposal.goal else "", new))
    return rows


@dataclass(frozen=True)
class NextMeeting:
    title: str
    starts_at: datetime
    url: str
    time_zone: str  # the series' own: the time its invitations give


@dataclass(frozen=True)
class OpenAction:
    title: str
    due: date
    overdue: bool
    url: str


def home_extras(user: Any) -> dict[str, Any]:
    """What the home panel shows besides goals: the next review and the user's open actions."""
    from ..reviews.agenda import meeting_url, next_planned_meeting
    from ..reviews.selectors import open_actions_of

    meeting = next_planned_meeting()
    today = timezone.localdate()
    return {
        "next_meeting": NextMeeting(
            meeting.series.name,
            meeting.starts_at,
            meeting_url(meeting.pk),
            meeting.series.time_zone,
        )
        if meeting
        else None,
        "open_actions": [
            OpenAction(a.title, a.due_date, a.due_date < today, meeting_url(a.meeting_id))
            for a in open_actions_of(user)[:5]
        ],
    }


@dataclass(frozen=True)
class StatusChange:
    goal_id: int
    name: str
    side: str
    before: str
    after: str
    day: date


def status_changes(*, since: date, until: date | None = None) -> list[StatusChange]:
    """Goals whose snapshot status on ``until`` (today) differs from their last one before or
    on ``since``: what moved in a week, for the weekly report and the agenda."""
    until = until or timezone.localdate()
    rows = (
        GoalSnapshot.objects.filter(day__lte=until, goal__archived=False)
        .order_by("goal_id", "day")
        .values_list("goal_id", "goal__name", "goal__side", "day", "status")
    )
    before: dict[int, str] = {}
    latest: dict[int, tuple[str, str, date, str]] = {}
    for goal_id, name, side, day, status in rows:
        if day <= since:
            before[goal_id] = status
        else:
            latest[goal_id] = (name, side, day, status)
    changes = [
        StatusChange(goal_id, name, side, before[goal_id], status, day)
        for goal_id, (name, side, day, status) in latest.items()
        if goal_id in before and before[goal_id] != status
    ]
    return sorted(changes, key=lambda c: (c.after != "off_track", c.name))
