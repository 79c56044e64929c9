"""Issue 15, point 6, in a real browser: the dashboard at 1280, 1440 and 820 px with no two
controls overlapping, today's unfinished point drawn as "so far", a busy day's publishes as
one line, a filter chosen through the dialog (is / is not / contains, two of them) and saved
as a private segment, which the page then uses.

Chromium (Debian's) talks to granian; the queries go to the real mover process over a DuckDB
store of generated traffic. Screenshots go to var/screenshots/issue15/dashboard-*.png.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from wagtail.models import ModelLogEntry, PageLogEntry, Site

from commonground.analytics.eventstore.generator import generate_traffic
from commonground.analytics.models import Segment, TrackedSite
from commonground.analytics.queries import StatsRunner, parse_query
from commonground.core import roles

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..content.factories import StandardPageFactory
from ..core.factories import UserFactory
from ..processes import REPO_ROOT
from .served_store import serving_mover
from .test_dashboard_browser import _settle, _wagtail_avatar

SITE = "localhost"  # the default Wagtail site's host: its publishes are this site's notes
SHOTS = REPO_ROOT / "var" / "screenshots" / "issue15"
WIDTHS = (1280, 1440, 820)
PUBLISHED_TOGETHER = 5
FILTERS = [["is", "visit:source", ["Google"]], ["is_not", "visit:device", ["desktop"]]]

pytestmark = BROWSER_TEST

# Every visible control of every card (and the top controls): outside its card, or on top of
# another control, is a fault. Bounding boxes, as the person sees them.
OVERLAP_JS = """
() => {
  const cards = [...document.querySelectorAll('#cg-controls, #cg-kpis, #cg-dashboard .cg-panel')];
  const controls = [];
  const faults = [];
  for (const card of cards) {
    if (!card.checkVisibility()) continue;
    const box = card.getBoundingClientRect();
    const inside = card.querySelectorAll(
      'button, select, input, a.cg-filter-link, .cg-chip, summary');
    for (const element of inside) {
      if (!element.checkVisibility({visibilityProperty: true})) continue;
      const r = element.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      const what = element.id || element.getAttribute('aria-label')
        || element.textContent.trim().slice(0, 30) || element.tagName;
      const name = `${card.id || card.dataset.panel} ${what}`;
      if (r.left < box.left - 1 || r.right > box.right + 1) {
        faults.push(`${name}: outside its card`);
      }
      if (element.closest('button') !== element && element.closest('button')) continue;
      controls.push({name, r, element});
    }
  }
  for (let i = 0; i < controls.length; i += 1) {
    for (let j = i + 1; j < controls.length; j += 1) {
      const [a, b] = [controls[i], controls[j]];
      if (a.element.contains(b.element) || b.element.contains(a.element)) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 1 && y > 1) faults.push(`${a.name} overlaps ${b.name}`);
    }
  }
  return {faults, checked: controls.length,
          scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth};
}
"""
KPI_JS = """
() => [...document.querySelectorAll('#cg-kpis .cg-kpi')].map((card) => ({
  metric: card.dataset.metric,
  value: card.querySelector('.cg-kpi-value').dataset.value,
  change: card.querySelector('.cg-change').textContent.trim(),
}))
"""


def _history() -> None:
    generate_traffic(
        path=settings.EVENT_STORE["OPTIONS"]["path"],
        site=SITE,
        events=20_000,
        days=70,
        end_day=date.today() - timedelta(days=1),
        seed=15,
    )


def _busy_publishing_day(home: Any) -> str:
    """Five pages published on one day three days ago (Wagtail's own log, as the editor
    writes it)."""
    day = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=3)
    pages = [
        StandardPageFactory(parent=home, title=f"Spring page {number}").pk
        for number in range(PUBLISHED_TOGETHER)
    ]
    # Only these five: the home page's own publish stays on its day.
    PageLogEntry.objects.filter(action="wagtail.publish", page_id__in=pages).update(timestamp=day)
    return day.date().isoformat()


def _shot(tab: Any, name: str) -> Path:
    """The whole dashboard at the window's width: Wagtail scrolls an inner element, so the
    window is made as tall as the dashboard."""
    width = tab.viewport_size["width"]
    height = tab.evaluate("document.getElementById('cg-dashboard').getBoundingClientRect().height")
    tab.set_viewport_size({"width": width, "height": int(height) + 250})
    tab.evaluate("document.querySelectorAll('*').forEach((e) => { e.scrollTop = 0; })")
    tab.wait_for_timeout(300)  # the graph follows the new width (ResizeObserver)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"dashboard-{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    tab.set_viewport_size({"width": width, "height": 1000})
    return path


def test_the_dashboard_fits_compares_like_with_like_and_saves_a_segment(
    live_url: str, tmp_path: Path, home: Any
) -> None:
    site = TrackedSite.objects.create(domain=SITE, name="Larkspur", time_zone="UTC")
    assert Site.objects.filter(is_default_site=True, hostname=SITE).exists()
    busy_day = _busy_publishing_day(home)
    user = UserFactory(roles=[roles.MARKETING_PUBLISHER])
    _history()
    with serving_mover(log_dir=tmp_path):
        seen = _drive_browser(live_url, user.username)
        filtered = (
            StatsRunner(approximate=True)
            .run(
                parse_query(
                    {
                        "site_id": SITE,
                        "date_range": "30d",
                        "metrics": ["visitors"],
                        "filters": FILTERS,
                    }
                )
            )
            .as_json()["results"][0]["metrics"][0]
        )

    assert not seen["errors"], seen["errors"]
    assert not seen["outside"], seen["outside"]
    # Cards that fit: no control over another or out of its card, no sideways scrolling.
    for width in WIDTHS:
        fit = seen[f"fit-{width}"]
        assert fit["checked"] > 30, fit
        assert fit["faults"] == [], (width, fit["faults"])
        assert fit["scrollWidth"] <= fit["width"], (width, fit)
    # Today so far, compared with the same time of day 30 days earlier.
    assert ", compared with " in seen["range_label"] and " up to " in seen["range_label"]
    assert seen["partial_label"] == "so far"
    assert seen["last_row"].endswith("(so far)")
    assert seen["partial_is_last"], "the unfinished bucket is not the graph's last"
    # A busy day's publishes: one line, opening to the five pages.
    assert seen["groups"] == [[busy_day, PUBLISHED_TOGETHER]]
    assert seen["group_summary"].endswith(f"{PUBLISHED_TOGETHER} pages published")
    assert seen["group_height_closed"] < 60 < seen["group_height_open"]
    # The filters chosen in the dialog: their chips, the URL, and the numbers they give.
    assert seen["chips"] == ["Source is Google", "Device is not desktop"]
    assert "f.visit%3Asource=Google" in seen["url"]
    assert "fn.visit%3Adevice=desktop" in seen["url"]
    assert 0 < float(seen["filtered_kpis"][0]["value"]) < float(seen["kpis"][0]["value"])
    assert float(seen["filtered_kpis"][0]["value"]) == filtered
    # Saved as a private segment: stored, audited, and now what the page shows.
    segment = Segment.objects.get(site=site, name="Google, not desktop")
    assert segment.filters == FILTERS
    assert segment.shared is False
    assert segment.created_by == user
    assert ModelLogEntry.objects.filter(
        action="wagtail.create", object_id=str(segment.pk), user=user
    ).exists()
    assert seen["segment_chips"] == ["Segment: Google, not desktop"]
    assert f"segment={segment.pk}" in seen["segment_url"]
    assert seen["segment_kpis"] == seen["filtered_kpis"]
    assert seen["segment_option"] == "Google, not desktop"
    for name in (*[str(w) for w in WIDTHS], "filter-dialog"):
        assert (SHOTS / f"dashboard-{name}.png").stat().st_size > 10_000, name


def _drive_browser(live_url: str, username: str) -> dict[str, Any]:
    # Imported here, and no ORM use inside: Playwright runs an event loop in this thread.
    from playwright.sync_api import sync_playwright

    seen: dict[str, Any] = {"errors": [], "outside": []}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, "--disable-background-networking")
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        tab.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((live_url, "data:", "blob:")) or _wagtail_avatar(r)
                else seen["outside"].append(f"{r.resource_type} {r.url}")
            ),
        )
        tab.on("pageerror", lambda error: seen["errors"].append(str(error)))
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/analytics/?site={SITE}&period=30d")
        _settle(tab, seen["errors"])
        graph_state = tab.evaluate(
            "() => [document.getElementById('cg-graph').dataset.state,"
            " document.querySelector('#cg-graph .cg-panel-message').textContent]"
        )
        assert graph_state[0] == "ready", (graph_state, seen["errors"])
        seen["kpis"] = tab.evaluate(KPI_JS)
        seen["range_label"] = tab.locator("#cg-range-label").inner_text()
        seen["partial_label"] = tab.locator("#cg-graph-chart .cg-partial-label").inner_text()
        seen["last_row"] = tab.locator("#cg-graph-table tbody tr th").last.text_content()
        seen["partial_is_last"] = tab.evaluate(
            "() => document.querySelector('#cg-graph-chart .cg-partial-label').dataset.label"
            " === [...document.querySelectorAll('#cg-graph-table tbody th')].at(-1)"
            ".textContent.replace(' (so far)', '')"
        )
        group = tab.locator("#cg-annotation-list .cg-annotation-group")
        seen["groups"] = group.evaluate_all(
            "(items) => items.map((i) => [i.querySelector('time').getAttribute('datetime'),"
            " Number(i.dataset.count)])"
        )
        seen["group_summary"] = group.first.locator("summary").inner_text()
        seen["group_height_closed"] = group.first.bounding_box()["height"]
        group.first.locator("summary").click()
        seen["group_height_open"] = group.first.bounding_box()["height"]
        group.first.locator("summary").click()

        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 1000})
            tab.wait_for_timeout(300)
            seen[f"fit-{width}"] = tab.evaluate(OVERLAP_JS)
            _shot(tab, str(width))
        tab.set_viewport_size({"width": 1280, "height": 1000})

        # The filter dialog: two filters, "is" and "is not", chosen rather than typed.
        tab.get_by_role("button", name="Filter…").click()
        dialog = tab.locator("#cg-filter-dialog")
        rows = dialog.locator(".cg-filter-row")
        rows.nth(0).locator(".cg-filter-dimension").select_option("visit:source")
        rows.nth(0).locator(".cg-filter-operator").select_option("is")
        rows.nth(0).locator(".cg-filter-value").fill("Google")
        dialog.get_by_role("button", name="Add a filter").click()
        rows.nth(1).locator(".cg-filter-dimension").select_option("visit:device")
        rows.nth(1).locator(".cg-filter-operator").select_option("is_not")
        rows.nth(1).locator(".cg-filter-value").fill("desktop")
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "dashboard-filter-dialog.png"))
        dialog.get_by_role("button", name="Apply filters").click()
        tab.wait_for_function("() => document.querySelectorAll('#cg-filter-chips li').length === 2")
        _settle(tab, seen["errors"])
        seen["chips"] = tab.locator("#cg-filter-chips li > span").all_inner_texts()
        seen["url"] = tab.url
        seen["filtered_kpis"] = tab.evaluate(KPI_JS)

        # The same filters, saved as a segment only this user sees.
        tab.get_by_role("button", name="Filter…").click()
        dialog.locator("#cg-segment-name").fill("Google, not desktop")
        dialog.locator("#cg-segment-shared").uncheck()
        dialog.get_by_role("button", name="Save as segment").click()
        tab.locator("#cg-filter-chips .cg-chip-segment").wait_for()
        _settle(tab, seen["errors"])
        seen["segment_chips"] = tab.locator("#cg-filter-chips li > span").all_inner_texts()
        seen["segment_url"] = tab.url
        seen["segment_kpis"] = tab.evaluate(KPI_JS)
        seen["segment_option"] = tab.locator("#cg-segment option:checked").inner_text()
        browser.close()
    return seen
