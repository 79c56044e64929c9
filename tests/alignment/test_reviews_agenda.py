"""The generated agenda reflects live data: an overdue request appears and goes once
decided, new unapproved hosts and CSP findings show, actions due and carried forward; other
areas add sections through the registry; it generates in a handful of queries."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from wagtail.models import Site

from commonground.alignment.models import Goal, Meeting
from commonground.alignment.reviews import agenda, services
from commonground.alignment.reviews.agenda import (
    AgendaContext,
    AgendaItem,
    Severity,
    agenda_section,
    generate_agenda,
)
from commonground.alignment.scorecard.services import snapshot_goals
from commonground.governance.models import (
    CspViolation,
    CspViolationReporter,
    ScanFinding,
    SiteScan,
    TechnologyRequest,
)
from commonground.governance.registry import services as governance

from ..governance.factories import submitted_request
from .meetings import a_series, past


def _section(key: str, meeting: Meeting | None = None) -> dict[str, Any]:
    (found,) = [
        s for s in generate_agenda(meeting=meeting).as_json()["sections"] if s["key"] == key
    ]
    return found


def _titles(key: str, meeting: Meeting | None = None) -> list[str]:
    return [item["title"] for item in _section(key, meeting)["items"]]


@pytest.fixture
def series(cmo: Any, cio: Any) -> Any:
    return a_series(cmo, [cmo, cio], first_date=past(3))  # met 3 days ago, next in 11


def test_the_agenda_is_for_the_next_planned_meeting(series: Any) -> None:
    result = generate_agenda().as_json()
    json.dumps(result)  # JSON-ready as it is
    upcoming = Meeting.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at").first()
    assert upcoming is not None
    assert result["meeting"]["id"] == upcoming.pk
    assert result["meeting"]["series"] == series.name
    keys = [section["key"] for section in result["sections"]]
    # Every area's sections, in the agenda's order: goals first, actions carried forward last.
    assert keys[0] == "goals"
    ordered = ["goals", "technology-requests", "unapproved-hosts", "decisions", "actions-due"]
    assert [key for key in keys if key in ordered] == ordered
    assert keys[-3:] == ["decisions", "actions-due", "actions-carried-forward"]
    for section in result["sections"]:
        assert section["items"] == [] and section["empty"] == "Nothing to discuss."


def test_an_overdue_request_appears_and_goes_once_decided(
    series: Any, editor: Any, it_admin: Any
) -> None:
    late = submitted_request(editor, name="Heatmaps Pro")
    TechnologyRequest.objects.filter(pk=late.pk).update(review_due=past(2))
    waiting = submitted_request(editor, name="Chat Widget", **{"script-src": ["chat.example"]})
    section = _section("technology-requests")
    assert [item["title"] for item in section["items"]] == ["Heatmaps Pro", "Chat Widget"]
    assert [item["severity"] for item in section["items"]] == ["urgent", "attention"]
    assert section["items"][0]["detail"].startswith("Overdue")
    assert section["items"][0]["url"] == f"/admin/governance/requests/{late.pk}/"

    governance.decide(user=it_admin, request=late, approve=True, rationale="DPA signed.")
    assert _titles("technology-requests") == ["Chat Widget"]
    # ... and the decision entered the log, so it is on the agenda as a decision.
    assert _titles("decisions") == ["Approved: Heatmaps Pro"]
    governance.decide(user=it_admin, request=waiting, approve=False, rationale="No DPA.")
    assert _section("technology-requests")["items"] == []


def test_new_unapproved_hosts_of_the_latest_scan(series: Any) -> None:
    def scan(days_ago: int, hosts: list[tuple[str, str]]) -> SiteScan:
        done = SiteScan.objects.create(
            started_at=timezone.now() - timedelta(days=days_ago), status=SiteScan.Status.FINISHED
        )
        for host, verdict in hosts:
            for page in ("/", "/pricing/"):
                ScanFinding.objects.create(
                    scan=done,
                    page_url=page,
                    page_title="Page",
                    directive="script-src",
                    host=host,
                    verdict=verdict,
                )
        return done

    scan(8, [("old.example", "unknown")])
    scan(1, [("old.example", "unknown"), ("new.example", "unknown"), ("ok.example", "approved")])
    (item,) = _section("unapproved-hosts")["items"]
    assert item["title"] == "new.example" and item["severity"] == "urgent"
    assert "on 2 pages" in item["detail"]


def test_csp_findings_since_the_last_meeting(series: Any) -> None:
    site = Site.objects.get(is_default_site=True)
    now = timezone.now()
    for host, seen in (
        ("fresh.example", now - timedelta(days=1)),
        ("stale.example", now - timedelta(days=60)),
    ):
        violation = CspViolation.objects.create(
            site=site,
            page_path="/",
            directive="script-src",
            blocked_host=host,
            enforced=True,
            count=3,
            first_seen=seen,
            last_seen=seen,
        )
        # From three distinct addresses: a finding (one address's reports would not be).
        for address in ("a", "b", "c"):
            CspViolationReporter.objects.create(violation=violation, address_hash=address)
    (item,) = _section("csp-findings")["items"]
    assert item["title"] == "fresh.example" and "3 reports" in item["detail"]


def test_actions_due_and_carried_forward(series: Any, cmo: Any, editor: Any) -> None:
    first = series.meetings.order_by("starts_at").first()
    assert first is not None and first.starts_at < timezone.now()
    services.record_minutes(user=cmo, meeting=first, minutes="Met.", held=True)
    add = services.add_action
    add(user=cmo, meeting=first, title="Overdue thing", owner=editor, due_date=past(1))
    later = timezone.localdate() + timedelta(days=40)
    add(user=cmo, meeting=first, title="Open later thing", owner=editor, due_date=later)
    done = add(user=cmo, meeting=first, title="Done thing", owner=editor, due_date=past(1))
    services.complete_action(user=editor, action=done)

    due = _section("actions-due")
    assert [item["title"] for item in due["items"]] == ["Overdue thing"]
    assert due["items"][0]["severity"] == "urgent"
    assert _titles("actions-carried-forward") == ["Open later thing"]
    # The meeting's own new actions are not "carried forward" to itself.
    assert _titles("actions-carried-forward", meeting=first) == []


def test_other_areas_add_sections_and_a_failing_one_does_not_break_the_agenda(
    series: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agenda, "_SECTIONS", dict(agenda._SECTIONS))

    @agenda_section(key="another-area", title="Another area's news", order=11)
    def goals(context: AgendaContext) -> list[AgendaItem]:
        assert context.meeting is not None
        return [AgendaItem("Conversion rate", "Off track: 1.1% of 2%", "/admin/", Severity.URGENT)]

    @agenda_section(key="broken", title="Broken", order=15)
    def broken(context: AgendaContext) -> list[AgendaItem]:
        raise RuntimeError("boom")

    sections = generate_agenda().as_json()["sections"]
    keys = [s["key"] for s in sections]
    assert keys[:4] == ["goals", "another-area", "broken", "technology-requests"]
    assert sections[1]["items"][0]["severity"] == "urgent"
    assert sections[2]["failed"] and "could not be generated" in sections[2]["empty"]


def test_the_agenda_takes_a_handful_of_queries(
    series: Any, cmo: Any, editor: Any, django_assert_max_num_queries: Any
) -> None:
    meeting = series.meetings.order_by("starts_at").first()
    for number in range(20):
        submitted_request(editor, name=f"Tool {number}", **{"script-src": [f"t{number}.example"]})
        services.add_action(
            user=cmo, meeting=meeting, title=f"A{number}", owner=editor, due_date=past(number % 3)
        )
    # Fifty goals, their snapshots fresh (the scheduler keeps them so): the goals section
    # reads those, it computes nothing.
    quarter_start = timezone.localdate().replace(day=1)
    goals = [
        Goal.objects.create(
            name=f"Goal {number}",
            side="joint",
            metric="manual.check_in",
            params={"series": "survey"},
            period_kind="month",
            period_start=quarter_start,
            period_end=quarter_start + timedelta(days=27),
            target_value=Decimal(number + 1),
        )
        for number in range(50)
    ]
    snapshot_goals(goals=goals)
    with django_assert_max_num_queries(18):
        result = generate_agenda()
    by_key = {section.key: section for section in result.sections}
    assert len(by_key["technology-requests"].items) == 20
    assert len(by_key["goals"].items) == 50  # nothing checked in: every goal is at risk
