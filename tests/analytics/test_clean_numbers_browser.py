"""The acceptance test of clean numbers (issue 15, point 2), in a real Chromium against granian
and the real mover: an editor's preview panel and a signed-in editor browsing the live site
store nothing; an anonymous visitor's page view is stored.

The site runs on one origin (localhost, the tracked domain), where the admin's session is
visible: the tracker is silenced by the admin's staff mark, and ingest would refuse the
session too (that half is tested over HTTP in test_clean_numbers.py). Database work stays
outside ``sync_playwright()`` (Django refuses ORM calls while its event loop runs here).
"""

import time
from pathlib import Path

from django.conf import settings
from playwright.sync_api import sync_playwright

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import TrackedSite

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..content.factories import StandardPageFactory
from ..processes import Process, commonground, subprocess_env, wait_for
from .test_tracking_browser import CHROME_UA, _site_is_known

pytestmark = BROWSER_TEST

# var/ is git-ignored; the screenshots are looked at by a person.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "issue15"


def _stored_views(store_path: Path) -> list[tuple[str, str]]:
    store = DuckDBEventStore(store_path)
    try:
        return store.query(
            "SELECT name, pathname FROM events WHERE site = 'localhost' AND name <> 'probe' "
            "ORDER BY ts"
        )
    finally:
        store.close()


def test_preview_and_staff_views_are_not_stored_an_anonymous_one_is(
    live_url: str, home, editor, tmp_path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = f"http://localhost:{live_url.rsplit(':', 1)[1]}"
    TrackedSite.objects.create(domain="localhost", name="Test site")  # leaves staff out
    page = StandardPageFactory(parent=home, title="Spring pricing")
    username = editor.username
    store_path = Path(settings.EVENT_STORE["OPTIONS"]["path"])
    mover = Process(
        "mover",
        commonground("analytics_mover", "--interval", "0.2"),
        env=subprocess_env(),
        log_dir=tmp_path,
    )
    sent: dict[str, list[str]] = {"staff": [], "anonymous": []}
    try:
        wait_for(lambda: "mover: moving events" in mover.log_tail(), timeout=60)
        for _ in range(4):
            assert _site_is_known(base)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright, "--disable-background-networking")
            # Headless Chromium names itself in its user agent, and bots are not counted.
            staff = browser.new_context(
                viewport={"width": 1280, "height": 900}, user_agent=CHROME_UA
            )
            tab = staff.new_page()
            tab.on(
                "request",
                lambda r: sent["staff"].append(r.url) if "/api/event" in r.url else None,
            )
            sign_in_to_admin(tab, base, username)
            # The admin's first page has marked this browser for the public site.
            tab.wait_for_function("localStorage.getItem('cg-staff-marked-at') !== null")
            tab.goto(f"{base}/admin/pages/{page.pk}/edit/")
            tab.locator('[data-side-panel-toggle="preview"]').first.click()
            preview = tab.frame_locator("#w-preview-iframe")
            preview.get_by_role("heading", name="Spring pricing").first.wait_for(timeout=20_000)
            tab.wait_for_timeout(1000)  # a tracker in the preview would have sent by now
            tab.screenshot(path=str(SCREENSHOTS / "numbers-preview-panel.png"))
            from_preview = list(sent["staff"])
            # The editor browses the live site in the same browser.
            tab.goto(f"{base}{page.url}")
            tab.wait_for_load_state("networkidle")
            marked = tab.evaluate("Number(localStorage.getItem('cg-staff')) > Date.now()")
            has_tracker = tab.locator("script[data-exclude-staff='true']").count()
            tab.wait_for_timeout(1000)

            visitor = browser.new_context(
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                user_agent=CHROME_UA.replace("X11; Linux x86_64", "Linux; Android 14; Pixel 8")
                + " Mobile",
            )
            anonymous = visitor.new_page()
            anonymous.on(
                "request",
                lambda r: sent["anonymous"].append(r.url) if "/api/event" in r.url else None,
            )
            with anonymous.expect_response(lambda r: "/api/event" in r.url) as answered:
                anonymous.goto(f"{base}{page.url}")
            dropped = answered.value.headers.get("x-dropped")
            anonymous.screenshot(path=str(SCREENSHOTS / "numbers-anonymous-visit-390.png"))
            browser.close()
        time.sleep(4)  # stored within 5 s of being sent
    finally:
        mover.stop()

    assert from_preview == [], "the editor's preview panel sent events"
    assert sent["staff"] == [], "the signed-in editor's live page sent events"
    assert marked, "the admin left no staff mark on the site"
    assert has_tracker == 1, "the live page carries the tracker (with the staff switch)"
    assert sent["anonymous"] and dropped is None, (sent, dropped)
    views = _stored_views(store_path)
    assert views == [("pageview", page.url)], views


def test_it_sets_the_exclusions_on_a_tracked_site_and_sees_a_bad_line_named(
    live_url: str, it_admin
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    username = it_admin.username
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1280, "height": 1100})
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/tracked-sites/edit/{site.pk}/")
        staff_box_checked = tab.locator("[name=exclude_staff]").is_checked()
        tab.fill("[name=excluded_networks]", "203.0.113.0/24\n10.1.2.3/8")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Save", exact=True).click()
        tab.screenshot(path=str(SCREENSHOTS / "numbers-tracked-site-error.png"))
        error = tab.get_by_text("Line 2: “10.1.2.3/8” has host bits set")
        error.wait_for(timeout=10_000)
        error.scroll_into_view_if_needed()
        tab.screenshot(path=str(SCREENSHOTS / "numbers-tracked-site-error.png"))
        tab.fill("[name=excluded_networks]", "203.0.113.0/24\n10.0.0.0/8")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Save", exact=True).click()
        browser.close()

    assert staff_box_checked, "staff are left out by default"
    site.refresh_from_db()
    assert site.excluded_networks == "203.0.113.0/24\n10.0.0.0/8"
