"""The common language: the seeded terms, proposals through HTTP (the other side's lead
decides, never one's own), the {% term %} tag's markup, and the explanations on the screens
of analytics, governance and distribution."""

import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.core.cache import caches
from django.template import Context, Template
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.alignment.glossary import services
from commonground.alignment.glossary.seed import SEED_TERMS
from commonground.alignment.metrics import all_metrics
from commonground.alignment.models import GlossaryProposal, GlossaryTerm
from commonground.analytics.models import TrackedSite
from commonground.content.models import HomePage
from commonground.core import glossary

from ..conftest import client_for

pytestmark = pytest.mark.django_db

INDEX = "/admin/alignment/glossary/"


@pytest.fixture(autouse=True)
def fresh_terms() -> Iterator[None]:
    # Each test's database starts from the migration's terms: no process copy of another's.
    glossary.forget()
    yield
    glossary.forget()


def _edit(**changes: Any) -> dict[str, Any]:
    term = GlossaryTerm.objects.get(slug="bounce-rate")
    data = {
        "term": term.term,
        "for_marketing": term.for_marketing,
        "for_it": term.for_it,
        "examples": term.examples,
        "related_metrics": term.related_metrics,
        "reason": "Clearer for campaign owners.",
    }
    return {**data, **changes}


# --- the seed ---------------------------------------------------------------------------


def test_every_installation_has_the_seeded_terms_with_both_explanations() -> None:
    terms = list(GlossaryTerm.objects.all())
    assert len(terms) >= 40
    assert {t.slug for t in terms} >= {t.slug for t in SEED_TERMS}
    for term in terms:
        assert term.term and term.examples, term.slug
        for text in (term.for_marketing, term.for_it):
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
            assert 2 <= len(sentences) <= 4, (term.slug, text)
        assert term.for_marketing != term.for_it
        assert term.related_metrics, term.slug


def test_the_seeds_related_metrics_are_the_catalogues() -> None:
    # The edit form offers the catalogue's keys only: a seeded key it lacks would make every
    # edit of that term fail on a field its proposer never touched.
    catalogue = {definition.key for definition in all_metrics()}
    for term in SEED_TERMS:
        assert set(term.related_metrics) <= catalogue, term.slug


def test_the_migration_holds_its_own_copy_of_the_seed() -> None:
    from importlib import import_module

    migration = import_module("commonground.alignment.migrations.0003_glossary")
    source = Path(migration.__file__).read_text()
    assert "glossary.seed" not in source and "from commonground" not in source
    # Written from the seed module as it is today: the two say the same.
    assert [tuple(row[:5]) for row in migration.TERMS] == [
        (t.slug, t.term, t.for_marketing, t.for_it, t.examples) for t in SEED_TERMS
    ]


# --- proposals through HTTP -----------------------------------------------------------------


