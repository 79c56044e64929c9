"""Alignment under attack: hostile input to every form and URL, stored payloads on every
page, writes by the wrong people and without a CSRF token. Seeded, bounded, no mocks."""

import random
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BaseForm
from django.test import Client
from django.utils import timezone

from commonground.alignment.budget import services as budget
from commonground.alignment.budget.demo import load_budget_demo
from commonground.alignment.models import (
    BusinessCase,
    GlossaryProposal,
    GlossaryTerm,
    GoalProposal,
    MeetingSeries,
    Reallocation,
)
from commonground.alignment.pulse.demo import load_pulse_demo
from commonground.alignment.reviews.demo import load_reviews_demo
from commonground.alignment.templatetags.alignment_tags import sparkline
from commonground.analytics.public import ensure_goals, ensure_tracked_site
from commonground.core import roles

from ..conftest import client_for
from ..core.factories import UserFactory
from .goals import manual_goal

pytestmark = pytest.mark.django_db

ROOTS = [
    "/admin/alignment/",
    "/admin/alignment/check-ins/",
    "/admin/alignment/metrics/",
    "/admin/alignment/glossary/",
    "/admin/alignment/budget/",
    "/admin/alignment/budget/campaigns/",
    "/admin/alignment/budget/reallocations/",
    "/admin/alignment/budget/cases/",
    "/admin/alignment/budget/import/",
    "/admin/alignment/meetings/",
    "/admin/alignment/meetings/decisions/",
    "/admin/alignment/pulse/",
]

HOSTILE: list[bytes] = [
    b"\x00",
    b"a\x00b",
    b"\xed\xa0\x80",  # a lone surrogate, as UTF-8 bytes
    b"\xff\xfe\xc3",  # not UTF-8 at all
    b"x" * 100_000,
    b"1e400",
    b"NaN",
    b"-0",
    b"-1",
    b"Infinity",
    b"99999999999999999999",
    b"9" * 5000,
    b"0000-00-00",
    b"9999-12-31",
    b"2026-02-30",
    b"25:61",
    b"",
    b" ",
    b"[" * 3000,
    b'{"a":' * 1500,
    b"=cmd|' /C calc'!A0",
    b"<script>alert(1)</script>",
    b"a\r\nb",
]

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(2)</script>",
]


