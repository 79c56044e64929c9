"""The demo's shared scorecard: goals of both sides and joint ones across every metric source,
joint ones with guardrails, made through the real services (so the audit trail and the
proposals are real), targets chosen so some are on track and some not, and the quarter's daily
snapshots worked out from the history where the metric has one."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from commonground.analytics.public import reading_the_store_file

from ..metrics.base import metric
from ..models import CheckIn, Goal
from ..periods import elapsed_fraction, quarter_of
from . import services
from .evaluation import Values, evaluate, period_of
from .services import GoalSpec
from .status import Status

Write = Callable[[str], object]


@dataclass(frozen=True)
class DemoGoal:
    key: str  # how other demo goals name it as a guardrail
    name: str
    side: str
    metric: str
    params: dict[str, str]
    # A fixed target, or the status the demo should show (the target is then found for it).
    target: Decimal | None = None
    wanted: Status | None = None
    guardrails: tuple[str, ...] = ()
    description: str = ""
    formula: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def demo_goals(site: str) -> list[DemoGoal]:
    on, risk, off = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK
    return [
        # IT's side first: the joint goals name them as guardrails.
        DemoGoal(
            "lcp",
            "Pages stay fast (LCP p75)",
            "it",
            "analytics.lcp_p75",
            {"site": site},
            wanted=on,
            description="Growth must not cost speed: Google's 'good' is 2.5 s.",
        ),
        DemoGoal(
            "csp",
            "CSP violations within the allowance",
            "it",
            "governance.csp_violations",
            {},
            target=Decimal(150),
            description="Blocked or reported loads on the site.",
        ),
        DemoGoal(
            "hosts",
            "No unapproved third-party hosts",
            "it",
            "governance.unapproved_hosts",
            {},
            target=Decimal(0),
            description="From the latest shadow-IT scan.",
        ),
        DemoGoal(
            "twofa",
            "Two-factor sign-in for every IT administrator",
            "it",
            "governance.two_factor_share",
            {},
            target=Decimal(100),
        ),
        DemoGoal(
            "audit",
            "Audit trail intact",
            "it",
            "governance.audit_chain_intact",
            {},
            target=Decimal(1),
        ),
        DemoGoal(
            "review",
            "Technology reviews within 5 working days",
            "it",
            "governance.review_lead_time",
            {},
            target=Decimal(5),
        ),
        DemoGoal(
            "tools",
            "Tools and licences on plan",
            "it",
            "budget.spend_vs_plan",
            {"side": "it", "category": "tools"},
            target=Decimal("1.0"),
        ),
        # Marketing's side.
        DemoGoal(
            "visitors",
            "Grow visitors this quarter",
            "marketing",
            "analytics.visitors",
            {"site": site},
            wanted=on,
        ),
        DemoGoal(
            "bounce",
            "Bring the bounce rate down",
            "marketing",
            "analytics.bounce_rate",
            {"site": site},
            wanted=off,
            guardrails=("lcp",),
        ),
        DemoGoal(
            "newsletter",
            "Visits from the newsletter",
            "marketing",
            "distribution.channel_visits",
            {"site": site, "channel": "newsletter"},
            wanted=risk,
        ),
        DemoGoal(
            "subscribers",
            "Grow the newsletter list to 100",
            "marketing",
            "distribution.confirmed_subscribers",
            {},
            target=Decimal(100),
        ),
        DemoGoal(
            "published",
            "Publish steadily",
            "marketing",
            "content.pages_published",
            {},
            target=Decimal(12),
        ),
        DemoGoal(
            "spend",
            "Campaign spend on plan",
            "marketing",
            "budget.spend_vs_plan",
            {"side": "marketing"},
            target=Decimal("1.0"),
        ),
        # Joint goals, each with its guardrails from IT's side.
        DemoGoal(
            "signups",
            "More signups without slowing the site",
            "joint",
            "analytics.conversions",
            {"site": site, "goal": "Signup"},
            wanted=on,
            guardrails=("lcp", "csp"),
            description="Marketing's growth, IT's guardrails: both read the same numbers.",
        ),
        DemoGoal(
            "conversion",
            "Lift signup conversion to 3%",
            "joint",
            "analytics.conversion_rate",
            {"site": site, "goal": "Signup"},
            target=Decimal("3.0"),
            guardrails=("lcp", "hosts"),
        ),
        DemoGoal(
            "failures",
            "Newsletter deliveries that fail stay under 2%",
            "joint",
            "distribution.delivery_failure_rate",
            {},
            target=Decimal(2),
            guardrails=("review",),
            description="Marketing's reach, IT's mail reputation: one number for both.",
        ),
        DemoGoal(
            "awareness",
            "Brand awareness (quarterly survey)",
            "joint",
            "manual.check_in",
            {"series": "brand-awareness"},
            target=Decimal(35),
        ),
    ]


def _rounded(value: Decimal) -> Decimal:
    places = Decimal(1) if abs(value) >= 10 else Decimal("0.01")
    return value.quantize(places, rounding=ROUND_HALF_UP)


# Factors of the value (projected to the period's end for counts) that put a goal at a
# status: ahead of its target, a little behind, far behind; mirrored for "lower is better".
FACTORS = {
    Status.ON_TRACK: ("0.9", "0.95", "0.98"),
    Status.AT_RISK: ("1.02", "1.03", "1.05", "1.08"),
    Status.OFF_TRACK: ("1.25", "1.5", "2"),
}


def _target_for(goal: Goal, wanted: Status, values: Values) -> Decimal | None:
    """A round target that puts ``goal`` at ``wanted`` today (its value is what it is)."""
    definition = metric(goal.metric)
    measured = values.get(goal.metric, goal.params, period_of(goal)).value
    if measured is None:
        return None
    if definition.accumulation.value == "level":
        # As the goal will have it: where the metric stood in the period before.
        goal.baseline = values.get(goal.metric, goal.params, period_of(goal).shifted_back()).value
    fraction = Decimal(str(max(elapsed_fraction(period_of(goal), timezone.now()), 0.05)))
    projected = measured / fraction if definition.accumulation.value == "cumulative" else measured
    for factor in FACTORS[wanted]:
        scale = Decimal(factor)
        if definition.direction.value == "lower":
            scale = 2 - scale  # 1.05 behind for "higher" is 0.95 for "lower"
        goal.target_value = _rounded(projected * scale) or Decimal(1)
        if evaluate(goal, values).status is wanted:
            break
    target: Decimal | None = goal.target_value
    return target  # the last tried when none gives the status: still a sane target


def _check_ins(cmo: Any, cio: Any) -> None:
    today = timezone.localdate()
    quarter = quarter_of(today)
    if CheckIn.objects.filter(series="brand-awareness").exists():
        return
    readings = [
        (quarter.start - timedelta(days=60), "27", "Q3 survey, 400 respondents", cmo),
        (quarter.start + timedelta(days=20), "29.5", "October pulse, 250 respondents", cmo),
        (today - timedelta(days=5), "31", "November pulse, 260 respondents", cio),
    ]
    for day, value, note, who in readings:
        services.record_check_in(
            user=who, series="brand-awareness", day=day, value=Decimal(value), note=note
        )


def load_scorecard_demo(*, site: str, cmo: Any, cio: Any, write: Write = print) -> None:
    if Goal.objects.exists():
        write("  scorecard: goals exist already; leaving them")
        return
    with transaction.atomic():  # all the goals or none: a second run then starts afresh
        _load(site=site, cmo=cmo, cio=cio, write=write)


def _load(*, site: str, cmo: Any, cio: Any, write: Write) -> None:
    _check_ins(cmo, cio)
    today = timezone.localdate()
    quarter = quarter_of(today)
    made: dict[str, Goal] = {}
    with reading_the_store_file() as direct:
        if not direct:
            write("  scorecard: the event store is busy; analytics targets use fixed values")
        values = Values()
        for demo in demo_goals(site):
            lead = cio if demo.side == "it" else cmo
            spec = GoalSpec(
                name=demo.name,
                side=demo.side,
                metric=demo.metric,
                params=demo.params,
                period_kind="quarter",
                period_start=quarter.start,
                target_value=demo.target if demo.target is not None or demo.formula else None,
                target_formula=demo.formula,
                description=demo.description,
                guardrail_ids=tuple(made[key].pk for key in demo.guardrails),
            )
            if spec.target_value is None and not spec.target_formula:
                probe = Goal(
                    metric=demo.metric,
                    params=demo.params,
                    period_kind="quarter",
                    period_start=quarter.start,
                    period_end=quarter.end,
                    tolerance_percent=Decimal(10),
                )
                found = _target_for(probe, demo.wanted or Status.ON_TRACK, values)
                spec = replace(spec, target_value=found or Decimal(100))
            outcome = services.create_goal(user=lead, spec=spec, reason=demo.description)
            goal = outcome.goal
            if outcome.proposal is not None:
                goal = services.accept_proposal(
                    user=cio, proposal=outcome.proposal, note="Agreed at the review."
                )
            assert goal is not None
            made[demo.key] = goal
        days = sum(services.backfill_snapshots(goal=goal, values=values) for goal in made.values())
        services.snapshot_goals(goals=list(made.values()))
    # One joint change waits for the CIO, so the demo shows the four-eyes rule at work.
    failures = made["failures"]
    changed = services.spec_of(failures)
    services.change_goal(
        user=cmo,
        goal=failures,
        spec=replace(changed, target_value=Decimal("1.5")),
        reason="The spring list is larger: at 2% we would lose 300 readers a send.",
    )
    write(
        f"  scorecard: {len(made)} goals for {quarter.start:%B} to {quarter.end:%B %Y}, "
        f"{days} past daily snapshots, 1 change awaiting the IT Lead"
    )
