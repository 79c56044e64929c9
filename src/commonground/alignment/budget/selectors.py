"""The budget's reads: plan against actual per line, variances and renewals for the meeting
agenda and the weekly report, the actuals of a period and each campaign's spend.

Every amount is a Decimal in ``settings.ALIGNMENT_CURRENCY``. A line's actual is what was
entered or imported for it plus, on IT's "tools and licences" line, the registry's yearly
costs accrued over the period's days so far (``registry_costs``): computed on each read.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from commonground.governance import public as governance

from ..models.budget import Actual, BudgetCategory, BudgetLine, BudgetPeriod, BudgetSide
from ..periods import days_elapsed
from .money import cents, currency, percent, prorated
from .registry_costs import REGISTRY_CATEGORY, REGISTRY_SIDE, registry_actuals, registry_total


@dataclass(frozen=True, slots=True)
class LineSummary:
    """One side's category in one period: its plan, what was spent, and the pace.

    ``expected_to_date`` is the plan prorated to the days of the period begun by today (the
    whole plan once the period has ended): spend is judged against it while the period runs,
    so a line spending its quarter's plan in the first month shows as over pace."""

    period_id: int
    period_name: str
    period_start: date
    period_end: date
    line_id: int | None  # None: nothing planned for it (spend may still arrive, e.g. registry)
    side: str
    side_label: str
    category: str
    category_label: str
    planned: Decimal
    entered: Decimal  # entered and imported actuals
    registry: Decimal  # the registry's accrued costs (IT's tools line only)
    expected_to_date: Decimal
    running: bool  # today lies inside the period

    @property
    def actual(self) -> Decimal:
        return self.entered + self.registry

    @property
    def variance(self) -> Decimal:
        """Actual minus the whole period's plan (positive: over plan)."""
        return self.actual - self.planned

    @property
    def variance_percent(self) -> Decimal | None:
        return percent(self.variance, self.planned)

    @property
    def pace_variance(self) -> Decimal:
        """Actual minus the plan prorated to today (positive: spending ahead of plan)."""
        return self.actual - self.expected_to_date

    @property
    def pace_percent(self) -> Decimal | None:
        return percent(self.pace_variance, self.expected_to_date)

    @property
    def remaining(self) -> Decimal:
        """What is left of the plan to spend or to move elsewhere (never below 0)."""
        return max(self.planned - self.actual, Decimal(0))

    @property
    def currency(self) -> str:
        return currency()


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def periods_overlapping(first: date, last: date) -> list[BudgetPeriod]:
    return list(BudgetPeriod.objects.filter(start__lte=last, end__gte=first).order_by("start"))


def period_containing(day: date) -> BudgetPeriod | None:
    return BudgetPeriod.objects.filter(start__lte=day, end__gte=day).first()


def plan_vs_actual(period: BudgetPeriod, *, today: date | None = None) -> list[LineSummary]:
    """Every side and category of ``period`` (planned or not), marketing first."""
    today = _today(today)
    lines = {(line.side, line.category): line for line in period.lines.all()}
    spent = dict(
        Actual.objects.filter(line__period=period)
        .values_list("line_id")
        .annotate(total=Sum("amount"))
        .values_list("line_id", "total")
    )
    registry = registry_total(first=period.start, last=period.end, today=today)
    elapsed = days_elapsed(period.start, period.end, today)
    days = (period.end - period.start).days + 1
    summaries = []
    for side in BudgetSide:
        for category in BudgetCategory:
            line = lines.get((side.value, category.value))
            planned = line.planned if line else Decimal(0)
            on_registry_line = side == REGISTRY_SIDE and category == REGISTRY_CATEGORY
            summaries.append(
                LineSummary(
                    period_id=period.pk,
                    period_name=period.name,
                    period_start=period.start,
                    period_end=period.end,
                    line_id=line.pk if line else None,
                    side=side.value,
                    side_label=side.label,
                    category=category.value,
                    category_label=category.label,
                    planned=planned,
                    entered=(spent.get(line.pk) if line else None) or Decimal(0),
                    registry=registry if on_registry_line else Decimal(0),
                    expected_to_date=prorated(planned, elapsed, days),
                    running=period.start <= today <= period.end,
                )
            )
    return summaries


def line_summary(line: BudgetLine, *, today: date | None = None) -> LineSummary:
    return next(s for s in plan_vs_actual(line.period, today=today) if s.line_id == line.pk)


@dataclass(frozen=True, slots=True)
class SideTotal:
    side: str
    side_label: str
    planned: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual - self.planned

    @property
    def variance_percent(self) -> Decimal | None:
        return percent(self.variance, self.planned)


def side_totals(summaries: list[LineSummary]) -> list[SideTotal]:
    return [
        SideTotal(
            side=side.value,
            side_label=side.label,
            planned=sum((s.planned for s in summaries if s.side == side), Decimal(0)),
            actual=sum((s.actual for s in summaries if s.side == side), Decimal(0)),
        )
        for side in BudgetSide
    ]


@dataclass(frozen=True, slots=True)
class ActualEntry:
    """One actual as shown: stored (entered, imported) or computed (from the registry)."""

    day: date | None  # None for registry costs, which accrue every day
    amount: Decimal
    description: str
    side_label: str
    category_label: str
    utm_campaign: str
    source: str  # Actual.Source: entered / imported / registry
    source_label: str
    import_batch_id: int | None