def test_an_editors_proposal_is_accepted_by_the_it_lead_not_the_marketing_lead(
    editor: AbstractUser, cmo: AbstractUser, cio: AbstractUser, django_capture_on_commit_callbacks
) -> None:
    new_text = "The share of visits that left after one page: the landing page lost them."
    response = client_for(editor).post(
        f"{INDEX}bounce-rate/propose/", _edit(for_marketing=new_text)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = GlossaryProposal.objects.get()
    assert (proposal.proposer_side, proposal.status) == ("marketing", "pending")
    assert GlossaryTerm.objects.get(slug="bounce-rate").for_marketing != new_text

    refused = client_for(cmo).post(
        f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept"}
    )
    assert refused.status_code == 403
    assert "decided by the IT Lead" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "pending"

    term_page = client_for(cio).get(f"{INDEX}bounce-rate/")
    assert f'action="/admin/alignment/glossary/proposals/{proposal.pk}/decide/"' in (
        term_page.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_for(cio).post(
            f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept", "note": "Yes."}
        )
    assert accepted.status_code == 302
    term = GlossaryTerm.objects.get(slug="bounce-rate")
    assert term.for_marketing == new_text
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (
        "accepted",
        cio,
        "Yes.",
    )
    # The inline explanation follows the change.
    assert glossary.explanation("bounce-rate").for_marketing == new_text  # type: ignore[union-attr]

    propose = ModelLogEntry.objects.get(action="alignment.glossary.propose")
    assert (propose.user, propose.data["slug"], propose.data["side"]) == (
        editor,
        "bounce-rate",
        "marketing",
    )
    accept = ModelLogEntry.objects.get(action="alignment.glossary.accept")
    assert accept.user == cio and accept.object_id == str(term.pk)
    assert accept.data["after"]["for_marketing"] == new_text
    assert accept.data["before"]["for_marketing"] != new_text

    history = client_for(editor).get(f"{INDEX}bounce-rate/").content.decode()
    assert "Accepted" in history and html.escape(new_text) in history


def test_a_lead_cannot_accept_their_own_proposal(cio: AbstractUser, cmo: AbstractUser) -> None:
    client = client_for(cio)
    assert (
        client.post(f"{INDEX}bounce-rate/propose/", _edit(for_it="Shorter.  Plainer.")).status_code
        == 302
    )
    proposal = GlossaryProposal.objects.get()
    assert proposal.proposer_side == "it"

    refused = client.post(f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept"})
    assert refused.status_code == 403
    assert "You proposed this change" in refused.content.decode()
    refused = client.post(f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "reject"})
    assert refused.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert not ModelLogEntry.objects.filter(action="alignment.glossary.accept").exists()

    # The Marketing Lead decides an IT proposal.
    rejected = client_for(cmo).post(
        f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "reject", "note": "Too short."}
    )
    assert rejected.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert ModelLogEntry.objects.get(action="alignment.glossary.reject").user == cmo
    assert GlossaryTerm.objects.get(slug="bounce-rate").for_it != "Shorter.  Plainer."
    again = client_for(cmo).post(f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept"})
    assert again.status_code == 302  # with a message: already decided
    proposal.refresh_from_db()
    assert proposal.status == "rejected"


def test_the_viewer_reads_but_cannot_propose(viewer: AbstractUser) -> None:
    client = client_for(viewer)
    listing = client.get(INDEX)
    assert listing.status_code == 200
    assert "sits on neither side" in listing.content.decode()
    assert client.get(f"{INDEX}bounce-rate/").status_code == 200
    for url in (f"{INDEX}bounce-rate/propose/", f"{INDEX}new/"):
        page = client.get(url)
        assert page.status_code == 403
        assert "Viewer" in page.content.decode()
        assert client.post(url, _edit(slug="x")).status_code == 403
    assert not GlossaryProposal.objects.exists()


def test_a_new_term_proposed_by_it_is_added_when_the_marketing_lead_accepts(
    it_admin: AbstractUser, cmo: AbstractUser
) -> None:
    data = _edit(
        slug="mfa-fatigue",
        term="MFA fatigue",
        for_marketing="People tired of sign-in prompts approve one by mistake. Keep prompts rare.",
        for_it="Push-bombing: attackers send prompts until one is approved. Use number matching.",
        examples="Twenty prompts at 3 a.m.",
        related_metrics=["governance.two_factor_share"],
    )
    assert client_for(it_admin).post(f"{INDEX}new/", data).status_code == 302
    proposal = GlossaryProposal.objects.get()
    assert proposal.term is None and proposal.proposer_side == "it"
    decide = f'action="/admin/alignment/glossary/proposals/{proposal.pk}/decide/"'
    assert decide in client_for(cmo).get(INDEX).content.decode()
    assert decide not in client_for(it_admin).get(INDEX).content.decode()
    assert (
        client_for(cmo)
        .post(f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept"})
        .status_code
        == 302
    )
    term = GlossaryTerm.objects.get(slug="mfa-fatigue")
    assert term.related_metrics == ["governance.two_factor_share"]
    # A slug the glossary has: the form says so.
    again = client_for(it_admin).post(f"{INDEX}new/", data)
    assert again.status_code == 400
    assert "already has" in again.content.decode()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"for_marketing": "nul\x00byte"}, "for_marketing"),
        ({"for_it": "x" * 10_000}, "for_it"),
        ({"term": ""}, "term"),
        ({"related_metrics": ["analytics.nonsense"]}, "related_metrics"),
        ({"related_metrics": "not-a-list"}, "related_metrics"),
        ({"examples": "x" * 2001}, "examples"),
    ],
)
def test_bad_proposals_get_a_message_naming_the_field(
    editor: AbstractUser, changes: dict[str, Any], field: str
) -> None:
    response = client_for(editor).post(f"{INDEX}bounce-rate/propose/", _edit(**changes))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not GlossaryProposal.objects.exists()


