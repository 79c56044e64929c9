"""The budget's numbers: registry costs as IT's tool actuals (computed when read, so a
registry change shows at once), renewals, variances against the pace, the spend-vs-plan
metric, and Decimal arithmetic that is exact."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.budget import selectors, services
from commonground.alignment.budget.money import format_money
from commonground.alignment.metrics import Period, compute, metric
from commonground.alignment.models import BudgetPeriod
from commonground.governance.registry import services as governance_services

from ..conftest import client_for
from ..governance.factories import registered_technology
from .budget_rows import planned_line

pytestmark = pytest.mark.django_db

Q1 = date(2026, 1, 1)  # 90 days, to 31 March
DAY_30 = date(2026, 1, 30)  # the 30th day: a third of the quarter has begun


def _tool(it_admin, name: str, cost: str | None, *, renews: date | None = None, status="approved"):
    technology = registered_technology(
        it_admin, name=name, hosts={"script-src": [f"cdn.{name.lower()}.example"]}, status=status
    )
    technology.annual_cost = Decimal(cost) if cost else None
    technology.contract_renewal = renews
    return governance_services.save_technology(user=it_admin, technology=technology, hosts={})


def _line(summaries, side: str, category: str):
    return next(s for s in summaries if (s.side, s.category) == (side, category))


def test_registry_costs_are_it_tool_actuals_and_follow_the_registry(cio, it_admin) -> None:
    planned_line(cio, "it", "tools", "5000", day=Q1)
    hubspot = _tool(it_admin, "HubSpot", "9600.00")
    _tool(it_admin, "Vimeo", "900.00")
    _tool(it_admin, "Hotjar", "2400.00", status="in_review")  # not approved: no cost yet
    _tool(it_admin, "Fonts", None)  # approved, no cost
    period = BudgetPeriod.objects.get(start=Q1)

    tools = _line(selectors.plan_vs_actual(period, today=DAY_30), "it", "tools")
    # 9600 * 30/365 = 789.04..., 900 * 30/365 = 73.97...: each to the cent, then added.
    assert tools.registry == Decimal("789.04") + Decimal("73.97")
    assert tools.entered == 0 and tools.actual == Decimal("863.01")
    entries = [e for e in selectors.actual_entries(period, today=DAY_30) if e.source == "registry"]
    assert [(e.description, e.amount) for e in entries] == [
        ("HubSpot: 30 days of 9,600.00 EUR a year (from the registry)", Decimal("789.04")),
        ("Vimeo: 30 days of 900.00 EUR a year (from the registry)", Decimal("73.97")),
    ]
    assert _line(selectors.plan_vs_actual(period, today=DAY_30), "marketing", "tools").registry == 0

    hubspot.annual_cost = Decimal("3650.00")  # renegotiated: 10.00 a day
    governance_services.save_technology(user=it_admin, technology=hubspot, hosts={})
    tools = _line(selectors.plan_vs_actual(period, today=DAY_30), "it", "tools")
    assert tools.registry == Decimal("300.00") + Decimal("73.97")

    hubspot.status = "retired"
    governance_services.save_technology(user=it_admin, technology=hubspot, hosts={})
    assert _line(selectors.plan_vs_actual(period, today=DAY_30), "it", "tools").registry == (
        Decimal("73.97")
    )
    # After the quarter: all 90 days.
    assert _line(
        selectors.plan_vs_actual(period, today=date(2026, 6, 1)), "it", "tools"
    ).registry == (Decimal("221.92"))


def test_the_budget_page_marks_registry_costs(cio, it_admin, viewer) -> None:
    planned_line(cio, "it", "tools", "5000")
    _tool(it_admin, "HubSpot", "3650.00")
    html = client_for(viewer).get(reverse("alignment_budget_index")).content.decode()
    today = timezone.localdate()
    begun = (today - selectors.period_containing(today).start).days + 1
    assert f"HubSpot: {begun} days of 3,650.00 EUR a year (from the registry)" in html
    assert f"incl. {format_money(Decimal(begun * 10))} from the registry" in html


def test_renewals_due_in_the_next_90_days(it_admin, viewer) -> None:
    today = timezone.localdate()
    _tool(it_admin, "HubSpot", "9600.00", renews=today + timedelta(days=45))
    _tool(it_admin, "Soon", None, renews=today)
    _tool(it_admin, "Vimeo", "900.00", renews=today + timedelta(days=140))
    _tool(it_admin, "Hotjar", "2400.00", renews=today + timedelta(days=10), status="in_review")
    _tool(it_admin, "Past", "100.00", renews=today - timedelta(days=1))
    due = selectors.renewals_due(within_days=90)
    assert [(r.name, r.days_left, r.annual_cost) for r in due] == [
        ("Soon", 0, Decimal(0)),
        ("HubSpot", 45, Decimal("9600.00")),
    ]
    html = client_for(viewer).get(reverse("alignment_budget_index")).content.decode()
    assert "(in 45 days)" in html and "9,600.00 EUR" in html
    assert "Vimeo" not in html.split('id="renewals"')[1].split("</section>")[0]


def _spend(lead, line, amount: str, day: date, utm: str = "") -> None:
    services.enter_actual(
        user=lead, line=line, day=day, amount=Decimal(amount), description="x", utm_campaign=utm
    )


def test_variances_against_the_pace_inside_a_running_quarter(cmo, cio) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "9000", day=Q1)  # 3000 due by day 30
    people = planned_line(cmo, "marketing", "people", "9000", day=Q1)
    planned_line(cio, "it", "security", "900", day=Q1)  # 300 due, nothing spent
    infra = planned_line(cio, "it", "infrastructure", "0", day=Q1)
    _spend(cmo, ads, "3400", date(2026, 1, 20))  # +13.3% against the pace
    _spend(cmo, people, "3100", date(2026, 1, 20))  # +3.3%: within 10%
    _spend(cio, infra, "50", date(2026, 1, 5))  # nothing planned at all

    found = selectors.variances(
        period_start=Q1, period_end=date(2026, 3, 31), threshold_percent=10, today=DAY_30
    )
    assert [(v.side, v.category, v.expected_to_date, v.actual, v.variance, v.variance_percent)
            for v in found] == [
        ("it", "infrastructure", Decimal(0), Decimal(50), Decimal(50), None),
        ("it", "security", Decimal("300.00"), Decimal(0), Decimal("-300.00"), Decimal("-100.0")),
        ("marketing", "campaigns", Decimal("3000.00"), Decimal(3400), Decimal("400.00"),
         Decimal("13.3")),
    ]  # fmt: skip
    assert found[2].over and found[2].running and found[2].planned == Decimal(9000)
    assert found[2].label == "Marketing · Campaigns and advertising (Q1 2026)"

    # Once the quarter is over, spend is judged against the whole plan.
    after = selectors.variances(
        period_start=Q1, period_end=Q1, threshold_percent=50, today=date(2026, 5, 1)
    )
    assert {(v.category, v.variance_percent) for v in after} == {
        ("infrastructure", None),
        ("security", Decimal("-100.0")),
        ("campaigns", Decimal("-62.2")),
        ("people", Decimal("-65.6")),
    }
    # Quarters not begun are left out.
    assert (
        selectors.variances(
            period_start=Q1, period_end=Q1, threshold_percent=0, today=date(2025, 12, 1)
        )
        == []
    )


def test_spend_vs_plan_metric(cmo, cio, it_admin) -> None:
    definition = metric("budget.spend_vs_plan")
    assert (definition.unit, definition.direction, definition.accumulation) == (
        "ratio",
        "lower",
        "level",
    )
    assert definition.glossary_term == "budget-variance"
    ads = planned_line(cmo, "marketing", "campaigns", "3000", day=Q1)
    planned_line(cmo, "marketing", "people", "6000", day=Q1)
    _spend(cmo, ads, "3600", date(2026, 2, 1))
    quarter = Period(Q1, date(2026, 3, 31))  # over by now: the whole plan counts
    assert compute("budget.spend_vs_plan", {"side": "marketing"}, quarter) == Decimal("0.4000")
    assert compute(
        "budget.spend_vs_plan", {"side": "marketing", "category": "campaigns"}, quarter
    ) == Decimal("1.2000")
    # January alone: 31 of 90 days of the plan, and January's spend (none).
    january = Period(Q1, date(2026, 1, 31))
    assert compute("budget.spend_vs_plan", {"side": "marketing"}, january) == Decimal(0)
    assert compute("budget.spend_vs_plan", {"side": "it"}, quarter) is None  # nothing planned
    # IT's tools include the registry's costs.
    planned_line(cio, "it", "tools", "365", day=Q1)
    _tool(it_admin, "HubSpot", "365.00")
    assert compute("budget.spend_vs_plan", {"side": "it"}, quarter) == Decimal("0.2466")  # 90/365
    with pytest.raises(ValueError, match="side"):
        compute("budget.spend_vs_plan", {"side": "joint"}, quarter)
    with pytest.raises(ValueError, match="category"):
        compute("budget.spend_vs_plan", {"side": "it", "category": "snacks"}, quarter)


def test_decimal_arithmetic_is_exact(cmo) -> None:
    line = planned_line(cmo, "marketing", "campaigns", "100", day=Q1)
    for amount in ("0.10", "0.20", "0.0001", "-0.0001"):
        _spend(cmo, line, amount, date(2026, 1, 2))
    summary = selectors.line_summary(line, today=date(2026, 6, 1))
    assert summary.actual == Decimal("0.3000")  # 0.1 + 0.2 as floats would be 0.30000000000000004
    assert isinstance(summary.actual, Decimal) and isinstance(summary.variance, Decimal)
    assert summary.variance == Decimal("-99.7000")
    assert summary.remaining == Decimal("99.7000")
    assert format_money(summary.variance) == "-99.70 EUR"
    third = planned_line(cmo, "marketing", "people", "100", day=Q1)
    # 100 over 90 days, 30 begun: 33.333... rounded to the cent.
    assert selectors.line_summary(third, today=DAY_30).expected_to_date == Decimal("33.33")


def test_spend_vs_plan_equals_the_budget_pages_own_numbers(cmo, viewer) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "3000", day=Q1)
    _spend(cmo, ads, "1234.56", date(2026, 2, 1))
    _spend(cmo, ads, "765.44", date(2026, 3, 2))
    quarter = Period(Q1, date(2026, 3, 31))
    value = compute("budget.spend_vs_plan", {"side": "marketing", "category": "campaigns"}, quarter)
    # The budget page of that quarter, as the Viewer reads it: its plan and its actual.
    period = BudgetPeriod.objects.get(start=Q1)
    line = _line(selectors.plan_vs_actual(period), "marketing", "campaigns")
    page = client_for(viewer).get(reverse("alignment_budget_index"), {"period": Q1.isoformat()})
    html = page.content.decode()
    assert format_money(line.planned) in html and format_money(line.actual) in html
    assert (line.planned, line.actual) == (Decimal(3000), Decimal(2000))
    assert value == (line.actual / line.planned).quantize(Decimal("0.0001"))
