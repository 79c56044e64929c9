"""A real browser signs in, opens the analytics dashboard, adds a note, filters by a source,
builds a funnel, follows a journey and chooses a saved segment.

Chromium (Debian's) talks to granian with two worker processes; the dashboard's queries go
to the real mover process, which answers them from a DuckDB store holding generated traffic
(and a few visitors sent to /api/event while the test runs, for the realtime card).
Clicking "Google" in the sources table must change the numbers of every panel (each one a
subset now, so smaller), and nothing may be loaded from anywhere but the test server.
The page is saved as test-artifacts/dashboard.png, the funnel and journeys as
test-artifacts/dashboard-funnel-journey.png.
"""

import json
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from commonground.analytics.eventstore.generator import generate_traffic
from commonground.analytics.models import Goal, Segment, TrackedSite
from commonground.analytics.queries import (
    FunnelRunner,
    JourneyRunner,
    StatsRunner,
    parse_funnel,
    parse_journey,
    parse_query,
)
from commonground.core import roles

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..core.factories import UserFactory
from ..processes import REPO_ROOT, wait_for
from .served_store import serving_mover

SITE = "dashboard.example"
ARTIFACT = REPO_ROOT / "test-artifacts" / "dashboard.png"
INSIGHTS_ARTIFACT = REPO_ROOT / "test-artifacts" / "dashboard-funnel-journey.png"
# Visitors browsing while the test runs: one page view each, a visitor per user agent.
LIVE_PAGES = ["/pricing/", "/pricing/", "/docs/"]
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{}.0.0.0 Safari/537.36"
)
FUNNEL_STEPS = [{"page": "/"}, {"goal": "Signup"}]
UPLOT = REPO_ROOT / "src/commonground/analytics/static/analytics/vendor/uplot/uPlot.iife.min.js"
PANELS = ["kpis", "graph", "sources", "campaigns", "pages", "locations", "devices", "goals",
          "properties", "speed"]  # fmt: skip

pytestmark = BROWSER_TEST

# Every panel's numbers, read from the page: the raw values the script writes into
# data-value (KPIs, table cells, the graph's data table) and each table's first column.
SNAPSHOT_JS = """
(panels) => Object.fromEntries(panels.map((name) => {
  const panel = document.querySelector(`[data-panel="${name}"]`);
  const numbers = [...panel.querySelectorAll('[data-value]')]
    .map((cell) => cell.dataset.value === '' ? null : Number(cell.dataset.value));
  const firstColumn = [...panel.querySelectorAll('table.cg-table tbody tr')]
    .map((row) => Number(row.querySelector('td[data-value]').dataset.value));
  const graph = [...panel.querySelectorAll('#cg-graph-table tbody tr td:nth-of-type(1)')]
    .map((cell) => Number(cell.dataset.value));
  const previous = [...panel.querySelectorAll('#cg-graph-table tbody tr td:nth-of-type(2)')]
    .map((cell) => Number(cell.dataset.value));
  return [name, {state: panel.dataset.state, numbers, firstColumn, graph, previous}];
}))
"""
SETTLED_JS = """
(panels) => document.querySelector('#cg-dashboard').getAttribute('aria-busy') === 'false'
  && panels.every((name) =>
       document.querySelector(`[data-panel="${name}"]`).dataset.state !== 'loading')
"""


def _generate_history() -> None:
    # Before the mover starts: the generator writes the DuckDB file directly and needs it
    # unlocked. Seventy days: the last 30 and the 30 before them (the comparison).
    generate_traffic(
        path=settings.EVENT_STORE["OPTIONS"]["path"],
        site=SITE,
        events=40_000,
        days=70,
        end_day=date.today() - timedelta(days=1),
        seed=11,
    )


