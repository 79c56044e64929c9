"""The demo's budget: this quarter's plan for both sides, actuals week by week so far (some
lines running over), two campaigns whose UTM codes the demo's analytics history uses, a
reallocation the CMO proposed, and a business case on the registry's open request."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from commonground.analytics.public import StoreUnavailableError
from commonground.governance import public as governance

from ..metrics import MetricError, Period, compute, metric
from ..models.budget import BudgetLine, Campaign
from ..periods import Quarter, days_elapsed
from . import services
from .money import cents

Write = Callable[[str], object]

# (side, category, planned, spend against the pace): over 1.1 shows as a variance.
PLAN: tuple[tuple[str, str, str, str], ...] = (
    ("marketing", "campaigns", "24000", "0.90"),  # the two campaigns come on top
    ("marketing", "tools", "6000", "0.60"),
    ("marketing", "infrastructure", "1500", "0.90"),
    ("marketing", "security", "500", "0.00"),
    ("marketing", "people", "30000", "1.00"),
    ("it", "campaigns", "1000", "0.50"),
    ("it", "tools", "4000", "0.30"),  # the registry's yearly costs come on top
    ("it", "infrastructure", "12000", "1.18"),
    ("it", "security", "8000", "0.70"),
    ("it", "people", "45000", "1.00"),
)
DESCRIPTIONS = {
    "campaigns": "Search and social ads",
    "tools": "Licences",
    "infrastructure": "Hosting and CDN",
    "security": "Security services",
    "people": "Contractors",
}

# The generated history (analytics/generator.py) runs for 90 days up to yesterday; its paid
# campaigns are "brand-search" (every day) and "spring-launch" (from day 30, 15 days).
HISTORY_DAYS = 90
SPRING_LAUNCH_FROM_DAY, SPRING_LAUNCH_DAYS = 30, 15


@dataclass(frozen=True, slots=True)
class DemoCampaign:
    name: str
    utm_campaign: str
    start: date
    end: date
    spend: tuple[tuple[date, Decimal], ...]


def load_budget_demo(*, cmo: AbstractBaseUser, cio: AbstractBaseUser, write: Write = print) -> None:
    """The demo budget, once: left as it is when this quarter is planned already."""
    today = timezone.localdate()
    quarter = Quarter.of(today)
    if BudgetLine.objects.filter(period__start=quarter.start).exists():
        write(f"  the budget for {quarter.name} is loaded already")
        return
    with transaction.atomic():
        lines = _plan_and_spend(cmo, cio, quarter, today)
        campaigns = _campaigns(cmo, lines["marketing", "campaigns"], quarter, today)
        services.propose_reallocation(
            user=cmo,
            from_line=lines["marketing", "tools"],
            to_line=lines["it", "security"],
            amount=Decimal(1500),
            case=(
                "Fund the security review of Hotjar's heatmaps from marketing's unused tool "
                "licences, so the webinar page can be measured this quarter."
            ),
        )
        case = _business_case(cmo, cio, today)
    write(
        f"  budget: {quarter.name} planned for both sides, {len(campaigns)} campaigns, "
        f"a pending reallocation{', a business case' if case else ''}"
    )


def _weeks(quarter: Quarter, today: date) -> list[date]:
    """The first day of each week of the quarter begun by today."""
    days = []
    day = quarter.start
    while day <= min(today, quarter.end):
        days.append(day)
        day += timedelta(days=7)
    return days


def _plan_and_spend(
    cmo: AbstractBaseUser, cio: AbstractBaseUser, quarter: Quarter, today: date
) -> dict[tuple[str, str], BudgetLine]:
    lines = {}
    weeks = _weeks(quarter, today)
    begun = days_elapsed(quarter.start, quarter.end, today)
    for side, category, planned, pace in PLAN:
        lead = cmo if side == "marketing" else cio
        line = services.plan_line(
            user=lead, day=quarter.start, side=side, category=category, planned=Decimal(planned)
        )
        lines[side, category] = line
        # Spread so that by today the line stands at ``pace`` times its prorated plan.
        due = Decimal(planned) * begun / quarter.period.days * Decimal(pace)
        weekly = cents(due / len(weeks))
        if weekly == 0:
            continue
        for number, day in enumerate(weeks, start=1):
            services.enter_actual(
                user=lead,
                line=line,
                day=day,
                amount=weekly,
                description=f"{DESCRIPTIONS[category]}, week {number}",
            )
    return lines


def _demo_site() -> str:
    return (urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "127.0.0.1").lower()


def _campaigns(
    cmo: AbstractBaseUser, line: BudgetLine, quarter: Quarter, today: date
) -> list[Campaign]:
    history_start = today - timedelta(days=HISTORY_DAYS)
    launch = history_start + timedelta(days=SPRING_LAUNCH_FROM_DAY)
    launch_end = launch + timedelta(days=SPRING_LAUNCH_DAYS - 1)
    # Spend is booked on this quarter's line: on the launch's first day, or the quarter's.
    launch_spend_day = min(max(launch, quarter.start), today)
    found = [
        DemoCampaign(
            "Brand search (always on)",
            "brand-search",
            quarter.start,
            quarter.end,
            tuple((day, Decimal("350.00")) for day in _weeks(quarter, today)),
        ),
        DemoCampaign(
            "Spring launch",
            "spring-launch",
            launch,
            launch_end,
            ((launch_spend_day, Decimal("2400.00")), (launch_spend_day, Decimal("850.00"))),
        ),
    ]
    made = []
    for entry in found:
        made.append(
            services.create_campaign(
                user=cmo,
                name=entry.name,
                utm_campaign=entry.utm_campaign,
                site=_demo_site(),
                goal_name="Purchase",
                start=entry.start,
                end=entry.end,
            )
        )
        for day, amount in entry.spend:
            services.enter_actual(
                user=cmo,
                line=line,
                day=day,
                amount=amount,
                description=f"{entry.name}: ads",
                utm_campaign=entry.utm_campaign,
            )
    return made


# The expected effect, most telling first: analytics' conversions where the catalogue has
# them (a fifth more sign-ups than the last 90 days brought), else marketing's tool spend
# staying within plan (a metric budget itself provides). "" stands for the demo site.
EFFECTS: tuple[tuple[str, dict[str, str], str], ...] = (
    ("analytics.conversions", {"site": "", "goal": "Signup"}, "sign-ups +20% in 90 days"),
    ("budget.spend_vs_plan", {"side": "marketing", "category": "tools"}, "tools within plan"),
)
FALLBACK_SIGNUPS = Decimal(2000)


def _target(key: str, params: dict[str, str], today: date) -> Decimal:
    """A fifth more conversions than the 90 days before; 1.0 (on plan) for spend."""
    if key != "analytics.conversions":
        return Decimal(1)
    try:
        before = compute(key, params, Period(today - timedelta(days=90), today - timedelta(days=1)))
    except (ValueError, StoreUnavailableError):  # the store may not run while seeding
        before = None
    return ((before or FALLBACK_SIGNUPS) * Decimal("1.2")).to_integral_value(ROUND_CEILING)


def _business_case(cmo: AbstractBaseUser, cio: AbstractBaseUser, today: date) -> bool:
    hotjar = next(
        (r for r in governance.technology_request_summaries() if r.technology_name == "Hotjar"),
        None,
    )
    if hotjar is None:
        return False
    for key, params, summary in EFFECTS:
        settings_given = {k: v or _demo_site() for k, v in params.items()}
        try:
            metric(key).check_params(settings_given)
        except MetricError:
            continue
        case = services.open_business_case(
            user=cmo,
            title="Heatmaps on the webinar page",
            technology_request_id=hotjar.id,
            campaign=None,
            metric_key=key,
            params=settings_given,
            target_value=_target(key, settings_given, today),
            period_start=today,
            period_end=today + timedelta(days=89),
            effect_summary=summary,
        )
        services.estimate_business_case(
            user=cio,
            case_id=case.pk,
            estimated_cost=Decimal("2400.00"),
            effort_days=Decimal("3.0"),
            risk="medium",
            notes="Heatmaps only, recordings off; needs the DPA signed before launch.",
        )
        return True
    return False
