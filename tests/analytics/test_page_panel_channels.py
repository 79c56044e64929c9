"""The page panel's "By channel" table: visits that came through the page's distributed (UTM
tagged) links, by channel, with visitors and conversions, read from a real DuckDB store through
the real mover, checked against plain Python over the same events."""

import dataclasses
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.html import escape
from wagtail.models import Page

from commonground.analytics.eventstore import Event
from commonground.analytics.models import TrackedSite
from commonground.analytics.reports.page_panel import page_campaign
from commonground.distribution.services import campaign_of

from ..browser import browser_test, launch_chromium
from ..conftest import client_for, sign_in_to_admin
from ..content.factories import LandingPageFactory, StandardPageFactory
from .served_store import Step, mover_serving
from .served_store import visit as served_visit
from .test_page_panel import _domain, _goals, _rows, _serve_home_at

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
# The goals of _goals that a visit to /pricing/ can reach: "Visit /pricing/" is the page itself
# and is left out, as in the panel's Conversions table.
GOAL_EVENTS = {"Signup", "Purchase"}
GOAL_PAGES = {"/signup/"}


def _visit(
    site: str,
    *,
    days_ago: int,
    hours: int = 1,
    visitor: int,
    session: int,
    tags: tuple[str, str, str] | None,
    steps: list[Step],
) -> list[Event]:
    """One visit, its (utm_source, utm_medium, utm_campaign) on its first event, as the
    tracker reports the landing URL's tags; ``session`` lets one visitor have two visits."""
    events = served_visit(site, NOW - timedelta(days=days_ago, hours=hours), visitor, "", steps)
    events = [dataclasses.replace(event, session_id=session) for event in events]
    if tags is not None:
        source, medium, campaign = tags
        events[0] = dataclasses.replace(
            events[0],
            utm_source=source,
            utm_medium=medium,
            utm_campaign=campaign,
            referrer_source=source.capitalize(),
        )
    return events


def _events(domain: str, other_domain: str) -> list[Event]:
    newsletter = ("newsletter", "email", "pricing")
    mastodon = ("mastodon", "social", "pricing")
    on_pricing: list[Step] = [("pageview", "/pricing/")]
    return [
        # The newsletter: visitor 1 twice the same day (signs up in the first visit), 2 signs
        # up through the sign-up page goal, 3 only reads.
        *_visit(
            domain,
            days_ago=2,
            hours=3,
            visitor=1,
            session=11,
            tags=newsletter,
            steps=[("pageview", "/pricing/"), ("Signup", "/pricing/")],
        ),
        *_visit(domain, days_ago=2, visitor=1, session=12, tags=newsletter, steps=on_pricing),
        *_visit(
            domain,
            days_ago=5,
            visitor=2,
            session=21,
            tags=newsletter,
            steps=[("pageview", "/pricing/"), ("pageview", "/signup/")],
        ),
        *_visit(domain, days_ago=6, visitor=3, session=31, tags=newsletter, steps=on_pricing),
        # Mastodon: one reads, one buys.
        *_visit(domain, days_ago=3, visitor=4, session=41, tags=mastodon, steps=on_pricing),
        *_visit(
            domain,
            days_ago=4,
            visitor=5,
            session=51,
            tags=mastodon,
            steps=[
                ("pageview", "/pricing/"),
                ("Purchase", "/pricing/", {"revenue_amount": 49.0, "revenue_currency": "EUR"}),
            ],
        ),
        # Bluesky: reaches only the page's own goal, which is no conversion here.
        *_visit(
            domain,
            days_ago=7,
            visitor=6,
            session=61,
            tags=("bluesky", "social", "pricing"),
            steps=on_pricing,
        ),
        # A feed reader, landing on the home page first.
        *_visit(
            domain,
            days_ago=1,
            visitor=7,
            session=71,
            tags=("rss", "feed", "pricing"),
            steps=[("pageview", "/"), ("pageview", "/pricing/")],
        ),
        # Not the page's campaign: another campaign, untagged, the 30 days before, another site.
        *_visit(
            domain,
            days_ago=2,
            visitor=8,
            session=81,
            tags=("newsletter", "email", "spring-launch"),
            steps=[("pageview", "/pricing/"), ("Signup", "/pricing/")],
        ),
        *_visit(
            domain,
            days_ago=3,
            visitor=9,
            session=91,
            tags=None,
            steps=[("pageview", "/pricing/"), ("Signup", "/pricing/")],
        ),
        *_visit(domain, days_ago=40, visitor=10, session=101, tags=newsletter, steps=on_pricing),
        *_visit(
            other_domain,
            days_ago=2,
            visitor=11,
            session=111,
            tags=newsletter,
            steps=[("pageview", "/pricing/"), ("Signup", "/pricing/")],
        ),
        # The landing page's campaign: tagged with its code, and once with its slug (no count).
        *_visit(
            domain,
            days_ago=2,
            visitor=12,
            session=121,
            tags=("linkedin", "social", "spring-launch"),
            steps=[("pageview", "/spring/"), ("Signup", "/spring/")],
        ),
        *_visit(
            domain,
            days_ago=2,
            visitor=13,
            session=131,
            tags=("linkedin", "social", "spring"),
            steps=[("pageview", "/spring/")],
        ),
    ]