def test_filtering_by_a_source_changes_every_panel(live_url: str, tmp_path: Path) -> None:
    assert UPLOT.is_file(), "uPlot is missing: run `make install` (scripts/fetch_vendor_assets.py)"
    site = TrackedSite.objects.create(domain=SITE, name="Dashboard test", time_zone="UTC")
    for name in ("Signup", "File Download"):
        Goal.objects.create(site=site, event_name=name, display_name=name)
    segment = Segment.objects.create(
        site=site, name="From Google", filters=[["is", "visit:source", ["Google"]]]
    )
    user = UserFactory(roles=[roles.MARKETING_PUBLISHER])
    _generate_history()
    note_day = (date.today() - timedelta(days=5)).isoformat()
    with serving_mover(log_dir=tmp_path) as mover:
        for index, path in enumerate(LIVE_PAGES):
            _send_pageview(live_url, path, index)
        # Stored before the page opens: every snapshot below must see the same events.
        wait_for(lambda: _visitors_now() == len(LIVE_PAGES), timeout=30)
        (
            (before, after, unfiltered, marker_count, outside, errors, chip, url, csv_lines),
            seen,
        ) = _drive_browser(live_url, user.username, note_day)
        expected_funnel = (
            FunnelRunner()
            .run(parse_funnel({"site_id": SITE, "date_range": "30d", "steps": FUNNEL_STEPS}))
            .as_json()
        )
        expected_journey = (
            JourneyRunner()
            .run(
                parse_journey({"site_id": SITE, "date_range": "30d", "page": seen["journey_page"]})
            )
            .as_json()
        )
        mover_log = mover.log_tail()

    assert not errors, f"script errors: {errors}\nmover log:\n{mover_log}"
    assert not outside, f"requests that left the test server: {outside}"
    for name in PANELS:
        assert before[name]["state"] == "ready", (name, before[name], mover_log)
        assert after[name]["state"] == "ready", (name, after[name])
        assert before[name]["numbers"], f"{name} showed no numbers"
        assert after[name]["numbers"] != before[name]["numbers"], f"{name} did not change"
    # Google's visitors are a subset of everyone's: every count went down.
    assert after["kpis"]["numbers"][0] < before["kpis"]["numbers"][0]
    assert sum(after["graph"]["graph"]) < sum(before["graph"]["graph"])
    # The previous 30 days, drawn under this period's: the history covers them too.
    assert 0 < sum(after["graph"]["previous"]) < sum(before["graph"]["previous"])
    for name in PANELS[2:]:
        assert sum(after[name]["firstColumn"]) < sum(before[name]["firstColumn"]), name
    assert after["sources"]["firstColumn"] == after["kpis"]["numbers"][:1]  # only Google left
    assert chip == "Source is Google"
    assert "f.visit%3Asource=Google" in url
    assert marker_count >= 1, "the note is not marked on the graph"
    assert csv_lines[0] == "visit:source,visitors,bounce_rate"
    assert csv_lines[1].startswith(f"Google,{after['sources']['firstColumn'][0]},")
    assert len(csv_lines) == 2
    assert unfiltered["kpis"]["numbers"] == before["kpis"]["numbers"]
    assert unfiltered["sources"]["firstColumn"] == before["sources"]["firstColumn"]
    assert ARTIFACT.stat().st_size > 10_000

    # Realtime: the visitors sent a moment ago, and their pages.
    assert seen["realtime"] == len(LIVE_PAGES)
    assert seen["realtime_pages"][:2] == [["/pricing/", 2], ["/docs/", 1]]
    assert seen["realtime_refreshed"], "the card did not show a visitor who came later"
    assert seen["realtime_asks_hidden"] == 0, "the card kept asking while the tab was hidden"
    assert seen["realtime_asks_shown"] >= 1, "the card did not ask again once shown"
    # The funnel built in the page shows what the query layer answers for it.
    assert seen["funnel_steps"] == ["page:/", "goal:Signup"]
    assert seen["funnel"] == [step["visitors"] for step in expected_funnel["steps"]]
    assert 0 < seen["funnel"][1] < seen["funnel"][0]
    assert seen["funnel_while_adding"] == 3
    assert seen["funnel_remembered"] == ["page:/", "goal:Signup"]
    # The journey followed by clicking a page in a path.
    assert seen["journey_page"] != seen["first_journey_page"]
    assert f"journey={seen['journey_page'].replace('/', '%2F')}" in seen["journey_url"]
    assert seen["journey_into"] == [
        [" → ".join(row["path"]), row["visits"]] for row in expected_journey["into"]
    ]
    assert seen["journey_into"], "no paths into the page"
    assert INSIGHTS_ARTIFACT.stat().st_size > 10_000
    # The segment "From Google" is the filter "Source is Google", saved.
    assert seen["segment_chip"] == "Segment: From Google"
    assert f"segment={segment.pk}" in seen["segment_url"]
    assert seen["segment_kpis"] == after["kpis"]["numbers"]
    assert seen["segment_funnel"][0] < seen["funnel"][0]


