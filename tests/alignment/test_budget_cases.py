"""Business cases through HTTP: marketing's lead states the expected effect, IT's lead the
estimate; once the period is over the measured value stands next to the expected one."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.budget import services
from commonground.alignment.budget.outcomes import case_outcome
from commonground.alignment.metrics import Period, compute
from commonground.alignment.models import BusinessCase

from ..conftest import client_for
from ..governance.factories import submitted_request
from .budget_rows import planned_line

pytestmark = pytest.mark.django_db


def _open(client, subject: str, **changes: str) -> object:
    changes.setdefault("subject", subject)
    data = {
        "title": "Heatmaps for the webinar page",
        "metric": "budget.spend_vs_plan",
        "params": '{"side": "marketing"}',
        "target_value": "0.9",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "effect_summary": "spend stays under plan",
        **changes,
    }
    return client.post(reverse("alignment_budget_cases"), data)


def _cell(html: str, name: str) -> str:
    found = re.search(rf"data-{name}>(.*?)</td>", html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


def test_a_case_on_a_technology_request_and_its_outcome(cmo, cio, editor, viewer) -> None:
    request = submitted_request(editor, name="Heatmaps Pro")
    line = planned_line(cmo, "marketing", "campaigns", "1000", day=date(2026, 1, 1))
    services.enter_actual(
        user=cmo, line=line, day=date(2026, 2, 1), amount=Decimal(800), description="Ads"
    )
    assert _open(client_for(cio), f"request:{request.pk}").status_code == 403
    assert _open(client_for(cmo), f"request:{request.pk}").status_code == 302
    case = BusinessCase.objects.get()
    assert (case.technology_request_id, case.params) == (request.pk, {"side": "marketing"})

    estimate = reverse("alignment_budget_case_estimate", args=[case.pk])
    data = {
        f"case-{case.pk}-estimated_cost": "2400.00",
        f"case-{case.pk}-effort_days": "3.5",
        f"case-{case.pk}-risk": "medium",
        f"case-{case.pk}-notes": "Recordings off.",
    }
    refused = client_for(cmo).post(estimate, data)
    assert refused.status_code == 403 and "Only the IT Lead may do this" in refused.content.decode()
    assert client_for(cio).post(estimate, data).status_code == 302
    case.refresh_from_db()
    assert (case.estimated_cost, case.effort_days, case.risk) == (
        Decimal(2400),
        Decimal("3.5"),
        "medium",
    )

    html = client_for(viewer).get(reverse("alignment_budget_cases")).content.decode()
    measured = compute(
        "budget.spend_vs_plan", {"side": "marketing"}, Period(case.period_start, case.period_end)
    )
    assert measured == Decimal("0.8000")
    assert "Request for Heatmaps Pro (submitted)" in html
    assert "data-measured-label>Measured<" in html  # the period is over
    # In the metric's unit, as the scorecard shows it (a ratio of plan: 0.9 is 90%).
    assert _cell(html, "expected") == "90.0% of plan"
    assert _cell(html, "measured") == "80.0% of plan Met"  # lower is better
    assert _cell(html, "estimated-cost") == "2,400.00 EUR"
    assert "not yet an approved cost in the registry" in _cell(html, "actual-spend")


def test_a_running_case_is_measured_so_far(cmo) -> None:
    today = timezone.localdate()
    campaign = services.create_campaign(
        user=cmo,
        name="Brand search",
        utm_campaign="brand-search",
        site="example.com",
        goal_name="",
        start=today - timedelta(days=5),
        end=today + timedelta(days=5),
    )
    line = planned_line(cmo, "marketing", "campaigns", "1000")
    services.enter_actual(
        user=cmo,
        line=line,
        day=today,
        amount=Decimal("12.5"),
        description="Ads",
        utm_campaign="brand-search",
    )
    case = services.open_business_case(
        user=cmo,
        title="Search pays",
        technology_request_id=None,
        campaign=campaign,
        metric_key="budget.spend_vs_plan",
        params={"side": "marketing"},
        target_value=Decimal(1),
        period_start=today - timedelta(days=5),
        period_end=today + timedelta(days=30),
    )
    outcome = case_outcome(case)
    assert (outcome.ended, outcome.measured_label, outcome.met) == (False, "Measured so far", None)
    assert outcome.actual_spend == Decimal("12.5")
    assert outcome.subject == "Campaign: Brand search"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"params": "{not json"}, "This is not JSON"),
        ({"params": '["side"]'}, "Give an object of settings"),
        ({"params": '{"site": "a.com"}'}, "Spend vs plan takes no &#x27;site&#x27; setting"),
        ({"params": "{}"}, "Side is required"),
        ({"params": '{"side": "joint"}'}, "Side cannot be &#x27;joint&#x27;; one of it, marketing"),
        ({"params": '{"side": "\\ud800"}'}, "a character that is not text"),
        ({"params": '{"side": "\\u0000"}'}, "holds a NUL character"),
        ({"metric": "nope.metric"}, "Select a valid choice"),
        ({"subject": "request:999999"}, "Select a valid choice"),
        ({"subject": "campaign:x"}, "Select a valid choice"),
        ({"period_end": "2025-01-01"}, "The period must end on or after its start"),
        ({"target_value": "1e400"}, "no more than 18 digits"),
        ({"target_value": "NaN"}, "Enter a number"),
        ({"title": "\x00"}, "Null characters are not allowed"),
    ],
)
def test_bad_case_input_names_the_field(cmo, editor, changes, message) -> None:
    request = submitted_request(editor)
    answer = _open(client_for(cmo), **{"subject": f"request:{request.pk}", **changes})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not BusinessCase.objects.exists()