def _expected(events: list[Event], *, site: str, campaign: str) -> list[list[str]]:
    """The table's rows computed in plain Python: a visit's tags are its first event's."""
    visits: dict[int, list[Event]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.ts):
        if event.site == site and event.ts >= NOW - timedelta(days=30):
            visits[event.session_id].append(event)
    by_channel: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(
        lambda: {"visits": set(), "visitors": set(), "converted": set()}
    )
    for session, visit_events in visits.items():
        first = visit_events[0]
        if first.utm_campaign != campaign:
            continue
        channel = by_channel[(first.utm_source, first.utm_medium)]
        channel["visits"].add(session)
        channel["visitors"].add(first.visitor_id)
        if any(
            e.name in GOAL_EVENTS or (e.name == "pageview" and e.pathname in GOAL_PAGES)
            for e in visit_events
        ):
            channel["converted"].add(first.visitor_id)
    rows = sorted(
        by_channel.items(),
        key=lambda item: (-len(item[1]["visits"]), -len(item[1]["visitors"]), item[0]),
    )
    return [
        [
            source,
            medium,
            str(len(counts["visits"])),
            str(len(counts["visitors"])),
            str(len(counts["converted"])),
            f"{round(len(counts['converted']) / len(counts['visitors']) * 100, 1)}%",
        ]
        for (source, medium), counts in rows
    ]


def _campaign_link(fragment: str) -> str:
    found = re.search(r'href="([^"]+)" data-campaign-dashboard-link', fragment)
    assert found, f"no campaign dashboard link in {fragment}"
    return found[1].replace("&amp;", "&")


def _pages(home: Page) -> tuple[Page, Page, Page]:
    pricing = StandardPageFactory(parent=home, title="Pricing", slug="pricing")
    about = StandardPageFactory(parent=home, title="About", slug="about")
    spring = LandingPageFactory(parent=home, slug="spring", campaign_code="spring-launch")
    return pricing, about, spring