def test_bad_decisions_and_unknown_proposals(cio: AbstractUser, editor: AbstractUser) -> None:
    client_for(editor).post(f"{INDEX}bounce-rate/propose/", _edit(for_it="New. Words."))
    proposal = GlossaryProposal.objects.get()
    client = client_for(cio)
    assert (
        client.post(f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "maybe"}).status_code
        == 400
    )
    assert (
        client.post(
            f"{INDEX}proposals/{proposal.pk}/decide/", {"decision": "accept", "note": "x" * 10_000}
        ).status_code
        == 400
    )
    assert (
        client.post(f"{INDEX}proposals/999999/decide/", {"decision": "accept"}).status_code == 404
    )
    assert client.get(f"{INDEX}proposals/{proposal.pk}/decide/").status_code == 405
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    # Only the proposer withdraws.
    assert client.post(f"{INDEX}proposals/{proposal.pk}/withdraw/").status_code == 403
    assert client_for(editor).post(f"{INDEX}proposals/{proposal.pk}/withdraw/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_the_list_searches_terms_and_their_explanations(viewer: AbstractUser) -> None:
    client = client_for(viewer)
    by_name = client.get(INDEX, {"q": "bounce"}).content.decode()
    assert 'data-term-row="bounce-rate"' in by_name
    assert 'data-term-row="sso"' not in by_name
    by_text = client.get(INDEX, {"q": "identity provider"}).content.decode()
    assert 'data-term-row="sso"' in by_text
    assert client.get(INDEX, {"q": "x" * 500}).status_code == 400
    assert client.get(INDEX, {"q": "\x00"}).status_code == 400


def test_the_glossary_is_in_the_alignment_menu(viewer: AbstractUser) -> None:
    page = client_for(viewer).get("/admin/").content.decode()
    assert "/admin/alignment/glossary/" in page
    assert "Glossary" in page


# --- the tag ------------------------------------------------------------------------------


def _render(source: str, **context: Any) -> str:
    return Template("{% load glossary %}" + source).render(Context(context))


def test_the_tag_renders_an_accessible_tooltip() -> None:
    rendered = _render('{% term "bounce-rate" %} and {% term "bounce-rate" "Bounces" %}')
    labels = re.findall(
        r'<span class="cg-term-label" tabindex="0" aria-describedby="([^"]+)">([^<]+)</span>',
        rendered,
    )
    tips = re.findall(r'<span class="cg-term-tip" role="tooltip" id="([^"]+)">', rendered)
    assert [label for _, label in labels] == ["Bounce rate", "Bounces"]
    assert [tip_id for tip_id, _ in labels] == tips
    assert len(set(tips)) == 2  # every tooltip its own id
    term = GlossaryTerm.objects.get(slug="bounce-rate")
    assert html.escape(term.for_marketing) in rendered
    assert html.escape(term.for_it) in rendered


def test_an_unknown_slug_gives_the_label_alone() -> None:
    assert _render('{% term "no-such-term" label %}', label="Plain <label>") == (
        "Plain &lt;label&gt;"
    )
    assert _render('{% term "no-such-term" %}') == "no-such-term"


def test_the_tag_escapes_what_a_term_says(django_capture_on_commit_callbacks) -> None:
    GlossaryTerm.objects.filter(slug="sso").update(
        term='<img src=x onerror="alert(1)">', for_it="<script>alert('it')</script>"
    )
    glossary.forget()
    rendered = _render('{% term "sso" %}')
    assert "<script>" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(&#x27;it&#x27;)&lt;/script&gt;" in rendered
    data = _render('{% glossary_json "cg-glossary" "sso" %}')
    assert "<script>alert" not in data.split(">", 1)[1]
    assert json.loads(re.search(r">(.*)</script>", data, re.S)[1])["sso"]["forIt"] == (
        "<script>alert('it')</script>"
    )


# --- the explanations on other apps' screens ---------------------------------------------------


def _explanation(slug: str, side: str = "for_marketing") -> str:
    return html.escape(getattr(GlossaryTerm.objects.get(slug=slug), side))


def test_the_dashboard_carries_the_explanations_its_script_draws(cmo: AbstractUser) -> None:
    TrackedSite.objects.create(domain="glossary.example", name="Glossary test")
    page = client_for(cmo).get("/admin/analytics/").content.decode()
    data = re.search(r'<script id="cg-glossary" type="application/json">(.*?)</script>', page, re.S)
    assert data, "no glossary data block"
    terms = json.loads(data[1])
    bounce = GlossaryTerm.objects.get(slug="bounce-rate")
    assert terms["bounce-rate"] == {
        "term": bounce.term,
        "forMarketing": bounce.for_marketing,
        "forIt": bounce.for_it,
    }
    assert {"visitor", "visit", "pageview", "lcp", "inp", "cls", "utm"} <= set(terms)
    # Drawn by the server: the segment control's label.
    assert 'data-term="segment"' in page and _explanation("segment") in page
    assert "core/glossary.js" in page and "core/glossary.css" in page


def test_the_registry_form_explains_dpa_sso_and_consent(it_admin: AbstractUser) -> None:
    page = client_for(it_admin).get(reverse("governance_registry:add"))
    assert page.status_code == 200
    text = page.content.decode()
    for slug in ("dpa", "sso", "consent-purpose", "risk-tier", "csp"):
        assert f'data-term="{slug}"' in text, slug
        assert _explanation(slug, "for_it") in text, slug


def test_the_distribute_tab_explains_double_opt_in_and_rfc_8058(
    home: HomePage, editor: AbstractUser
) -> None:
    from ..content.factories import StandardPageFactory

    page = StandardPageFactory(parent=home, title="Spring", slug="spring")
    text = client_for(editor).get(f"/admin/pages/{page.pk}/edit/").content.decode()
    for slug in ("double-opt-in", "rfc-8058", "webhook", "utm"):
        assert f'data-term="{slug}"' in text, slug
        assert _explanation(slug) in text, slug


@pytest.mark.slow
def test_the_page_panel_explains_its_figures(
    home: HomePage, editor: AbstractUser, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    from wagtail.models import Site

    from ..analytics.served_store import mover_serving, visit
    from ..content.factories import StandardPageFactory

    domain = f"glossary-{uuid4().hex[:10]}.example"
    Site.objects.filter(is_default_site=True).update(hostname=domain)
    Site.clear_site_root_paths_cache()
    TrackedSite.objects.create(domain=domain, name="Glossary panel")
    page = StandardPageFactory(parent=home, title="Pricing", slug="pricing")
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(days=2)
    events = visit(domain, start, 1, "Google", [("pageview", "/pricing/", {})])
    with mover_serving(events, log_dir=tmp_path):
        answer = client_for(editor).get(f"/admin/analytics/page/{page.pk}/")
    assert answer.status_code == 200, answer.content
    fragment = answer.content.decode()
    assert 'data-figure="visitors">1<' in fragment
    for slug in ("pageview", "visitor", "page-speed", "lcp"):
        assert f'data-term="{slug}"' in fragment, slug
        assert _explanation(slug) in fragment, slug


def test_a_proposal_on_an_older_text_is_not_applied_over_a_newer_one(
    editor: AbstractUser, publisher: AbstractUser, cio: AbstractUser
) -> None:
    client_for(editor).post(f"{INDEX}bounce-rate/propose/", _edit(for_it="First. Version."))
    client_for(publisher).post(f"{INDEX}bounce-rate/propose/", _edit(for_it="Second. Version."))
    first, second = GlossaryProposal.objects.order_by("created_at")
    client = client_for(cio)
    client.post(f"{INDEX}proposals/{first.pk}/decide/", {"decision": "accept"})
    answer = client.post(
        f"{INDEX}proposals/{second.pk}/decide/", {"decision": "accept"}, follow=True
    )
    assert "changed since this was proposed" in answer.content.decode()
    second.refresh_from_db()
    assert second.status == "pending"
    assert GlossaryTerm.objects.get(slug="bounce-rate").for_it == "First. Version."


def test_a_proposal_that_changes_nothing_is_refused(editor: AbstractUser) -> None:
    response = client_for(editor).post(f"{INDEX}bounce-rate/propose/", _edit())
    assert response.status_code == 400
    assert "already says" in response.content.decode()
    assert not GlossaryProposal.objects.exists()


def test_a_change_reloads_the_terms_once_here_and_in_every_other_process(
    editor: AbstractUser,
    cio: AbstractUser,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
) -> None:
    monkeypatch.setattr(glossary, "GENERATION_CHECK_SECONDS", 0.0)  # read the token every call
    glossary.explanation("sso")
    with django_assert_num_queries(0):  # kept in the process
        glossary.explanation("sso")
    sso = GlossaryTerm.objects.get(slug="sso")
    text = replace(services.TermText.of(sso), for_it="One sign-in for every tool. Revoke once.")
    proposal = services.propose(user=editor, text=text, term=sso)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(user=cio, proposal=proposal)
    # Within the second, before it reads the token again: the accepted text, read once.
    monkeypatch.setattr(glossary, "GENERATION_CHECK_SECONDS", 3600.0)
    with django_assert_num_queries(1):
        assert glossary.explanation("sso").for_it == text.for_it  # type: ignore[union-attr]
    monkeypatch.setattr(glossary, "GENERATION_CHECK_SECONDS", 0.0)
    with django_assert_num_queries(0):  # the token it wrote itself is not news to it
        glossary.explanation("sso")
    # Another process's change: a token this one has not seen.
    caches["default"].set(glossary.GENERATION_KEY, "written-elsewhere", None)
    with django_assert_num_queries(1):
        glossary.explanation("sso")
