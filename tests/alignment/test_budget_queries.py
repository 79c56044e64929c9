"""The budget's pages read a realistic quarter (10 lines, 100 actuals, 5 registry
technologies) in a fixed number of queries: none per line, actual or campaign."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.budget import services
from commonground.governance.registry import services as governance_services

from ..conftest import client_for
from ..governance.factories import registered_technology
from .budget_rows import planned_line, this_quarter

pytestmark = pytest.mark.django_db

CATEGORIES = ("campaigns", "tools", "people", "infrastructure", "security")
# What any admin page of a signed-in Viewer costs before the budget reads anything (session,
# user, 2FA device, permissions, profile, groups, locale, page/collection/site permissions,
# the menu's badge, and since issue 14 the session's two-factor check and the IT-only menu
# items' role checks, and since issue 15 the Pages menu's read of the tree's root, now that a
# Viewer may read pages): counted on this page, 18 of them, the same whatever the data.
ADMIN_PAGE = 18


@pytest.fixture
def quarter(cmo, cio, it_admin) -> None:
    start = this_quarter().start
    lines = [
        planned_line(lead, side, category, "10000")
        for lead, side in ((cmo, "marketing"), (cio, "it"))
        for category in CATEGORIES
    ]
    for n in range(100):
        line = lines[n % 10]
        services.enter_actual(
            user=cmo if line.side == "marketing" else cio,
            line=line,
            day=start + timedelta(days=n % 28),
            amount=Decimal("12.34"),
            description=f"Invoice {n}",
            utm_campaign=f"campaign-{n % 5}",
        )
    for n in range(5):
        technology = registered_technology(
            it_admin, name=f"Tool{n}", hosts={"script-src": [f"cdn.tool{n}.example"]}
        )
        technology.annual_cost = Decimal("1200.00")
        technology.contract_renewal = timezone.localdate() + timedelta(days=30)
        governance_services.save_technology(user=it_admin, technology=technology, hosts={})


def _campaigns(cmo, count: int) -> None:
    today = timezone.localdate()
    for n in range(count):
        services.create_campaign(
            user=cmo,
            name=f"Campaign {n}",
            utm_campaign=f"campaign-{n}",
            site="example.com",
            goal_name="Signup",
            start=today - timedelta(days=5),
            end=today + timedelta(days=5),
        )


def test_the_plan_vs_actual_page_reads_a_quarter_in_fixed_queries(
    quarter, viewer, django_assert_max_num_queries
) -> None:
    client = client_for(viewer)
    client.get(reverse("alignment_budget_index"))  # the session's first read set aside
    # The period, its lines, the actuals' sums, the actuals, the registry's costs (for the
    # tools line and for the list of them), the renewals due.
    with django_assert_max_num_queries(ADMIN_PAGE + 7):
        page = client.get(reverse("alignment_budget_index"))
    assert page.status_code == 200
    assert page.content.decode().count("Invoice ") == 100


def test_the_campaign_page_reads_every_campaigns_spend_in_one_query(
    quarter, cmo, viewer, django_assert_max_num_queries
) -> None:
    _campaigns(cmo, 5)
    client = client_for(viewer)
    client.get(reverse("alignment_budget_campaigns"))
    # The campaigns, their spends, and per campaign the analytics site's lookup that
    # analytics.public.site_totals makes (the Stats API's, not the budget's).
    with django_assert_max_num_queries(ADMIN_PAGE + 2 + 5):
        page = client.get(reverse("alignment_budget_campaigns"))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("246.80 EUR") == 5  # 20 actuals of 12.34 each
