"""A real browser visits a CMS page: its page view, event and page speed reach the store.

Chromium (Debian's) loads a page served by granian with two worker processes; the page's
tracker posts to /api/event; the real mover process moves the spool into DuckDB. The client
address (127.0.0.1 here, so the site is tracked as "localhost") must appear in no file.
"""

import json
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from playwright.sync_api import sync_playwright

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import TrackedSite

from ..browser import BROWSER_TEST, launch_chromium
from ..content.factories import StandardPageFactory
from ..processes import Process, commonground, subprocess_env, wait_for

CLIENT_IP = b"127.0.0.1"
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

pytestmark = BROWSER_TEST


def test_page_view_event_and_page_speed_reach_the_store(live_url: str, home, tmp_path) -> None:
    port = live_url.rsplit(":", 1)[1]
    TrackedSite.objects.create(domain="localhost", name="Test site")
    page = StandardPageFactory(parent=home, title="Tracked page")
    test_dir = Path(settings.MEDIA_ROOT).parent
    store_path = Path(settings.EVENT_STORE["OPTIONS"]["path"])
    mover = Process(
        "mover",
        commonground("analytics_mover", "--interval", "0.2"),
        env=subprocess_env(),
        log_dir=tmp_path,
    )
    url = f"http://localhost:{port}{page.url}?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    try:  # the mover is stopped however this ends
        # Events are judged from the moment they are sent, so the mover must be up first.
        wait_for(lambda: "mover: moving events" in mover.log_tail(), timeout=60)
        # Both server processes know the new site by now (they look within 50 ms).
        for _ in range(4):
            assert _site_is_known(f"http://localhost:{port}")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright, "--disable-background-networking")
            # A phone's user agent: the device must come out as "mobile".
            context = browser.new_context(
                user_agent=(
                    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
                )
            )
            tab = context.new_page()
            # What the page sent and what it was answered, for the failure message.
            seen: list[str] = []
            tab.on("request", lambda r: seen.append(f"{r.method} {r.url} {r.post_data}"))
            tab.on(
                "response",
                lambda r: seen.append(f"{r.status} {r.url} dropped={r.headers.get('x-dropped')}"),
            )
            tab.goto(url, referer="https://news.ycombinator.com/")
            tab.wait_for_function("typeof window.commonground === 'function'")
            tab.evaluate("commonground('Signup', {props: {plan: 'pro'}})")
            tab.wait_for_timeout(300)  # let the page settle so LCP is final
            tab.close(run_before_unload=True)  # leaving the page sends Web Vitals
            time.sleep(0.5)  # let the browser hand the beacon over before closing
            browser.close()
        time.sleep(5)  # the promise: stored within 5 s of being sent
    finally:
        mover_log = mover.log_tail()
        mover.stop()

    store = DuckDBEventStore(store_path)
    try:
        rows = store.query(
            "SELECT name, pathname, referrer_source, utm_source, utm_medium, utm_campaign, "
            "device, props, lcp_ms, ttfb_ms FROM events WHERE site = 'localhost' ORDER BY ts"
        )
    finally:
        store.close()
    by_name = {row[0]: row for row in rows}
    assert set(by_name) >= {"pageview", "Signup", "Web Vitals"}, "\n".join(seen)
    view = by_name["pageview"]
    assert view[1] == page.url
    assert view[3:7] == ("newsletter", "email", "spring", "mobile"), view
    assert view[2], "the referrer source is missing"
    assert by_name["Signup"][7] == {"plan": "pro"}
    vitals = by_name["Web Vitals"]
    assert vitals[9] is not None and vitals[9] >= 0, "TTFB missing"

    # The client's address is in no file we keep (data, spool, event store, database)...
    for path in test_dir.rglob("*"):
        if path.is_file() and path.suffix != ".log":
            assert CLIENT_IP not in path.read_bytes(), path
    # ...nor in what the mover logged.
    assert "127.0.0.1" not in mover_log


def _site_is_known(base: str) -> bool:
    body = json.dumps({"n": "probe", "u": f"{base}/", "d": "localhost"}).encode()
    request = urllib.request.Request(
        f"{base}/api/event",
        data=body,
        headers={"Content-Type": "text/plain", "User-Agent": CHROME_UA},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status == 202 and not response.headers.get("X-Dropped")