def _send_pageview(live_url: str, path: str, visitor: int) -> None:
    """A page view of SITE sent to /api/event as a browser would, ``visitor`` choosing its
    user agent (and so its visitor id); sent again until the server knows the new site."""
    body = json.dumps({"n": "pageview", "u": f"https://{SITE}{path}", "d": SITE}).encode()

    def accepted() -> bool:
        request = urllib.request.Request(
            f"{live_url}/api/event",
            data=body,
            headers={"Content-Type": "text/plain", "User-Agent": CHROME_UA.format(120 + visitor)},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 202 and not response.headers.get("X-Dropped")

    wait_for(accepted, timeout=10)


def _visitors_now() -> int:
    answer = (
        StatsRunner()
        .run(parse_query({"site_id": SITE, "date_range": "realtime", "metrics": ["visitors"]}))
        .as_json()
    )
    return int(answer["results"][0]["metrics"][0]) if answer["results"] else 0


def _drive_browser(
    live_url: str, username: str, note_day: str
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    # Imported here, and no ORM use inside: Playwright runs an event loop in this thread.
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, "--disable-background-networking")
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((live_url, "data:", "blob:")) or _wagtail_avatar(r)
                else outside.append(f"{r.resource_type} {r.url}")
            ),
        )
        tab.on("pageerror", lambda error: errors.append(str(error)))
        realtime_asks: list[float] = []
        tab.on(
            "request",
            lambda r: (
                realtime_asks.append(time.monotonic())
                if r.method == "POST" and '"date_range":"realtime"' in (r.post_data or "")
                else None
            ),
        )
        sign_in_to_admin(tab, live_url, username)
        # Through the menu, as a person would.
        tab.get_by_role("link", name="Analytics").first.click()
        tab.wait_for_url(f"{live_url}/admin/analytics/")
        _settle(tab, errors)
        before = tab.evaluate(SNAPSHOT_JS, PANELS)
        seen: dict[str, Any] = _read_realtime(tab)

        # A note on the graph, through the form.
        tab.fill("#cg-annotation-date", note_day)
        tab.fill("#cg-annotation-text", "Spring newsletter sent")
        tab.get_by_role("button", name="Add note").click()
        tab.locator("#cg-annotation-list li", has_text="Spring newsletter sent").wait_for()
        markers = tab.locator("#cg-graph-chart .cg-marker-note")
        markers.first.wait_for(state="attached")
        marker_count = markers.count()

        # The filter: a link, so the keyboard reaches it; Enter follows it like a click.
        google = tab.locator('[data-panel="sources"] a.cg-filter-link[data-value="Google"]')
        google.focus()
        tab.keyboard.press("Enter")
        tab.locator("#cg-filter-chips li").wait_for()
        _settle(tab, errors)
        after = tab.evaluate(SNAPSHOT_JS, PANELS)
        chip = tab.locator("#cg-filter-chips li span").inner_text()
        url = tab.url
        with tab.expect_download() as download:
            tab.locator('[data-csv="sources"]').click()
        csv_lines = Path(download.value.path()).read_text().splitlines()
        _save_screenshot(tab)

        # Removing the chip brings back what was shown before.
        tab.get_by_role("button", name="Remove filter: Source is Google").click()
        _settle(tab, errors)
        unfiltered = tab.evaluate(SNAPSHOT_JS, PANELS)

        seen.update(_build_a_funnel(tab, errors))
        seen.update(_follow_a_journey(tab))
        tab.locator("#cg-funnels-journeys").screenshot(path=str(INSIGHTS_ARTIFACT))
        seen.update(_choose_a_segment(tab, errors))
        seen.update(_realtime_follows_visibility(tab, live_url, realtime_asks))
        browser.close()
    return (before, after, unfiltered, marker_count, outside, errors, chip, url, csv_lines), seen


