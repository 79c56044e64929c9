"""A real browser signs in, opens the analytics dashboard, adds a note, filters by a source.

Chromium (Debian's) talks to granian with two worker processes; the dashboard's queries go
to the real mover process, which answers them from a DuckDB store holding generated traffic.
Clicking "Google" in the sources table must change the numbers of every panel (each one a
subset now, so smaller), and nothing may be loaded from anywhere but the test server.
The page is saved as test-artifacts/dashboard.png.
"""

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from commonground.analytics.generator import generate_traffic
from commonground.analytics.models import Goal, TrackedSite
from commonground.core import roles

from ..conftest import sign_in_to_admin
from ..core.factories import UserFactory
from ..processes import REPO_ROOT
from .served_store import serving_mover

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SITE = "dashboard.example"
ARTIFACT = REPO_ROOT / "test-artifacts" / "dashboard.png"
UPLOT = REPO_ROOT / "src/commonground/analytics/static/analytics/vendor/uplot/uPlot.iife.min.js"
PANELS = ["kpis", "graph", "sources", "campaigns", "pages", "locations", "devices", "goals",
          "properties", "speed"]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Debian's chromium is not installed"
    ),
]

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
    user = UserFactory(roles=[roles.MARKETING_PUBLISHER])
    _generate_history()
    note_day = (date.today() - timedelta(days=5)).isoformat()
    with serving_mover(log_dir=tmp_path) as mover:
        before, after, unfiltered, marker_count, outside, errors, chip, url, csv_lines = (
            _drive_browser(live_url, user.username, note_day)
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


def _drive_browser(live_url: str, username: str, note_day: str) -> tuple[Any, ...]:
    # Imported here, and no ORM use inside: Playwright runs an event loop in this thread.
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
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
        sign_in_to_admin(tab, live_url, username)
        # Through the menu, as a person would.
        tab.get_by_role("link", name="Analytics").first.click()
        tab.wait_for_url(f"{live_url}/admin/analytics/")
        _settle(tab, errors)
        before = tab.evaluate(SNAPSHOT_JS, PANELS)

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
        browser.close()
    return before, after, unfiltered, marker_count, outside, errors, chip, url, csv_lines


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
