"""Campaign ROI: the spend tagged with a campaign against the very numbers
``analytics.public.site_totals`` answers for its UTM code, through a store file read
directly and through the real mover; "—" with the reason where a number cannot be had."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.budget import services
from commonground.alignment.budget.roi import campaign_roi
from commonground.alignment.models import Campaign
from commonground.analytics.eventstore import Event, get_query_client
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import Goal, TrackedSite
from commonground.analytics.public import site_totals

from ..analytics.served_store import mover_serving
from ..analytics.served_store import visit as served_visit
from ..conftest import client_for
from .budget_rows import planned_line

pytestmark = pytest.mark.django_db
CODE = "spring-launch"


def _domain() -> str:
    # The session's store is shared by every test: each test counts a site of its own.
    return f"roi-{uuid.uuid4().hex[:10]}.example"


def _events(domain: str) -> list[Event]:
    """Three visits tagged spring-launch (one buys twice for 99), one tagged otherwise, one not."""
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(days=3, hours=2)
    tagged = {"utm_campaign": CODE, "utm_source": "google", "utm_medium": "cpc"}
    bought = {"props": {"plan": "business"}, "revenue_amount": 99.0, "revenue_currency": "EUR"}
    return [
        *served_visit(
            domain,
            start,
            1,
            "Google",
            [
                ("pageview", "/", tagged),
                ("pageview", "/pricing/"),
                ("Purchase", "/pricing/", bought),
                ("Purchase", "/pricing/", bought),  # twice: one converting visitor
            ],
        ),
        *served_visit(domain, start + timedelta(hours=1), 2, "Google", [("pageview", "/", tagged)]),
        *served_visit(
            domain,
            start + timedelta(hours=2),
            3,
            "Google",
            [("pageview", "/pricing/", tagged), ("Signup", "/pricing/")],
        ),
        *served_visit(
            domain,
            start + timedelta(hours=3),
            4,
            "LinkedIn",
            [("pageview", "/", {"utm_campaign": "webinar"}), ("Purchase", "/", bought)],
        ),
        *served_visit(domain, start + timedelta(hours=4), 5, "", [("pageview", "/")]),
    ]


def _campaign(cmo, domain: str, *, goal: str = "Purchase") -> Campaign:
    site = TrackedSite.objects.create(domain=domain, name="ROI test")
    Goal.objects.create(site=site, display_name="Purchase", kind="event", event_name="Purchase")
    today = timezone.localdate()
    campaign = services.create_campaign(
        user=cmo,
        name="Spring launch",
        utm_campaign=CODE,
        site=domain,
        goal_name=goal,
        start=today - timedelta(days=10),
        end=today + timedelta(days=10),
    )
    line = planned_line(cmo, "marketing", "campaigns", "5000")
    for amount in ("100.10", "100.10", "100.10"):
        services.enter_actual(
            user=cmo,
            line=line,
            day=today,
            amount=Decimal(amount),
            description="Search ads",
            utm_campaign=CODE,
        )
    services.enter_actual(
        user=cmo, line=line, day=today, amount=Decimal(999), description="Other", utm_campaign=""
    )
    return campaign


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[str, DuckDBEventStore]]:
    domain = _domain()
    path = tmp_path / "events.duckdb"
    writer = DuckDBEventStore(path)
    writer.migrate()
    writer.insert_batch(_events(domain))
    writer.close_visits(through=datetime.now(UTC).replace(tzinfo=None))
    writer.close()
    reader = DuckDBEventStore(path, read_only=True)
    yield domain, reader
    reader.close()


def test_roi_is_spend_over_the_stats_apis_numbers(cmo, store) -> None:
    domain, reader = store
    campaign = _campaign(cmo, domain)
    roi = campaign_roi(campaign, reader=reader.query)

    tagged = ["is", "visit:utm_campaign", [CODE]]
    first, last = campaign.start, timezone.localdate()
    visits = site_totals(
        site=domain,
        first=first,
        last=last,
        metrics=["visits"],
        filters=[tagged],
        reader=reader.query,
    )
    goal = site_totals(
        site=domain,
        first=first,
        last=last,
        metrics=["visitors", "revenue"],
        filters=[tagged, ["is", "event:goal", ["Purchase"]]],
        reader=reader.query,
    )
    assert (visits["visits"], goal["visitors"], goal["revenue"]) == (3, 1, 198.0)
    assert (roi.visits, roi.conversions, roi.revenue) == (3, 1, Decimal("198.0"))
    assert roi.spend == Decimal("300.30")  # only the tagged actuals, exactly
    assert roi.cost_per_visit.value == Decimal("100.10")
    assert roi.cost_per_conversion.value == Decimal("300.30")
    assert roi.revenue_per_spend.value == Decimal("0.66")  # 198 / 300.30


def test_what_cannot_be_computed_says_why(cmo, store) -> None:
    domain, reader = store
    campaign = _campaign(cmo, domain, goal="")
    roi = campaign_roi(campaign, reader=reader.query)
    assert roi.visits == 3
    assert roi.cost_per_conversion.value is None
    assert roi.cost_per_conversion.reason == "no conversion goal set"

    Campaign.objects.filter(pk=campaign.pk).update(utm_campaign="nobody-clicked")
    campaign.refresh_from_db()
    silent = campaign_roi(campaign, reader=reader.query)
    assert (silent.visits, silent.spend) == (0, Decimal(0))
    assert silent.cost_per_visit.reason == "no visits"
    assert silent.revenue_per_spend.reason == "no conversion goal set"

    Campaign.objects.filter(pk=campaign.pk).update(site="not-tracked.example")
    campaign.refresh_from_db()
    untracked = campaign_roi(campaign, reader=reader.query)
    assert untracked.visits is None
    assert "no tracked site" in untracked.cost_per_visit.reason


@pytest.fixture
def store_down(settings, tmp_path: Path) -> Iterator[None]:
    settings.ANALYTICS_STORE_SOCKET = tmp_path / "nobody-serves-this.sock"
    get_query_client.cache_clear()
    yield
    get_query_client.cache_clear()


def test_an_unreachable_store_is_a_dash_with_the_reason(cmo, viewer, store_down) -> None:
    _campaign(cmo, _domain())
    answer = client_for(viewer).get(reverse("alignment_budget_campaigns"))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "300.30 EUR" in html
    assert "the analytics store is unreachable" in html


def _cell(html: str, name: str) -> str:
    found = re.search(rf"data-{name}>(.*?)</td>", html, re.S)
    assert found, name
    return re.sub(r"<[^>]+>", " ", found[1]).split()[0]


@pytest.mark.slow
def test_the_campaign_page_shows_the_movers_numbers(cmo, viewer, tmp_path: Path) -> None:
    domain = _domain()
    campaign = _campaign(cmo, domain)
    with mover_serving(_events(domain), log_dir=tmp_path):
        html = client_for(viewer).get(reverse("alignment_budget_campaigns")).content.decode()
        totals = site_totals(
            site=domain,
            first=campaign.start,
            last=timezone.localdate(),
            metrics=["visits"],
            filters=[["is", "visit:utm_campaign", [CODE]]],
        )
    assert _cell(html, "visits") == str(totals["visits"]) == "3"
    assert _cell(html, "conversions") == "1"
    assert _cell(html, "spend") == "300.30"
    assert _cell(html, "cost-per-visit") == "100.10"
    assert _cell(html, "cost-per-conversion") == "300.30"
    assert _cell(html, "revenue-per-spend") == "0.66"