@pytest.mark.slow
@pytest.mark.django_db
def test_the_panel_counts_visits_and_conversions_per_channel(home, editor, tmp_path) -> None:
    domain, other_domain = _domain(), _domain()
    _serve_home_at(domain)
    site = TrackedSite.objects.create(domain=domain, name="Channels")
    _goals(site)
    pricing, about, spring = _pages(home)
    events = _events(domain, other_domain)
    client = client_for(editor)

    with mover_serving(events, log_dir=tmp_path):
        answers = {
            page.slug: client.get(f"/admin/analytics/page/{page.pk}/")
            for page in (pricing, about, spring)
        }

    for answer in answers.values():
        assert answer.status_code == 200, answer.content
    fragment = answers["pricing"].content.decode()
    expected = _expected(events, site=domain, campaign="pricing")
    assert _rows(fragment, "channels") == expected
    # Written out once, so that a wrong plain computation cannot agree with a wrong panel.
    assert expected == [
        ["newsletter", "email", "4", "3", "2", "66.7%"],
        ["mastodon", "social", "2", "2", "1", "50.0%"],
        ["bluesky", "social", "1", "1", "0", "0.0%"],
        ["rss", "feed", "1", "1", "0", "0.0%"],
    ]
    assert "utm_campaign=pricing" in fragment
    assert "data-channels-empty" not in fragment

    # The dashboard, filtered to the campaign only (its Campaigns panel then lists the channels).
    link = urlsplit(_campaign_link(fragment))
    assert link.path == "/admin/analytics/"
    assert parse_qs(link.query) == {
        "site": [domain],
        "period": ["30d"],
        "f.visit:utm_campaign": ["pricing"],
    }

    # A landing page is its campaign code, not its slug.
    spring_fragment = answers["spring"].content.decode()
    assert _rows(spring_fragment, "channels") == _expected(
        events, site=domain, campaign="spring-launch"
    )
    assert _rows(spring_fragment, "channels") == [
        ["linkedin", "social", "1", "1", "1", "100.0%"],
        ["newsletter", "email", "1", "1", "1", "100.0%"],
    ]
    assert parse_qs(urlsplit(_campaign_link(spring_fragment)).query)["f.visit:utm_campaign"] == [
        "spring-launch"
    ]

    # A page no channel has brought anyone to (the site has tagged visits of other campaigns).
    about_fragment = answers["about"].content.decode()
    assert 'data-figure="channels"' not in about_fragment
    assert "data-campaign-dashboard-link" not in about_fragment
    empty = re.search(r"data-channels-empty>(.*?)</p>", about_fragment, re.S)
    assert empty, about_fragment
    assert "No channel has brought visits to this page" in empty[1]
    assert escape("tagged utm_campaign=about automatically") in empty[1]
    assert "Distribute tab" in empty[1]


@pytest.mark.django_db
def test_the_panels_campaign_is_the_one_distribution_tags_links_with(home) -> None:
    pricing, _, spring = _pages(home)
    coded = LandingPageFactory(parent=home, slug="no-code", campaign_code="")
    for page in (pricing, spring, coded):
        assert page_campaign(page.specific) == campaign_of(page)
    assert [page_campaign(p.specific) for p in (pricing, spring, coded)] == [
        "pricing",
        "spring-launch",
        "no-code",
    ]


@browser_test
def test_the_channel_table_renders_in_a_real_browser(live_url: str, home, editor, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    domain = _domain()
    _serve_home_at(domain)
    site = TrackedSite.objects.create(domain=domain, name="Browser channels")
    _goals(site)
    pricing, _, _ = _pages(home)

    with mover_serving(_events(domain, _domain()), log_dir=tmp_path), sync_playwright() as pw:
        browser = launch_chromium(pw)
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, editor.username)
        tab.goto(f"{live_url}/admin/pages/{pricing.pk}/edit/")
        tab.locator("#tab-label-analytics").click()
        rows = tab.locator('[data-figure="channels"] tbody tr')
        rows.first.wait_for(timeout=20_000)
        shown = [row.split() for row in rows.all_inner_texts()]
        link = tab.locator("[data-campaign-dashboard-link]")
        visible = link.is_visible()
        link.click()
        tab.wait_for_url("**/admin/analytics/**")
        opened = tab.url
        browser.close()

    assert shown[0] == ["newsletter", "email", "4", "3", "2", "66.7%"]
    assert len(shown) == 4
    assert visible
    assert parse_qs(urlsplit(opened).query)["f.visit:utm_campaign"] == ["pricing"]
