"""The tracker script: its size budget, its build, and what it sends from a real Chromium.

The browser tests serve a tiny static site from ``http.server`` on 127.0.0.1 with a
collecting endpoint in place of the ingest API, so they check the wire format the
ingest API will receive (Plausible's Events API) without depending on it.
"""

import gzip
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import commonground

from ..browser import CHROMIUM, launch_chromium

STATIC = Path(commonground.__file__).parent / "analytics" / "static" / "analytics"
SOURCE = STATIC / "tracker.js"
MINIFIED = STATIC / "tracker.min.js"
EVENT_NAMES = [
    "pageview",
    "Outbound Link: Click",
    "File Download",
    "Form: Submission",
    "Web Vitals",
]

Event = dict[str, Any]


def test_minified_tracker_is_under_two_kilobytes_gzipped() -> None:
    assert SOURCE.is_file()
    size = len(gzip.compress(MINIFIED.read_bytes(), compresslevel=9))
    assert size < 2048, f"tracker.min.js is {size} bytes gzipped"


def test_minified_tracker_is_built_from_the_current_source() -> None:
    source, minified = SOURCE.read_text(), MINIFIED.read_text()
    for name in EVENT_NAMES:
        assert f"'{name}'" in source, name
        assert f'"{name}"' in minified, f"{name!r} missing: rebuild tracker.min.js"
    assert "\n" not in minified.strip(), "tracker.min.js does not look minified"


# The tiny site -------------------------------------------------------------------------

