"""Who may change the budget, through HTTP: a side's lead plans and records their side's
lines only, everyone reads, and a reallocation needs the other side's lead (four eyes)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from commonground.alignment.models import Actual, BudgetLine, Reallocation

from ..conftest import client_for
from .budget_rows import planned_line, this_quarter

pytestmark = pytest.mark.django_db

PAGES = (
    "alignment_budget_index",
    "alignment_budget_import",
    "alignment_budget_campaigns",
    "alignment_budget_reallocations",
    "alignment_budget_cases",
)


def _plan(client, side: str, category: str = "campaigns", planned: str = "1000") -> object:
    return client.post(
        reverse("alignment_budget_plan"),
        {
            "quarter": this_quarter().start.isoformat(),
            "side": side,
            "category": category,
            "planned": planned,
            "note": "",
        },
    )


@pytest.mark.parametrize("role", ["viewer", "editor", "publisher", "it_admin", "cmo", "cio"])
def test_every_role_reads_every_budget_page(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    cio = request.getfixturevalue("cio") if role != "cio" else user
    planned_line(cio, "it", "tools", "3000")
    client = client_for(user)
    for name in PAGES:
        answer = client.get(reverse(name))
        assert answer.status_code == 200, (name, answer.content[:300])
    page = client.get(reverse("alignment_budget_index")).content.decode()
    assert "3,000.00 EUR" in page  # amounts carry the configured currency


def test_a_lead_plans_their_side_and_is_refused_the_other(cmo, cio) -> None:
    answer = _plan(client_for(cmo), "marketing", planned="1500.50")
    assert answer.status_code == 302
    line = BudgetLine.objects.get(side="marketing", category="campaigns")
    assert line.planned == Decimal("1500.50")
    assert ModelLogEntry.objects.filter(action="alignment.budget.line_plan").count() == 1

    refused = _plan(client_for(cmo), "it")
    assert refused.status_code == 403
    assert "Only the IT Lead may do this" in refused.content.decode()
    assert not BudgetLine.objects.filter(side="it").exists()


@pytest.mark.parametrize("role", ["viewer", "editor", "publisher", "it_admin"])
def test_non_leads_change_nothing(role: str, request: pytest.FixtureRequest, cmo) -> None:
    line = planned_line(cmo, "marketing", "campaigns", "100")
    client = client_for(request.getfixturevalue(role))
    answer = _plan(client, "marketing", planned="999")
    assert answer.status_code == 403
    assert "Only the Marketing Lead or the IT Lead may do this" in answer.content.decode()
    actual = client.post(
        reverse("alignment_budget_actual"),
        {"line": line.pk, "day": timezone.localdate(), "amount": "5", "description": "x"},
    )
    assert actual.status_code == 403
    line.refresh_from_db()
    assert line.planned == Decimal(100)
    assert not Actual.objects.exists()


def test_actuals_only_on_the_leads_own_side(cmo, cio) -> None:
    marketing = planned_line(cmo, "marketing", "campaigns", "100")
    it = planned_line(cio, "it", "security", "100")
    client = client_for(cmo)
    ok = client.post(
        reverse("alignment_budget_actual"),
        {
            "line": marketing.pk,
            "day": timezone.localdate(),
            "amount": "12.34",
            "description": "Ads",
            "utm_campaign": "spring-launch",
        },
    )
    assert ok.status_code == 302
    refused = client.post(
        reverse("alignment_budget_actual"),
        {"line": it.pk, "day": timezone.localdate(), "amount": "5", "description": "Pen test"},
    )
    assert refused.status_code == 403
    assert "Only the IT Lead may do this" in refused.content.decode()
    assert list(Actual.objects.values_list("line_id", "amount", "source")) == [
        (marketing.pk, Decimal("12.34"), "entered")
    ]


def test_an_actual_outside_the_lines_quarter_names_the_field(cmo) -> None:
    line = planned_line(cmo, "marketing", "campaigns", "100")
    answer = client_for(cmo).post(
        reverse("alignment_budget_actual"),
        {
            "line": line.pk,
            "day": this_quarter().next.start,
            "amount": "5",
            "description": "Too late",
        },
    )
    assert answer.status_code == 400
    assert "is outside the line&#x27;s period" in answer.content.decode()
    assert not Actual.objects.exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("planned", "-5", "greater than or equal to 0"),
        ("planned", "abc", "Enter a number"),
        ("planned", "1" * 30, "Ensure that there are no more than"),
        ("note", "x" * 10_000, "at most 500 characters"),
        ("note", "a\x00b", "Null characters are not allowed"),
        ("side", "joint", "Select a valid choice"),
        ("quarter", "2001-01-01", "Select a valid choice"),
    ],
)
def test_bad_plan_input_is_a_form_error(cmo, field: str, value: str, message: str) -> None:
    data = {
        "quarter": this_quarter().start.isoformat(),
        "side": "marketing",
        "category": "campaigns",
        "planned": "10",
        "note": "",
        field: value,
    }
    answer = client_for(cmo).post(reverse("alignment_budget_plan"), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not BudgetLine.objects.exists()


def test_missing_fields_and_lone_surrogates_are_form_errors(cmo) -> None:
    client = client_for(cmo)
    assert client.post(reverse("alignment_budget_plan"), {}).status_code == 400
    assert client.post(reverse("alignment_budget_actual"), {}).status_code == 400
    odd = client.post(
        reverse("alignment_budget_actual"),
        "line=1&day=%ED%A0%80&amount=%00&description=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert odd.status_code == 400
    assert not Actual.objects.exists()


# --- reallocation: four eyes --------------------------------------------------------------


def _propose(client, source: BudgetLine, target: BudgetLine, amount: str) -> object:
    return client.post(
        reverse("alignment_budget_reallocations"),
        {
            "from_line": source.pk,
            "to_line": target.pk,
            "amount": amount,
            "case": "The webinar needs the security review first.",
        },
    )


def _decide(client, row: Reallocation, decision: str) -> object:
    return client.post(
        reverse("alignment_budget_reallocation_decide", args=[row.pk]),
        {"decision": decision, "note": "Fine by me"},
    )


def test_a_reallocation_needs_the_other_lead(cmo, cio, viewer) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "10000")
    security = planned_line(cio, "it", "security", "2000")
    assert _propose(client_for(cmo), ads, security, "1500").status_code == 302
    row = Reallocation.objects.get()
    assert (row.status, row.proposer_side, row.proposed_by) == ("pending", "marketing", cmo)

    own = _decide(client_for(cmo), row, "accept")
    assert own.status_code == 403
    assert "Marketing proposed this move: only the IT Lead may accept or reject it" in (
        own.content.decode()
    )
    assert _decide(client_for(viewer), row, "accept").status_code == 403
    row.refresh_from_db()
    ads.refresh_from_db()
    assert (row.status, ads.planned) == ("pending", Decimal(10000))

    assert _decide(client_for(cio), row, "accept").status_code == 302
    row.refresh_from_db()
    ads.refresh_from_db()
    security.refresh_from_db()
    assert (row.status, row.decided_by) == ("accepted", cio)
    assert (ads.planned, security.planned) == (Decimal(8500), Decimal(3500))
    assert ModelLogEntry.objects.filter(
        action="alignment.budget.reallocation_accept", user_id=cio.pk
    ).exists()

    again = _decide(client_for(cio), row, "accept")
    assert again.status_code == 400
    assert "accepted already" in again.content.decode()
    ads.refresh_from_db()
    assert ads.planned == Decimal(8500)  # moved once


def test_the_cio_rejects_and_the_cmo_may_withdraw_only_their_own(cmo, cio) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "1000")
    tools = planned_line(cio, "it", "tools", "1000")
    _propose(client_for(cio), tools, ads, "100")
    _propose(client_for(cmo), ads, tools, "200")
    by_cio, by_cmo = Reallocation.objects.order_by("pk")
    assert _decide(client_for(cio), by_cio, "reject").status_code == 403  # their own
    assert _decide(client_for(cmo), by_cio, "reject").status_code == 302
    withdraw = reverse("alignment_budget_reallocation_withdraw", args=[by_cmo.pk])
    assert client_for(cio).post(withdraw).status_code == 403
    assert client_for(cmo).post(withdraw).status_code == 302
    by_cio.refresh_from_db()
    by_cmo.refresh_from_db()
    assert (by_cio.status, by_cmo.status) == ("rejected", "withdrawn")
    ads.refresh_from_db()
    tools.refresh_from_db()
    assert (ads.planned, tools.planned) == (Decimal(1000), Decimal(1000))


def test_never_more_than_the_from_lines_remaining_plan(cmo, cio) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "1000")
    people = planned_line(cio, "it", "people", "0")
    client = client_for(cmo)
    client.post(
        reverse("alignment_budget_actual"),
        {"line": ads.pk, "day": timezone.localdate(), "amount": "700", "description": "Ads"},
    )
    too_much = _propose(client, ads, people, "300.01")
    assert too_much.status_code == 400
    assert "Only 300.00 EUR of" in too_much.content.decode()
    assert _propose(client, ads, people, "300").status_code == 302
    row = Reallocation.objects.get()
    # Spent meanwhile: accepting now would move plan that is gone.
    client.post(
        reverse("alignment_budget_actual"),
        {"line": ads.pk, "day": timezone.localdate(), "amount": "0.01", "description": "Ads"},
    )
    late = _decide(client_for(cio), row, "accept")
    assert late.status_code == 400
    assert "Only 299.99 EUR of" in late.content.decode()
    row.refresh_from_db()
    ads.refresh_from_db()
    assert (row.status, ads.planned) == ("pending", Decimal(1000))


def test_a_reallocation_between_one_line_or_quarters_is_refused(cmo) -> None:
    ads = planned_line(cmo, "marketing", "campaigns", "1000")
    later = planned_line(cmo, "marketing", "people", "10", day=this_quarter().next.start)
    client = client_for(cmo)
    assert "Choose two different lines" in _propose(client, ads, ads, "1").content.decode()
    assert "same quarter" in _propose(client, ads, later, "1").content.decode()
    assert _propose(client, ads, later, "-1").status_code == 400
    assert not Reallocation.objects.exists()


def test_the_alignment_menu_has_budget_and_the_log_names_its_actions(viewer, cmo) -> None:
    html = client_for(viewer).get("/admin/").content.decode()
    assert "/admin/alignment/budget/" in html and '"Budget"' in html
    planned_line(cmo, "marketing", "campaigns", "100")
    entry = ModelLogEntry.objects.get(action="alignment.budget.line_plan")
    assert entry.message == "Planned a budget line"
