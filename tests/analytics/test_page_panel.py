"""The page editor's Analytics panel: the shell in the editor, the figures it fetches (read from
a real DuckDB store through the real mover's query service), and every reason to show none."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from wagtail.models import Page, Site

from commonground.analytics.eventstore import Event, get_query_client
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import Goal, TrackedSite
from commonground.content.models import HomePage

from ..browser import browser_test, launch_chromium
from ..conftest import client_for, sign_in_to_admin
from ..content.factories import StandardPageFactory
from ..core.factories import UserFactory
from .served_store import Step, mover_serving
from .served_store import visit as served_visit
from .test_dashboard import serving

FIGURE = re.compile(r'<strong data-figure="(\w+)">([^<]*)<')


def _domain() -> str:
    # The session's store is shared by every test: each test counts a site of its own.
    return f"panel-{uuid.uuid4().hex[:10]}.example"


def _serve_home_at(domain: str) -> None:
    Site.objects.filter(is_default_site=True).update(hostname=domain)
    Site.clear_site_root_paths_cache()


def _events(domain: str) -> list[Event]:
    """Visits on and around /pricing/ in the last 30 days, and one in the 30 days before."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def visit(days_ago: int, visitor: int, source: str, steps: list[Step]) -> list[Event]:
        return served_visit(domain, now - timedelta(days=days_ago, hours=1), visitor, source, steps)

    def vitals(lcp: float, inp: float, cls: float, ttfb: float) -> dict[str, Any]:
        return {"interactive": False, "lcp_ms": lcp, "inp_ms": inp, "cls": cls, "ttfb_ms": ttfb}

    return [
        # A: from Google, home, then pricing, signs up there.
        *visit(
            3,
            1,
            "Google",
            [
                ("pageview", "/", {}),
                ("pageview", "/pricing/", {}),
                ("Web Vitals", "/pricing/", vitals(1000, 100, 0.05, 200)),
                ("Signup", "/pricing/", {}),
            ],
        ),
        # B: from Google straight onto pricing, reloads it.
        *visit(
            5,
            2,
            "Google",
            [
                ("pageview", "/pricing/", {}),
                ("Web Vitals", "/pricing/", vitals(3000, 300, 0.15, 600)),
                ("pageview", "/pricing/", {}),
            ],
        ),
        # C: direct, pricing, then signs up and buys on another page.
        *visit(
            10,
            3,
            "",
            [
                ("pageview", "/pricing/", {}),
                ("pageview", "/signup/", {}),
                ("Signup", "/signup/", {}),
                ("Purchase", "/signup/", {"revenue_amount": 99.0, "revenue_currency": "EUR"}),
            ],
        ),
        # D: never sees pricing; its sign-up and page speed are not the page's.
        *visit(
            2,
            4,
            "Hacker News",
            [
                ("pageview", "/", {}),
                ("Web Vitals", "/", vitals(9000, 900, 0.9, 3000)),
                ("Signup", "/", {}),
            ],
        ),
        # E: the 30 days before.
        *visit(40, 5, "", [("pageview", "/pricing/", {})]),
    ]


def _goals(site: TrackedSite) -> None:
    for name, kind, event_name, page_path in (
        ("Signup", Goal.Kind.EVENT, "Signup", ""),
        ("Purchase", Goal.Kind.EVENT, "Purchase", ""),
        ("Visit /signup/", Goal.Kind.PAGE, "", "/signup/"),
        ("Visit /pricing/", Goal.Kind.PAGE, "", "/pricing/"),  # the page itself: left out
    ):
        Goal.objects.create(
            site=site, display_name=name, kind=kind, event_name=event_name, page_path=page_path
        )


def _figures(html: str) -> dict[str, str]:
    return {name: value.strip() for name, value in FIGURE.findall(html)}


def _rows(html: str, figure: str) -> list[list[str]]:
    table = re.search(rf'data-figure="{figure}">(.*?)</table>', html, re.S)
    assert table, f"no {figure} table in {html}"
    body = table[1].split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _fragment_url(edit_html: str) -> str:
    found = re.search(r'data-analytics-page-panel data-url="([^"]+)"', edit_html)
    assert found, "the editor has no analytics panel"
    return found[1]


# --- the figures, through the mover ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_the_editor_shows_the_pages_last_30_days(home: HomePage, editor, tmp_path: Path) -> None:
    domain = _domain()
    _serve_home_at(domain)
    site = TrackedSite.objects.create(domain=domain, name="Panel test")
    _goals(site)
    pricing = StandardPageFactory(parent=home, title="Pricing", slug="pricing")
    client = client_for(editor)

    edit = client.get(f"/admin/pages/{pricing.pk}/edit/")
    assert edit.status_code == 200
    html = edit.content.decode()
    assert 'id="tab-label-analytics"' in html
    assert "analytics/page_panel/page_panel.js" in html
    url = _fragment_url(html)
    assert url == f"/admin/analytics/page/{pricing.pk}/"

    with mover_serving(_events(domain), log_dir=tmp_path):
        answer = client.get(url)

    assert answer.status_code == 200, answer.content
    assert answer["X-Analytics-Fragment"] == "1"
    fragment = answer.content.decode()
    assert _figures(fragment) == {"pageviews": "4", "visitors": "3"}
    assert "+300%" in fragment and "+200%" in fragment  # against 1 view by 1 visitor before
    assert _rows(fragment, "sources") == [["Google", "2"], ["Direct / none", "1"]]
    assert _rows(fragment, "conversions") == [
        ["Signup", "2", "66.7%"],
        ["Purchase", "1", "33.3%"],
        ["Visit /signup/", "1", "33.3%"],
    ]
    assert _rows(fragment, "speed") == [
        ["Largest Contentful Paint", "2,500 ms", "good"],
        ["Interaction to Next Paint", "250 ms", "needs improvement"],
        ["Cumulative Layout Shift", "0.125", "needs improvement"],
        ["Time to First Byte", "500 ms", "good"],
    ]
    assert (
        f'href="/admin/analytics/?site={domain}&amp;period=30d&amp;f.event%3Apage=%2Fpricing%2F"'
        in fragment
    )


