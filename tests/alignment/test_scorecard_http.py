"""The scorecard through HTTP as each role: leads make their side's goals, a joint goal is a
proposal until the other lead accepts it, nobody accepts their own, every role reads."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from commonground.alignment.models import CheckIn, Goal, GoalProposal, GoalSnapshot
from commonground.alignment.scorecard import services

from ..conftest import client_for
from .goals import manual_goal

pytestmark = pytest.mark.django_db


def goal_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Brand awareness",
        "side": "marketing",
        "metric": "manual.check_in",
        "param_series": "brand-awareness",
        "period_kind": "quarter",
        "period_start": timezone.localdate().isoformat(),
        "target_value": "40",
        "tolerance_percent": "10",
    }
    data.update(overrides)
    return data


def actions_for(instance: Model) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_lead_makes_a_goal_for_their_side_at_once(cmo) -> None:
    response = client_for(cmo).post(reverse("alignment_goal_new"), goal_form())
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("alignment_goal", args=[goal.pk])
    assert (goal.side, goal.owner, goal.params) == ("marketing", cmo, {"series": "brand-awareness"})
    assert goal.period_start.month in (1, 4, 7, 10) and goal.period_start.day == 1
    assert actions_for(goal) == ["alignment.goal.create"]


def test_a_lead_cannot_make_the_other_sides_goal(cio) -> None:
    response = client_for(cio).post(reverse("alignment_goal_new"), goal_form(side="marketing"))
    assert response.status_code == 200  # the form: marketing is no choice of the IT Lead
    assert "Select a valid choice" in response.content.decode()
    assert not Goal.objects.exists()


@pytest.mark.parametrize("role", ["editor", "publisher", "it_admin", "viewer"])
def test_only_leads_make_goals(request, role) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("alignment_goal_new")).status_code == 403
    assert client.post(reverse("alignment_goal_new"), goal_form()).status_code == 403
    assert not Goal.objects.exists()


def test_a_joint_goal_needs_the_other_lead_and_nobody_accepts_their_own(cmo, cio) -> None:
    cmo_client, cio_client = client_for(cmo), client_for(cio)
    response = cmo_client.post(
        reverse("alignment_goal_new"), goal_form(side="joint", reason="Both sides own it.")
    )
    proposal = GoalProposal.objects.get()
    assert response["Location"] == reverse("alignment_proposal", args=[proposal.pk])
    assert not Goal.objects.exists()
    assert (proposal.status, proposal.proposer_side) == ("pending", "marketing")

    page = cmo_client.get(reverse("alignment_proposal", args=[proposal.pk])).content.decode()
    assert "you cannot accept your own proposal" in page
    assert 'value="accept"' not in page
    decide = reverse("alignment_proposal_decide", args=[proposal.pk])
    assert cmo_client.post(decide, {"decision": "accept"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending" and not Goal.objects.exists()

    assert (
        'value="accept"'
        in cio_client.get(reverse("alignment_proposal", args=[proposal.pk])).content.decode()
    )
    response = cio_client.post(decide, {"decision": "accept", "note": "Agreed."})
    goal = Goal.objects.get()
    assert response["Location"] == reverse("alignment_goal", args=[goal.pk])
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.goal) == ("accepted", cio, goal)
    assert (goal.side, goal.owner) == ("joint", cmo)
    assert actions_for(proposal) == ["alignment.goal.propose", "alignment.goal.accept"]
    assert actions_for(goal) == ["alignment.goal.create"]
    # Decided once: a second accept changes nothing.
    assert cio_client.post(decide, {"decision": "accept"}).status_code == 302
    assert Goal.objects.count() == 1


def test_a_change_to_a_joint_goal_waits_for_the_other_lead(cmo, cio) -> None:
    goal = _joint_goal(cmo, cio)
    response = client_for(cio).post(
        reverse("alignment_goal_edit", args=[goal.pk]),
        goal_form(side="joint", target_value="55", reason="Raise the bar."),
    )
    proposal = GoalProposal.objects.get(kind="change")
    assert response["Location"] == reverse("alignment_proposal", args=[proposal.pk])
    goal.refresh_from_db()
    assert goal.target_value == Decimal(40)
    page = client_for(cmo).get(reverse("alignment_proposal", args=[proposal.pk])).content.decode()
    assert "40.0000" in page or "40" in page
    decide = reverse("alignment_proposal_decide", args=[proposal.pk])
    assert client_for(cio).post(decide, {"decision": "accept"}).status_code == 403
    client_for(cmo).post(decide, {"decision": "accept"})
    goal.refresh_from_db()
    assert goal.target_value == Decimal(55)
    history = client_for(cmo).get(reverse("alignment_goal", args=[goal.pk])).content.decode()
    assert "Changed a goal" in history and "Accepted the other lead" in history


def test_the_other_lead_may_reject_and_the_proposer_may_withdraw(cmo, cio) -> None:
    client_for(cmo).post(reverse("alignment_goal_new"), goal_form(side="joint"))
    first = GoalProposal.objects.get()
    client_for(cio).post(
        reverse("alignment_proposal_decide", args=[first.pk]),
        {"decision": "reject", "note": "Not this quarter."},
    )
    first.refresh_from_db()
    assert (first.status, first.decision_note) == ("rejected", "Not this quarter.")
    client_for(cio).post(reverse("alignment_goal_new"), goal_form(side="joint"))
    second = GoalProposal.objects.get(status="pending")
    assert (
        client_for(cmo)
        .post(reverse("alignment_proposal_decide", args=[second.pk]), {"decision": "withdraw"})
        .status_code
        == 403
    )
    client_for(cio).post(
        reverse("alignment_proposal_decide", args=[second.pk]), {"decision": "withdraw"}
    )
    second.refresh_from_db()
    assert second.status == "withdrawn"
    assert not Goal.objects.exists()


def _joint_goal(cmo, cio) -> Goal:
    client_for(cmo).post(reverse("alignment_goal_new"), goal_form(side="joint"))
    proposal = GoalProposal.objects.get(status="pending")
    client_for(cio).post(
        reverse("alignment_proposal_decide", args=[proposal.pk]), {"decision": "accept"}
    )
    return Goal.objects.get(side="joint")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_value": "", "target_formula": ""}, "target_value", "either a target number"),
        ({"target_formula": "last quarter + 10%"}, "target_value", "not both"),
        (
            {"target_value": "", "target_formula": "os.system('id')"},
            "target_formula",
            "Write a period",
        ),
        ({"param_series": ""}, "param_series", "Check-in series is required"),
        ({"metric": "nothing.at_all"}, "metric", "Select a valid choice"),
        ({"name": "x\x00y"}, "name", "Null characters are not allowed"),
        ({"name": "n" * 10_000}, "name", "at most 160"),
        ({"target_value": "1e400"}, "target_value", "no more than 18 digits"),
        ({"target_value": "NaN"}, "target_value", "Enter a number"),
        ({"period_kind": "custom"}, "period_end", "needs its last day"),
        ({"tolerance_percent": "-5"}, "tolerance_percent", "greater than or equal to 0"),
    ],
)
def test_bad_goals_are_refused_naming_the_field(cmo, overrides, field, message) -> None:
    response = client_for(cmo).post(reverse("alignment_goal_new"), goal_form(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    errors = " ".join(form.errors.get(field, []) + form.non_field_errors())
    assert message in errors, form.errors
    assert not Goal.objects.exists() and not GoalProposal.objects.exists()


def test_a_guardrail_comes_from_the_other_side(cmo, cio) -> None:
    own = manual_goal(
        cmo, name="Other marketing goal", series="s", period_kind="month", target=1
    ).goal
    assert own is not None
    response = client_for(cmo).post(reverse("alignment_goal_new"), goal_form(guardrails=[own.pk]))
    assert "from the other side" in " ".join(response.context["form"].errors["guardrails"])


@pytest.mark.parametrize("role", ["viewer", "editor", "it_admin", "cmo", "cio"])
def test_every_role_reads_the_scorecard_and_a_goal(request, cmo, role) -> None:
    goal = _marketing_goal(cmo)
    client = client_for(request.getfixturevalue(role))
    for url in (
        reverse("alignment_scorecard"),
        reverse("alignment_goal", args=[goal.pk]),
        reverse("alignment_check_ins"),
        reverse("alignment_metrics"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Brand awareness" in client.get(reverse("alignment_scorecard")).content.decode()


def _marketing_goal(cmo) -> Goal:
    goal = manual_goal(cmo).goal
    assert goal is not None
    return goal


def test_check_ins_drive_a_manual_goal_and_the_cli_prints_it(cmo, viewer) -> None:
    goal = _marketing_goal(cmo)
    today = timezone.localdate()
    client = client_for(cmo)
    response = client.post(
        reverse("alignment_check_ins"),
        {"series": "brand-awareness", "day": today.isoformat(), "value": "41.5"},
    )
    assert response.status_code == 302
    refused = client_for(viewer).post(
        reverse("alignment_check_ins"),
        {"series": "brand-awareness", "day": today.isoformat(), "value": "99"},
    )
    assert refused.status_code == 403
    future = client.post(
        reverse("alignment_check_ins"),
        {"series": "brand-awareness", "day": (today + timedelta(days=2)).isoformat(), "value": "1"},
    )
    assert "not what will be" in future.content.decode()
    assert CheckIn.objects.count() == 1

    out = StringIO()
    call_command("alignment", "scorecard", "--json", stdout=out)
    [card] = json.loads(out.getvalue())
    assert card["name"] == goal.name
    assert (card["side"], card["metric"], card["value"], card["target"]) == (
        "marketing",
        "manual.check_in",
        41.5,
        40,
    )
    assert card["status"] == "on_track" and card["direction"] == "higher"
    assert (card["period_start"], card["guardrails"]) == (goal.period_start.isoformat(), [])
    assert date.fromisoformat(card["period_end"]) == goal.period_end


def test_the_home_screen_shows_the_readers_side_and_the_joint_goals(cmo, cio, viewer) -> None:
    marketing = _marketing_goal(cmo)
    joint = _joint_goal(cmo, cio)
    assert joint.name == marketing.name  # both from goal_form's defaults; told apart by side
    home = client_for(cio).get(reverse("wagtailadmin_home")).content.decode()
    assert f'data-goal="{joint.pk}" data-side="joint"' in home
    assert f'data-goal="{marketing.pk}"' not in home  # IT reads IT's and the joint goals
    home = client_for(cmo).get(reverse("wagtailadmin_home")).content.decode()
    assert f'data-goal="{marketing.pk}"' in home and f'data-goal="{joint.pk}"' in home
    assert "Common ground: Marketing and joint goals" in home
    assert (
        "data-alignment-home"
        in client_for(viewer).get(reverse("wagtailadmin_home")).content.decode()
    )


def test_the_home_panel_reads_snapshots_of_any_age_and_the_page_fresh_ones(cmo) -> None:
    goal = _marketing_goal(cmo)
    services.record_check_in(
        user=cmo, series="brand-awareness", day=timezone.localdate(), value=Decimal("41.5")
    )
    # A snapshot from yesterday's run, older than ALIGNMENT_SNAPSHOT_MAX_AGE, saying 12.
    GoalSnapshot.objects.create(
        goal=goal,
        day=timezone.localdate(),
        value=Decimal(12),
        target=Decimal(40),
        expected=Decimal(10),
        status="at_risk",
        reason="Behind the pace, within the tolerance.",
        computed_at=timezone.now() - timedelta(days=1),
    )
    client = client_for(cmo)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "12 / 40" in " ".join(home.split())  # the panel never waits for a computation
    page = client.get(reverse("alignment_scorecard")).content.decode()
    assert "41.50" in page  # the page computes what has no fresh snapshot


def test_a_snapshot_keeps_the_reason_the_page_shows(cmo) -> None:
    goal = _marketing_goal(cmo)  # no check-in yet: nothing measured
    services.snapshot_goals(goals=[goal])
    assert GoalSnapshot.objects.get(goal=goal).reason == "Nothing measured yet in this period."
    page = client_for(cmo).get(reverse("alignment_scorecard")).content.decode()
    assert "Nothing measured yet in this period." in page