REALTIME_JS = """
() => ({
  visitors: Number(document.getElementById('cg-realtime-visitors').dataset.value),
  pages: [...document.querySelectorAll('#cg-realtime-pages tbody tr')].map((row) =>
    [row.querySelector('a').dataset.value, Number(row.querySelector('td').dataset.value)]),
})
"""
STEP_VISITORS_JS = """
() => [...document.querySelectorAll('[data-panel="funnel"] tbody tr td:nth-of-type(1)')]
  .map((cell) => Number(cell.dataset.value))
"""
PANEL_READY_JS = """
(name) => document.querySelector(`[data-panel="${name}"]`).dataset.state === 'ready'
"""


def _read_realtime(tab: Any) -> dict[str, Any]:
    tab.locator('#cg-realtime[data-state="ready"]').wait_for(state="visible", timeout=30_000)
    shown = tab.evaluate(REALTIME_JS)
    return {"realtime": shown["visitors"], "realtime_pages": shown["pages"]}


def _funnel_ready(tab: Any, steps: int) -> list[int]:
    tab.wait_for_function(
        "(steps) => document.querySelector('[data-panel=\"funnel\"]').dataset.state === 'ready'"
        " && document.querySelectorAll('[data-panel=\"funnel\"] tbody tr').length === steps",
        arg=steps,
        timeout=30_000,
    )
    visitors: list[int] = tab.evaluate(STEP_VISITORS_JS)
    return visitors


def _build_a_funnel(tab: Any, errors: list[str]) -> dict[str, Any]:
    """Home page, then the Signup goal; a third step added and removed on the way."""
    tab.select_option("#cg-funnel-step-0", "page:/")
    tab.select_option("#cg-funnel-step-1", "goal:Signup")
    tab.get_by_role("button", name="Add step").click()
    while_adding = len(_funnel_ready(tab, 3))
    tab.get_by_role("button", name="Remove step 3").click()
    visitors = _funnel_ready(tab, 2)
    steps = tab.eval_on_selector_all(
        ".cg-funnel-step", "(items) => items.map((i) => i.dataset.step)"
    )
    # Remembered per site in this browser: a reload shows the same funnel.
    tab.reload()
    _settle(tab, errors)
    _funnel_ready(tab, 2)
    remembered = tab.eval_on_selector_all(
        ".cg-funnel-step select", "(selects) => selects.map((s) => s.value)"
    )
    return {
        "funnel": visitors,
        "funnel_steps": steps,
        "funnel_while_adding": while_adding,
        "funnel_remembered": remembered,
    }


def _follow_a_journey(tab: Any) -> dict[str, Any]:
    """The journeys of the default page, then of a page clicked in one of its paths."""
    tab.wait_for_function(PANEL_READY_JS, arg="journey", timeout=30_000)
    first_page = tab.input_value("#cg-journey-page")
    link = tab.locator('[data-direction="out_of"] a.cg-path-link').first
    page = link.get_attribute("data-page")
    link.click()
    tab.locator("#cg-journey-into-title", has_text=f"Into {page}").wait_for()
    tab.wait_for_function(PANEL_READY_JS, arg="journey", timeout=30_000)
    into = tab.evaluate(
        """() => [...document.querySelectorAll('[data-direction="into"] tbody tr')].map((row) => [
            [...row.querySelectorAll('.cg-path li')].map((li) => li.dataset.page).join(' → '),
            Number(row.querySelector('td').dataset.value),
        ])"""
    )
    return {
        "first_journey_page": first_page,
        "journey_page": tab.input_value("#cg-journey-page"),
        "journey_url": tab.url,
        "journey_into": into,
    }