# --- why there are no figures ----------------------------------------------------------------


@pytest.fixture
def store_down(settings, tmp_path: Path) -> Any:
    settings.ANALYTICS_STORE_SOCKET = tmp_path / "nobody-serves-this.sock"
    get_query_client.cache_clear()
    yield
    get_query_client.cache_clear()


@pytest.mark.django_db
def test_a_stopped_store_is_a_message_not_an_error(home, editor, store_down) -> None:
    domain = _domain()
    _serve_home_at(domain)
    TrackedSite.objects.create(domain=domain, name="Down")
    page = StandardPageFactory(parent=home, title="Anything")
    client = client_for(editor)
    # The editor itself does not wait for the store.
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    answer = client.get(f"/admin/analytics/page/{page.pk}/")
    assert answer.status_code == 503
    assert answer["X-Analytics-Fragment"] == "1"
    assert "the event store is not running" in answer.content.decode()


@pytest.fixture
def failing_store(settings, tmp_path: Path) -> Iterator[None]:
    """A store never migrated: it fails every query, as SQL of ours that is wrong would."""
    with serving(DuckDBEventStore(tmp_path / "unmigrated.duckdb"), settings):
        yield


@pytest.mark.django_db
def test_a_store_failing_a_query_is_a_logged_500(home, editor, failing_store, caplog) -> None:
    domain = _domain()
    _serve_home_at(domain)
    TrackedSite.objects.create(domain=domain, name="Failing")
    page = StandardPageFactory(parent=home, title="Anything")
    answer = client_for(editor).get(f"/admin/analytics/page/{page.pk}/")
    assert answer.status_code == 500  # as the dashboard and the Stats API answer it
    assert answer["X-Analytics-Fragment"] == "1"
    assert "Analytics could not be computed" in answer.content.decode()
    assert f"the store failed a query for the analytics panel of page {page.pk}" in caplog.text


@pytest.mark.django_db
def test_pages_without_visits_say_why(home, editor, store_down) -> None:
    # The store is down: each message below is decided before it would be asked.
    domain = _domain()
    _serve_home_at(domain)
    client = client_for(editor)
    draft = StandardPageFactory(parent=home, title="Draft", live=False)
    untracked = StandardPageFactory(parent=home, title="Untracked")
    outside = StandardPageFactory(parent=Page.get_first_root_node(), title="Outside every site")

    def message(page: Page) -> str:
        answer = client.get(f"/admin/analytics/page/{page.pk}/")
        assert answer.status_code == 200
        found = re.search(r"data-analytics-message>(.*?)</p>", answer.content.decode(), re.S)
        assert found, answer.content
        return found[1]

    assert "has not been published yet" in message(draft)
    assert f"Visits to {domain} are not counted" in message(untracked)
    assert "no address on any site" in message(outside)
    assert client.get("/admin/analytics/page/999999/").status_code == 404

    # A page being created has no figures to fetch.
    add = client.get(f"/admin/pages/add/content/standardpage/{home.pk}/")
    assert add.status_code == 200
    assert "data-analytics-page-panel" not in add.content.decode()
    assert "once the page has been published" in add.content.decode()


@pytest.mark.django_db
def test_without_the_dashboard_permission_there_is_no_panel(home) -> None:
    # Someone who may edit pages but not see analytics (a role IT might make).
    group = Group.objects.create(name="Editors without analytics")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    from wagtail.models import GroupPagePermission

    GroupPagePermission.objects.create(
        group=group, page=home, permission=Permission.objects.get(codename="change_page")
    )
    user = UserFactory()
    user.groups.add(group)
    page = StandardPageFactory(parent=home, title="No numbers for you")
    client = client_for(user)
    edit = client.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    assert "data-analytics-page-panel" not in edit.content.decode()
    answer = client.get(f"/admin/analytics/page/{page.pk}/")
    assert answer.status_code == 403
    assert Client().get(f"/admin/analytics/page/{page.pk}/").status_code == 302  # to login


# --- in a real browser -----------------------------------------------------------------------


@browser_test
def test_the_panel_fills_in_in_a_real_browser(live_url: str, home, editor, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    domain = _domain()
    _serve_home_at(domain)
    site = TrackedSite.objects.create(domain=domain, name="Browser panel")
    _goals(site)
    pricing = StandardPageFactory(parent=home, title="Pricing", slug="pricing")
    username = editor.username

    with mover_serving(_events(domain), log_dir=tmp_path), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{pricing.pk}/edit/")
        tab.locator("#tab-label-analytics").click()
        views = tab.locator('[data-figure="pageviews"]')
        views.wait_for(timeout=20_000)
        shown = {
            "views": views.inner_text(),
            "visitors": tab.locator('[data-figure="visitors"]').inner_text(),
            "first goal": tab.locator('[data-figure="conversions"] tbody tr').first.inner_text(),
        }
        browser.close()

    assert shown["views"] == "4"
    assert shown["visitors"] == "3"
    assert shown["first goal"].split() == ["Signup", "2", "66.7%"]