SCRIPT_ATTRIBUTES = {
    "/page": 'data-domain="example.com" data-api="/collect" data-allow-localhost="true"',
    "/quiet": 'data-domain="example.com" data-api="/collect"',
    "/dnt": 'data-domain="example.com" data-api="/collect" data-allow-localhost="true" '
    'data-respect-dnt="true"',
}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Tracker test</title>
<script>
window.commonground = window.commonground || function () {
  (window.commonground.q = window.commonground.q || []).push(arguments);
};
commonground("Queued", {props: {early: "yes"}});
</script>
<script defer %s src="/static/analytics/tracker.min.js"></script>
</head><body>
<h1>Common Ground tracker test page</h1>
<p>A paragraph large enough to be the largest contentful paint of this page.</p>
<a id="outbound" href="http://outbound.test/away">Elsewhere</a>
<a id="download" href="/files/report.pdf">Report</a>
<form id="signup" action="/thanks" method="get"><input name="email" value="a@b.test">
<button id="send" type="submit">Send</button></form>
</body></html>
"""


class TinySite(BaseHTTPRequestHandler):
    events: list[Event]
    content_types: list[str]

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/static/analytics/tracker.min.js":
            self.reply(MINIFIED.read_bytes(), "text/javascript")
        elif path in SCRIPT_ATTRIBUTES or path.startswith("/page/"):
            attributes = SCRIPT_ATTRIBUTES.get(path, SCRIPT_ATTRIBUTES["/page"])
            self.reply((PAGE % attributes).encode(), "text/html; charset=utf-8")
        elif path == "/files/report.pdf":
            self.reply(b"%PDF-1.4\n", "application/pdf", attachment="report.pdf")
        else:
            self.reply(b"<!doctype html><title>Thanks</title><p>Thanks", "text/html")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/collect":
            self.content_types.append(self.headers.get("Content-Type", ""))
            self.events.append(json.loads(body))
        self.reply(b"", "text/plain", status=202)

    def reply(
        self, body: bytes, content_type: str, status: int = 200, attachment: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if attachment:
            self.send_header("Content-Disposition", f'attachment; filename="{attachment}"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site:
    def __init__(self, url: str, events: list[Event], content_types: list[str]) -> None:
        self.url = url
        self.events = events
        self.content_types = content_types


@pytest.fixture
def site() -> Iterator[Site]:
    events: list[Event] = []
    content_types: list[str] = []
    handler = type("Handler", (TinySite,), {"events": events, "content_types": content_types})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", events, content_types)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium package is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright, "--disable-background-networking")
        try:
            yield chromium
        finally:
            chromium.close()


def wait_for(page: Any, events: list[Event], match: Callable[[Event], bool]) -> Event:
    """The first event that matches, polling for up to 5 s while Playwright keeps running."""
    for _ in range(100):
        found = [event for event in list(events) if match(event)]
        if found:
            return found[0]
        page.wait_for_timeout(50)
    raise AssertionError(f"no matching event within 5 s; received {events!r}")


def named(name: str) -> Callable[[Event], bool]:
    return lambda event: event["n"] == name


# What the browser sends ----------------------------------------------------------------


@pytest.mark.browser
def test_tracker_reports_a_visit_from_a_real_browser(site: Site, browser: Any) -> None:
    context = browser.new_context()
    # The outbound link's host is answered inside the browser: nothing leaves 127.0.0.1.
    context.route("http://outbound.test/**", lambda route: route.fulfill(body="away"))
    page = context.new_page()
    landing = site.url + "/page?utm_source=newsletter"
    page.goto(landing, referer="http://referrer.test/from")

    view = wait_for(page, site.events, named("pageview"))
    assert view == {
        "n": "pageview",
        "u": landing,
        "d": "example.com",
        "r": "http://referrer.test/from",
    }
    assert site.content_types[0].startswith("text/plain")
    assert wait_for(page, site.events, named("Queued"))["p"] == {"early": "yes"}

    # Single-page-app navigation: a new URL counts, the same URL again does not.
    page.evaluate("history.pushState({}, '', '/page/two')")
    second = wait_for(page, site.events, lambda e: e["n"] == "pageview" and e is not view)
    assert second["u"] == site.url + "/page/two"
    page.evaluate("history.replaceState({}, '', '/page/two#section')")

    result = page.evaluate(
        """() => new Promise((resolve) => {
            commonground("Signup", {props: {plan: "pro"}});
            commonground("Purchase", {
                revenue: {amount: "9.50", currency: "EUR"}, interactive: false, callback: resolve,
            });
        })"""
    )
    assert "status" in result
    assert wait_for(page, site.events, named("Signup"))["p"] == {"plan": "pro"}
    purchase = wait_for(page, site.events, named("Purchase"))
    assert purchase["$"] == {"amount": "9.50", "currency": "EUR"}
    assert purchase["i"] is False
    assert [e["u"] for e in site.events if e["n"] == "pageview"] == [landing, second["u"]]

    # A download does not leave the page; the outbound link does, which ends the page
    # view and so reports its page speed.
    with page.expect_download():
        page.click("#download")
    download = wait_for(page, site.events, named("File Download"))
    assert download["p"] == {"url": site.url + "/files/report.pdf"}

    page.click("#outbound")
    page.wait_for_url("http://outbound.test/away")
    outbound = wait_for(page, site.events, named("Outbound Link: Click"))
    assert outbound["p"] == {"url": "http://outbound.test/away"}

    vitals = wait_for(page, site.events, named("Web Vitals"))
    assert vitals["u"] == landing, "page speed belongs to the page that was loaded"
    assert vitals["i"] is False
    assert isinstance(vitals["p"]["ttfb"], int | float) and vitals["p"]["ttfb"] >= 0
    assert isinstance(vitals["p"]["lcp"], int | float) and vitals["p"]["lcp"] > 0
    # Chromium supports all four; the clicks above were interactions, and nothing shifted.
    assert set(vitals["p"]) == {"lcp", "inp", "cls", "ttfb"}
    assert vitals["p"]["cls"] == 0
    assert isinstance(vitals["p"]["inp"], int) and vitals["p"]["inp"] >= 0

    # A form submission, from a fresh load of the page.
    page.goto(site.url + "/page")
    page.click("#send")
    page.wait_for_url(site.url + "/thanks?email=a%40b.test")
    form = wait_for(page, site.events, named("Form: Submission"))
    assert form["p"] == {"path": "/page"}
    assert form["u"] == site.url + "/page"

    # Page speed goes once per page load: the first page has reported exactly once.
    wait_for(page, site.events, lambda e: e["n"] == "Web Vitals" and e["u"] == form["u"])
    assert [e["u"] for e in site.events if e["n"] == "Web Vitals"].count(landing) == 1

    assert context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "init_script"),
    [
        ("/quiet", ""),  # no data-allow-localhost on a 127.0.0.1 page
        ("/dnt", "Object.defineProperty(navigator, 'globalPrivacyControl', {value: true})"),
    ],
    ids=["localhost-not-allowed", "global-privacy-control"],
)
def test_tracker_stays_silent_when_it_must(
    site: Site, browser: Any, path: str, init_script: str
) -> None:
    context = browser.new_context()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(site.url + path)

    result = page.evaluate(
        "() => new Promise((resolve) => commonground('Signup', {callback: resolve}))"
    )
    assert result == {"ignored": True}
    # The same page with the signal honoured would have sent its page view by now.
    page.goto(site.url + "/page")
    wait_for(page, site.events, named("pageview"))
    assert not [e for e in site.events if e["u"].startswith(site.url + path)]
    context.close()