def _choose_a_segment(tab: Any, errors: list[str]) -> dict[str, Any]:
    tab.select_option("#cg-segment", label="From Google")
    tab.locator("#cg-filter-chips li.cg-chip-segment").wait_for()
    _settle(tab, errors)
    _funnel_ready(tab, 2)
    return {
        "segment_chip": tab.locator("#cg-filter-chips li.cg-chip-segment span").inner_text(),
        "segment_url": tab.url,
        "segment_kpis": tab.evaluate(SNAPSHOT_JS, ["kpis"])["kpis"]["numbers"],
        "segment_funnel": tab.evaluate(STEP_VISITORS_JS),
    }


def _realtime_follows_visibility(tab: Any, live_url: str, asks: list[float]) -> dict[str, Any]:
    """A visitor arriving now appears within a refresh; a hidden tab asks nothing."""
    tab.select_option("#cg-segment", label="All visitors")
    # A page the generated site does not have: it cannot be on the journey checked above.
    _send_pageview(live_url, "/live-now/", len(LIVE_PAGES))
    refreshed = tab.wait_for_function(
        "() => [...document.querySelectorAll('#cg-realtime-pages a')]"
        ".some((a) => a.dataset.value === '/live-now/')",
        timeout=30_000,
    )
    visibility = """(hidden) => {
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }"""
    tab.evaluate(visibility, True)
    hidden_at = time.monotonic()
    tab.wait_for_timeout(12_000)  # longer than the card's ten seconds
    shown_at = time.monotonic()
    tab.evaluate(visibility, False)
    tab.wait_for_timeout(2_000)
    return {
        "realtime_refreshed": bool(refreshed),
        "realtime_asks_hidden": sum(hidden_at < t < shown_at for t in asks),
        "realtime_asks_shown": sum(t > shown_at for t in asks),
    }


def _save_screenshot(tab: Any) -> None:
    """The whole dashboard in one picture: Wagtail scrolls an inner element, not the page,
    so the window is made as tall as the dashboard instead."""
    height = tab.evaluate("document.getElementById('cg-dashboard').getBoundingClientRect().height")
    tab.set_viewport_size({"width": 1400, "height": int(height) + 250})
    tab.evaluate("document.querySelectorAll('*').forEach((e) => { e.scrollTop = 0; })")
    tab.evaluate("document.activeElement.blur()")
    tab.wait_for_timeout(300)  # the graph follows the new width (ResizeObserver)
    ARTIFACT.parent.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACT), full_page=True)


def _wagtail_avatar(request: Any) -> bool:
    # Wagtail's own user avatars come from Gravatar unless WAGTAIL_GRAVATAR_PROVIDER_URL is
    # None, a project setting outside the dashboard; everything else must stay local.
    return bool(
        request.resource_type == "image"
        and request.url.split("://", 1)[-1].startswith("www.gravatar.com/avatar/")
    )


def _settle(tab: Any, errors: list[str]) -> None:
    """Wait until every panel has its answer; if one never comes, say which and why."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        tab.wait_for_function(SETTLED_JS, arg=PANELS, timeout=60_000)
    except PlaywrightTimeout:
        states = tab.evaluate(
            """(panels) => panels.map((name) => {
                const panel = document.querySelector(`[data-panel="${name}"]`);
                return panel ? [name, panel.dataset.state, panel.innerText.slice(0, 200)] : [name];
            })""",
            PANELS,
        )
        states.append(tab.url)
        states.append(tab.locator("main").inner_text()[:500])
        ARTIFACT.parent.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACT), full_page=True)
        raise AssertionError(f"panels still loading: {states}; errors: {errors}") from None