class PageForms(HTMLParser):
    """A page's POST forms (action and fields with a value the page offers) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: set[str] = set()
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/admin/alignment/"):
            self.links.add(a["href"].split("#")[0])
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if name != "csrfmiddlewaretoken" and a.get("type") not in ("submit", "button"):
                self._form["fields"].setdefault(name, a.get("value") or "1")
            self._select = name if tag == "select" else None
        elif tag == "option" and self._form is not None and self._select and a.get("value"):
            fields = self._form["fields"]
            if fields.get(self._select) in ("", "1"):
                fields[self._select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def alignment_rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in apps.get_app_config("alignment").get_models()}


def form_post(client: Client, url: str, fields: dict[str, bytes | str | list[bytes]]) -> Any:
    """A urlencoded POST of raw bytes (the test client would refuse a lone surrogate)."""
    pairs: list[tuple[str, bytes]] = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one if isinstance(one, bytes) else one.encode()))
    return client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")


@pytest.fixture(name="ground")
def ground_fixture(cmo: AbstractUser, cio: AbstractUser) -> dict[str, Any]:
    """A goal with a history, a pending joint goal, the budget, meetings and pulse rounds."""
    site = ensure_tracked_site(domain="127.0.0.1", name="Larkspur")
    ensure_goals(site=site, events=["Signup"])
    load_budget_demo(cmo=cmo, cio=cio, write=lambda line: None)
    load_reviews_demo(cmo=cmo, cio=cio, write=lambda line: None)
    load_pulse_demo(write=lambda line: None)
    outcome = manual_goal(cmo)
    joint = manual_goal(
        cmo,
        name="Joint uptime",
        side="joint",
        series="uptime",
        target=99,
        reason="Both sides carry it.",
    )
    return {"goal": outcome.goal, "joint_proposal": joint.proposal}


def crawl(client: Client, limit: int = 80) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """The alignment pages reachable from the roots, and one POST form per URL shape."""
    seen: set[str] = set()
    shapes: dict[str, dict[str, Any]] = {}
    queue = list(ROOTS)
    page_shapes: dict[str, int] = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "N", url)
        if url in seen or page_shapes.get(shape, 0) >= 2:
            continue
        seen.add(url)
        page_shapes[shape] = page_shapes.get(shape, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, url
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = PageForms()
        parser.feed(response.content.decode())
        queue.extend(sorted(parser.links - seen))
        for form in parser.forms:
            action = form["action"] or url
            shapes.setdefault(re.sub(r"\d+", "N", action.split("?")[0]), form | {"action": action})
    return seen, shapes


@pytest.mark.parametrize("role", ["cmo", "cio", "viewer"])
def test_hostile_form_values_never_fail_the_server(request, ground, role) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user, raise_request_exception=False)
    _, forms = crawl(client_for(request.getfixturevalue("cmo")))
    forms |= crawl(client_for(request.getfixturevalue("cio")))[1]
    assert len(forms) >= 20, sorted(forms)
    rng = random.Random(f"alignment-{role}")  # noqa: S311 (a seeded fuzzer, not a secret)
    failures: list[str] = []
    before = alignment_rows()
    for shape, form in sorted(forms.items()):
        fields: dict[str, Any] = form["fields"]
        attempts: list[dict[str, Any]] = [{}]
        for name in fields:
            attempts.append({k: v for k, v in fields.items() if k != name})  # one missing
            attempts.append(fields | {name: [b"1", b"2", rng.choice(HOSTILE)]})  # duplicated
        for hostile in HOSTILE:  # every field hostile at once, then one at a time
            attempts.append({name: hostile for name in fields})
            attempts.append(fields | {rng.choice(list(fields) or ["x"]): hostile})
        rng.shuffle(attempts)
        for data in attempts[: 6 if role == "viewer" else 14]:
            response = form_post(client, form["action"], data)
            if response.status_code >= 500:
                failures.append(f"{shape} {sorted(data)[:3]} -> {response.status_code}")
    assert not failures, failures[:20]
    if role == "viewer":
        after = alignment_rows()
        assert {name for name in before if before[name] != after[name]} <= {"GoalSnapshot"}


def test_odd_paths_and_query_strings_never_fail_the_server(ground, viewer) -> None:
    client = client_for(viewer, raise_request_exception=False)
    pages, _ = crawl(client, limit=60)
    queries = [
        "?period=%ff",
        "?q=" + "x" * 100_000,
        "?period=2026-10-01&period=%00&period=0000-00-00",
        "?quarter=9999-Q9&side=%ed%a0%80",
        "?page=99999999999999999999",
        "?period=2026-02-30",
    ]
    failures = []
    for url in sorted(pages):
        for query in queries:
            if client.get(url + query).status_code >= 500:
                failures.append(url + query[:30])
        for odd in ("9" * 5000, "%00", "..%2f", "-1", "0"):
            mutated = re.sub(r"/(\d+|20\d\d-Q\d)/", f"/{odd}/", url, count=1)
            if mutated != url and client.get(mutated).status_code >= 500:
                failures.append(mutated[:80])
    for tail in ("glossary/" + "a" * 5000 + "/", "pulse/2026-Q0/", "pulse/0000-Q1/answer/"):
        if client.get("/admin/alignment/" + tail).status_code >= 500:
            failures.append(tail[:40])
    assert not failures, failures


def test_a_goal_with_a_history_shows_its_sparkline() -> None:
    """format_html escapes its arguments first: a numeric format spec met a string (a 500 on
    every goal page with two days of values)."""
    today = timezone.localdate()
    trend = [(today - timedelta(days=1), Decimal(3), "on_track"), (today, Decimal(5), "at_risk")]
    svg = str(sparkline(trend))
    assert 'cx="156.0"' in svg or "<circle" in svg
    assert "cg-sparkline-dot--at_risk" in svg


def test_deeply_nested_metric_settings_are_a_form_error(cmo, ground) -> None:
    client = client_for(cmo, raise_request_exception=False)
    cases = BusinessCase.objects.count()
    for nested in ("[" * 1000, '{"a":' * 400 + "1" + "}" * 400):
        response = client.post(
            "/admin/alignment/budget/cases/",
            {
                "title": "Nested",
                "subject": f"campaign:{ground['goal'].pk and 1}",
                "metric": "manual.check_in",
                "params": nested,
                "target_value": "1",
                "period_start": "2026-10-01",
                "period_end": "2026-12-31",
            },
        )
        assert response.status_code == 400
        assert response.context["form"].errors["params"]
    assert BusinessCase.objects.count() == cases


@pytest.mark.parametrize(
    "name, content",
    [
        ("random.csv", random.Random(7).randbytes(4096)),  # noqa: S311
        ("empty.csv", b""),
        ("tool.exe", b"MZ\x90\x00" + bytes(500)),
        ("huge.csv", b"a,b\n" * (5 * 1024 * 1024 // 4 + 10)),
        ("nul.csv", b"date,amount\x00\n\x00,\xed\xa0\x80\n"),
    ],
)
def test_odd_finance_files_are_refused_without_a_write(cmo, ground, name, content) -> None:
    client = client_for(cmo, raise_request_exception=False)
    actuals = alignment_rows()["Actual"]
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post("/admin/alignment/budget/import/", {"file": upload})
    assert response.status_code < 500
    assert alignment_rows()["Actual"] == actuals


def _writable_text_posts(ground: dict[str, Any], payload: str) -> Iterator[tuple[str, dict]]:
    """Every free-text field a lead writes in, with ``payload`` in it."""
    today = timezone.localdate()
    line = ground["line"]
    other = ground["other_line"]
    series = MeetingSeries.objects.order_by("pk").first()
    meeting = series.meetings.order_by("starts_at").first()
    yield (
        "/admin/alignment/goals/new/",
        {
            "name": payload,
            "side": "marketing",
            "metric": "manual.check_in",
            "param_series": "xss",
            "period_kind": "quarter",
            "period_start": today.isoformat(),
            "target_value": "40",
            "tolerance_percent": "10",
            "description": payload,
            "reason": payload,
        },
    )
    yield (
        "/admin/alignment/check-ins/",
        {
            "series": "brand-awareness",
            "day": today.isoformat(),
            "value": "3",
            "note": payload,
        },
    )
    yield (
        "/admin/alignment/glossary/new/",
        {
            "term": payload,
            "for_marketing": payload,
            "for_it": payload,
            "examples": payload,
            "reason": payload,
        },
    )
    yield (
        "/admin/alignment/budget/plan/",
        {
            "quarter": ground["quarter"],
            "side": "marketing",
            "category": "events",
            "planned": "10",
            "note": payload,
        },
    )
    yield (
        "/admin/alignment/budget/actuals/",
        {
            "line": str(line.pk),
            "day": today.isoformat(),
            "amount": "1",
            "description": payload,
            "utm_campaign": "",
        },
    )
    yield (
        "/admin/alignment/budget/campaigns/",
        {
            "name": payload,
            "utm_campaign": "xss-" + str(abs(hash(payload)) % 1000),
            "site": "127.0.0.1",
            "goal_name": payload,
            "start": today.isoformat(),
            "end": today.isoformat(),
        },
    )
    yield (
        "/admin/alignment/budget/reallocations/",
        {
            "from_line": str(line.pk),
            "to_line": str(other.pk),
            "amount": "1",
            "case": payload,
        },
    )
    yield (
        "/admin/alignment/meetings/series/new/",
        {
            "name": payload,
            "cadence": "fortnightly",
            "first_date": (today + timedelta(days=3)).isoformat(),
            "start_time": "10:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "location": payload,
            "video_url": "https://meet.example.com/x",
            "organiser": str(series.organiser_id),
            "attendees": [str(series.organiser_id)],
        },
    )
    yield f"/admin/alignment/meetings/{meeting.pk}/minutes/", {"minutes": payload, "held": "on"}
    yield (
        f"/admin/alignment/meetings/{meeting.pk}/decisions/",
        {
            "title": payload,
            "context": payload,
            "decision": payload,
            "consequences": payload,
            "owner": str(series.organiser_id),
            "decided_on": today.isoformat(),
        },
    )
    yield (
        f"/admin/alignment/meetings/{meeting.pk}/actions/",
        {
            "title": payload,
            "owner": str(series.organiser_id),
            "due_date": (today + timedelta(days=7)).isoformat(),
        },
    )


def test_stored_payloads_render_escaped_everywhere(cmo, ground) -> None:
    from commonground.alignment.models import BudgetLine

    lines = BudgetLine.objects.filter(side="marketing").order_by("pk")
    ground |= {
        "line": lines[0],
        "other_line": lines[1],
        "quarter": lines[0].period.start.isoformat(),
    }
    client = client_for(cmo, raise_request_exception=False)
    for payload in PAYLOADS:
        for url, data in _writable_text_posts(ground, payload):
            response = client.post(url, data)
            assert response.status_code < 500, url
    pages, _ = crawl(client, limit=120)
    leaks = []
    for url in sorted(pages):
        response = client.get(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        for payload in PAYLOADS:
            if payload in body:
                leaks.append(url)
    assert not leaks, leaks
    # The CSV exports neutralise formula cells.
    for payload in ("=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1+1"):
        response = client.post(
            "/admin/alignment/budget/actuals/",
            {
                "line": str(ground["line"].pk),
                "day": timezone.localdate().isoformat(),
                "amount": "1",
                "description": payload,
            },
        )
        assert response.status_code < 500
    csv_text = b"".join(client.get("/admin/alignment/budget/actuals.csv").streaming_content)
    assert b",=cmd" not in csv_text and b"\n=cmd" not in csv_text
    assert b"'=cmd" in csv_text


def test_a_newline_in_a_series_name_adds_no_icalendar_property(cmo, ground) -> None:
    client = client_for(cmo)
    series = MeetingSeries.objects.get()
    series.name = "Review\r\nATTENDEE:mailto:evil@example.com\nX-INJECTED:1"
    series.location = "Room\nORGANIZER:mailto:evil@example.com"
    series.save()
    body = client.get(f"/admin/alignment/meetings/series/{series.pk}/invitation.ics").content
    lines = body.decode().split("\r\n")
    assert not any(line.startswith(("X-INJECTED", "ATTENDEE:mailto:evil")) for line in lines)
    assert not any(line.startswith("ORGANIZER:mailto:evil") for line in lines)


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:x"]
)
def test_a_video_link_must_be_a_web_address(cmo, ground, link) -> None:
    client = client_for(cmo)
    series = MeetingSeries.objects.get()
    response = client.post(
        f"/admin/alignment/meetings/series/{series.pk}/edit/",
        {
            "name": "Review",
            "cadence": "fortnightly",
            "first_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "start_time": "10:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "video_url": link,
            "organiser": str(cmo.pk),
            "attendees": [str(cmo.pk)],
        },
    )
    assert response.status_code in (200, 400)
    assert "valid URL" in response.content.decode()
    series.refresh_from_db()
    assert not series.video_url.lower().startswith(("javascript", "data"))


@pytest.mark.parametrize("role", ["viewer", "editor", "it_admin"])
def test_people_who_lead_no_side_change_nothing(request, ground, role) -> None:
    user = request.getfixturevalue(role)
    lead_client = client_for(request.getfixturevalue("cmo"), raise_request_exception=False)
    _, forms = crawl(lead_client)
    client = client_for(user, raise_request_exception=False)
    before = alignment_rows()
    for shape, form in sorted(forms.items()):
        response = form_post(client, form["action"], form["fields"])
        assert response.status_code in (200, 302, 400, 403), shape
    after = alignment_rows()
    # Refreshing the scorecard recomputes today's snapshots (a read any role may ask for);
    # anyone on a side (an Editor, an IT Administrator) may propose a glossary edit.
    changed = {name for name in before if before[name] != after[name]}
    allowed = {"GoalSnapshot"} | ({"GlossaryProposal"} if role != "viewer" else set())
    assert changed <= allowed, changed


def test_four_eyes_decisions_refuse_a_lead_of_both_sides_and_the_proposer(cmo, cio, ground):
    both = UserFactory(username="both", roles=[roles.MARKETING_LEAD, roles.IT_LEAD])
    reallocation = Reallocation.objects.get(status="pending")
    proposal = ground["joint_proposal"]
    for user in (both, cmo):  # the demo reallocation and the joint goal are the CMO's
        client = client_for(user, raise_request_exception=False)
        client.post(
            f"/admin/alignment/budget/reallocations/{reallocation.pk}/decision/",
            {"decision": "accept"},
        )
        client.post(f"/admin/alignment/proposals/{proposal.pk}/decide/", {"decision": "accept"})
    reallocation.refresh_from_db()
    assert reallocation.status == "pending"
    assert GoalProposal.objects.get(pk=proposal.pk).status == "pending"


def test_a_lead_cannot_accept_their_own_sides_glossary_proposal(cmo, cio, ground) -> None:
    term = GlossaryTerm.objects.order_by("pk").first()
    client_for(cmo).post(
        f"/admin/alignment/glossary/{term.slug}/propose/",
        {
            "term": term.term,
            "for_marketing": "Changed by marketing",
            "for_it": term.for_it,
            "reason": "clearer",
        },
    )
    proposal = GlossaryProposal.objects.get()
    client = client_for(cmo, raise_request_exception=False)
    response = client.post(
        f"/admin/alignment/glossary/proposals/{proposal.pk}/decide/", {"decision": "accept"}
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_lead_cannot_decide_a_reallocation_by_changing_the_id(cmo, cio, ground) -> None:
    mine = Reallocation.objects.get()
    lines = list(budget_lines_of("it"))
    theirs = budget.propose_reallocation(
        user=cio, from_line=lines[0], to_line=lines[1], amount=Decimal(1), case="x"
    )
    response = client_for(cio, raise_request_exception=False).post(
        f"/admin/alignment/budget/reallocations/{theirs.pk}/decision/", {"decision": "accept"}
    )
    assert response.status_code in (400, 403)
    assert Reallocation.objects.get(pk=theirs.pk).status == "pending"
    assert Reallocation.objects.get(pk=mine.pk).status == "pending"


def budget_lines_of(side: str) -> Any:
    from commonground.alignment.models import BudgetLine

    return BudgetLine.objects.filter(side=side).order_by("pk")


def test_every_post_refuses_a_missing_csrf_token(cmo, ground) -> None:
    _, forms = crawl(client_for(cmo))
    client = client_for(cmo, enforce_csrf_checks=True)
    before = alignment_rows()
    for shape, form in sorted(forms.items()):
        assert form_post(client, form["action"], form["fields"]).status_code == 403, shape
    assert alignment_rows() == before


@pytest.mark.parametrize("row_id", ["99999999999999999999", "9" * 5000, "-99999999999999999999"])
def test_an_id_beyond_any_column_is_an_invalid_choice(cmo, ground, row_id) -> None:
    """SQLite raised OverflowError for such an id in a choice of rows (a 500)."""
    client = client_for(cmo, raise_request_exception=False)
    series = MeetingSeries.objects.order_by("pk").first()
    rows = alignment_rows()
    posts = {
        "/admin/alignment/goals/new/": {"name": "G", "guardrails": row_id},
        "/admin/alignment/meetings/series/new/": {"name": "S", "organiser": row_id},
        f"/admin/alignment/meetings/series/{series.pk}/edit/": {"attendees": row_id},
        "/admin/alignment/budget/actuals/": {"line": row_id, "amount": "1"},
        "/admin/alignment/budget/reallocations/": {"from_line": row_id, "to_line": row_id},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code in (200, 400), url
        forms = [
            v for c in response.context for v in c.flatten().values() if isinstance(v, BaseForm)
        ]
        errors = " ".join(str(form.errors) for form in forms)
        assert "not a valid value" in errors or "valid choice" in errors, (url, errors)
    assert alignment_rows() == rows


def test_the_cli_prints_stored_payloads_as_data(cmo, ground) -> None:
    """The CLI's JSON carries hostile names as strings (valid JSON, nothing executed)."""
    import json
    from io import StringIO

    from django.core.management import call_command

    goal = ground["goal"]
    goal.name = '<script>alert(1)</script>"\n\x1b[31m'
    goal.save()
    for arguments in (["scorecard", "--json"], ["agenda", "--json"], ["snapshot"]):
        out = StringIO()
        call_command("alignment", *arguments, stdout=out)
        if "--json" in arguments:
            json.loads(out.getvalue())
    out = StringIO()
    call_command("alignment", "scorecard", "--json", stdout=out)
    names = [row.get("name") for row in json.loads(out.getvalue())]
    assert goal.name in names