def actual_entries(period: BudgetPeriod, *, today: date | None = None) -> list[ActualEntry]:
    """The period's actuals, newest first, then the registry's costs accrued so far."""
    stored = [
        ActualEntry(
            day=a.day,
            amount=a.amount,
            description=a.description,
            side_label=a.line.get_side_display(),
            category_label=a.line.get_category_display(),
            utm_campaign=a.utm_campaign,
            source=a.source,
            source_label=a.get_source_display(),
            import_batch_id=a.import_batch_id,
        )
        for a in Actual.objects.filter(line__period=period).select_related("line")
    ]
    computed = [
        ActualEntry(
            day=None,
            amount=r.amount,
            description=r.description,
            side_label=REGISTRY_SIDE.label,
            category_label=REGISTRY_CATEGORY.label,
            utm_campaign="",
            source=Actual.Source.REGISTRY,
            source_label=Actual.Source.REGISTRY.label,
            import_batch_id=None,
        )
        for r in registry_actuals(first=period.start, last=period.end, today=_today(today))
    ]
    return stored + computed


@dataclass(frozen=True, slots=True)
class LineVariance:
    """A line whose spend is off its plan by more than a threshold (see ``variances``)."""

    period_name: str
    period_start: date
    period_end: date
    side: str
    side_label: str
    category: str
    category_label: str
    planned: Decimal  # the whole period's plan
    expected_to_date: Decimal  # the plan prorated to today (the pace)
    actual: Decimal
    variance: Decimal  # actual - expected_to_date (positive: over)
    variance_percent: Decimal | None  # of expected_to_date; None when nothing was expected
    running: bool
    currency: str

    @property
    def over(self) -> bool:
        return self.variance > 0

    @property
    def label(self) -> str:
        return f"{self.side_label} · {self.category_label} ({self.period_name})"


def variances(
    *,
    period_start: date,
    period_end: date,
    threshold_percent: Decimal | int,
    today: date | None = None,
) -> list[LineVariance]:
    """Lines of the budget periods overlapping ``period_start``..``period_end`` whose actual
    is off plan by more than ``threshold_percent`` per cent, largest first.

    Inside a running period a line is compared to its pace (the plan prorated to the days
    begun by today), after it to the whole plan; periods not begun are left out. Spend on a
    line with nothing expected yet is always a variance (``variance_percent`` None)."""
    today = _today(today)
    threshold = Decimal(threshold_percent)
    found = []
    for period in periods_overlapping(period_start, period_end):
        if today < period.start:
            continue
        for line in plan_vs_actual(period, today=today):
            if line.actual == 0 and line.expected_to_date == 0:
                continue
            pace = line.pace_percent
            if pace is not None and abs(pace) <= threshold:
                continue
            found.append(
                LineVariance(
                    period_name=line.period_name,
                    period_start=line.period_start,
                    period_end=line.period_end,
                    side=line.side,
                    side_label=line.side_label,
                    category=line.category,
                    category_label=line.category_label,
                    planned=line.planned,
                    expected_to_date=line.expected_to_date,
                    actual=line.actual,
                    variance=line.pace_variance,
                    variance_percent=pace,
                    running=line.running,
                    currency=currency(),
                )
            )
    found.sort(
        key=lambda v: (v.variance_percent is not None, -abs(v.variance_percent or Decimal(0)))
    )
    return found


@dataclass(frozen=True, slots=True)
class Renewal:
    """An approved technology's contract renewing soon, with what it costs a year."""

    name: str
    vendor: str
    renews_on: date
    days_left: int
    annual_cost: Decimal
    currency: str


def renewals_due(*, within_days: int = 90, today: date | None = None) -> list[Renewal]:
    """Approved technologies whose contract renews from today to ``within_days`` days ahead
    (the registry's ``contract_renewal``), soonest first."""
    today = _today(today)
    return [
        Renewal(
            name=cost.name,
            vendor=cost.vendor,
            renews_on=cost.contract_renewal,
            days_left=(cost.contract_renewal - today).days,
            annual_cost=cost.annual_cost,
            currency=currency(),
        )
        for cost in governance.renewals_due(first=today, last=today + timedelta(days=within_days))
        if cost.contract_renewal is not None
    ]


def campaign_spends(utm_campaigns: Iterable[str]) -> dict[str, Decimal]:
    """Every actual tagged with each of ``utm_campaigns``, whenever it was spent (0 for a
    code nothing is tagged with), in one query for a page of campaigns."""
    codes = set(utm_campaigns)
    totals = dict(
        Actual.objects.filter(utm_campaign__in=codes)
        .values_list("utm_campaign")
        .annotate(total=Sum("amount"))
        .values_list("utm_campaign", "total")
    )
    return {code: totals.get(code) or Decimal(0) for code in codes}


def campaign_spend(utm_campaign: str) -> Decimal:
    """Every actual tagged with ``utm_campaign``, whenever it was spent."""
    return campaign_spends([utm_campaign])[utm_campaign]


def spend_and_plan(
    *, side: str, category: str | None, first: date, last: date, today: date | None = None
) -> tuple[Decimal, Decimal]:
    """The actual spent on ``side``'s lines (of ``category``, or all) on ``first``..``last``,
    and the plan for those days up to today: each period's plan prorated to the days of it
    that lie in the span and have begun. (The pair behind ``budget.spend_vs_plan``.)"""
    today = _today(today)
    lines = BudgetLine.objects.filter(side=side, period__start__lte=last, period__end__gte=first)
    if category:
        lines = lines.filter(category=category)
    plan = Decimal(0)
    for line in lines.select_related("period"):
        start, end = max(line.period.start, first), min(line.period.end, last)
        days = (line.period.end - line.period.start).days + 1
        plan += prorated(line.planned, days_elapsed(start, end, today), days)
    actual = Actual.objects.filter(line__in=lines, day__range=(first, min(last, today))).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    if side == REGISTRY_SIDE and category in (None, "", REGISTRY_CATEGORY):
        actual += registry_total(first=first, last=last, today=today)
    return cents(actual), cents(plan)
