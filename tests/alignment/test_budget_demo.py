"""The demo budget: loaded once, with a quarter over plan in places, campaigns whose codes
the generated history uses, a pending reallocation and a business case."""

from decimal import Decimal

import pytest
from django.utils import timezone

from commonground.alignment.budget import selectors
from commonground.alignment.budget.demo import load_budget_demo
from commonground.alignment.models import Actual, BudgetLine, BusinessCase, Campaign, Reallocation
from commonground.analytics.eventstore.generator import traffic as generator
from commonground.analytics.public import ensure_goals, ensure_tracked_site
from commonground.governance.public import load_governance_demo

from ..core.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_budget_loads_once(cmo, cio) -> None:
    UserFactory(username="publisher")
    UserFactory(username="itadmin")
    load_governance_demo(write=lambda line: None)
    # The demo's tracked site and goals, as the content demo makes them before this runs.
    site = ensure_tracked_site(domain="127.0.0.1", name="Larkspur")
    ensure_goals(site=site, events=["Signup"])
    said: list[str] = []
    load_budget_demo(cmo=cmo, cio=cio, write=said.append)
    assert BudgetLine.objects.count() == 10
    assert Actual.objects.exists()
    assert set(Campaign.objects.values_list("utm_campaign", flat=True)) == {
        "brand-search",
        "spring-launch",
    }
    # The codes are those the generated traffic carries.
    names = {c.name for c in generator._campaigns(90, timezone.localdate())}
    assert {"brand-search", "spring-launch"} <= names
    for code in ("brand-search", "spring-launch"):
        assert selectors.campaign_spend(code) > 0
    row = Reallocation.objects.get()
    assert (row.status, row.proposer_side, row.proposed_by) == ("pending", "marketing", cmo)
    case = BusinessCase.objects.get()
    assert case.technology_request_id is not None and case.estimated_cost == Decimal("2400.00")

    today = timezone.localdate()
    quarter_start = selectors.period_containing(today).start
    over = selectors.variances(period_start=quarter_start, period_end=today, threshold_percent=10)
    assert {(v.side, v.category) for v in over if v.over} >= {
        ("marketing", "campaigns"),
        ("it", "infrastructure"),
    }

    load_budget_demo(cmo=cmo, cio=cio, write=said.append)
    assert BudgetLine.objects.count() == 10 and Campaign.objects.count() == 2
    assert "loaded already" in said[-1]
