"""A real Chromium on the live server, element type by element type: nothing loads from a
vendor that needs marketing consent before the visitor chooses or after they refuse, each
loads after they accept; the video block's player, Global Privacy Control and the re-ask.

Vendors are served by ``vendor_server`` (Chromium's proxy), which records every request; the
video block's player (https, on www.youtube-nocookie.com) is answered and counted by a
Playwright route. The CSP is put in report-only mode for the element page, so what the
test sees is the consent gate holding, not the policy blocking (``object-src 'none'``
would block <object> and <embed> whatever the choice). Database work stays outside
``sync_playwright()`` (Django refuses the ORM in its loop).
"""

import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from wagtail.models import Site

from commonground.governance.models import ConsentRecord, SecuritySettings

from ...browser import BROWSER_TEST
from ...content.factories import StandardPageFactory
from ...processes import wait_for
from ..factories import registered_technology
from ..vendor_server import Vendors, launch_through, vendor_proxy, wait_for_policy

pytestmark = BROWSER_TEST

AD = "pixel.ads.test"
HEATMAP = "hm.analytics.test"
PLAYER = "www.youtube-nocookie.com"
V = f"http://{AD}"

# Element type -> (its HTML, the vendor path it loads once allowed).
TYPES = {
    "picture source srcset": (
        f'<picture><source srcset="{V}/picture-source.gif"><img alt="" width="4" height="4" '
        'src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></picture>',
        "/picture-source.gif",
    ),
    "img src": (f'<img src="{V}/img-src.gif" alt="" width="4" height="4">', "/img-src.gif"),
    "img srcset": (
        f'<img srcset="{V}/img-srcset.gif 1x" alt="" width="4" height="4">',
        "/img-srcset.gif",
    ),
    "style attribute url()": (
        f'<div style="width:4px;height:4px;background-image:url({V}/style-attribute.gif)"></div>',
        "/style-attribute.gif",
    ),
    "video poster": (
        f'<video poster="{V}/video-poster.gif" width="8" height="8" preload="none"></video>',
        "/video-poster.gif",
    ),
    "video src": (f'<video src="{V}/video-src.mp4" preload="auto"></video>', "/video-src.mp4"),
    "video source": (
        f'<video preload="auto"><source src="{V}/video-source.mp4" type="video/mp4"></video>',
        "/video-source.mp4",
    ),
    "track src": (
        # Chromium fetches another origin's captions only for a crossorigin media element.
        f'<video preload="none" width="8" height="8" crossorigin="anonymous">'
        f'<track kind="captions" default src="{V}/track-src.vtt"></video>',
        "/track-src.vtt",
    ),
    "audio src": (f'<audio src="{V}/audio-src.mp3" preload="auto"></audio>', "/audio-src.mp3"),
    "input type=image": (
        f'<input type="image" src="{V}/input-image.gif" alt="Go" width="4" height="4">',
        "/input-image.gif",
    ),
    "link stylesheet": (
        f'<link rel="stylesheet" href="{V}/link-stylesheet.css">',
        "/link-stylesheet.css",
    ),
    "link preload": (
        f'<link rel="preload" as="image" href="{V}/link-preload.gif">',
        "/link-preload.gif",
    ),
    "style element url()": (
        f"<style>.cg-held {{ background-image: url({V}/style-element.gif) }}</style>"
        '<div class="cg-held" style="width:4px;height:4px"></div>',
        "/style-element.gif",
    ),
    "style element @import": (
        f'<style>@import "{V}/style-import.css";</style>',
        "/style-import.css",
    ),
    "object data": (
        f'<object data="{V}/object-data.html" type="text/html" width="8" height="8"></object>',
        "/object-data.html",
    ),
    "embed src": (
        f'<embed src="{V}/embed-src.html" type="text/html" width="8" height="8">',
        "/embed-src.html",
    ),
    "iframe src": (
        f'<iframe src="{V}/iframe-src.html" width="8" height="8"></iframe>',
        "/iframe-src.html",
    ),
    "script src": (f'<script src="{V}/script-src.js"></script>', "/script-src.js"),
}


def _wait_for_report_only(url: str, host: str) -> None:
    def listed() -> bool:
        with urllib.request.urlopen(url, timeout=5) as response:
            return host in response.headers.get("Content-Security-Policy-Report-Only", "")

    for _ in range(4):  # two server workers: ask until both have answered with it
        wait_for(listed, timeout=10, interval=0.2)


@pytest.fixture
def types_url(live_url: str, home: Any, it_admin: Any) -> str:
    registered_technology(
        it_admin,
        name="AdPixel",
        hosts={d: [AD] for d in ("script-src", "style-src", "img-src", "frame-src")},
        consent_purpose="marketing",
    )
    SecuritySettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"csp_mode": SecuritySettings.CspMode.REPORT_ONLY},
    )
    page = StandardPageFactory(
        parent=home,
        title="Every type",
        body=[("html", html) for html, _ in TYPES.values()],
    )
    url = live_url + page.url
    _wait_for_report_only(url, AD)
    return url


def _paths(vendors: Vendors, host: str = AD) -> set[str]:
    return {path for requested_host, path in vendors.requests if requested_host == host}


def _settle(tab: Any) -> None:
    tab.wait_for_load_state("networkidle")
    tab.wait_for_timeout(1_000)  # anything the page would load on its own has been asked for


def test_no_element_type_loads_before_consent_and_each_loads_after(types_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        tab.goto(types_url)
        _settle(tab)
        before = _paths(vendors)
        tab.get_by_role("button", name="Accept all").click()
        wanted = {path for _, path in TYPES.values()}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not wanted <= _paths(vendors):
            tab.wait_for_timeout(200)
        after = _paths(vendors)
        browser.close()

    assert before == set(), "no request to the vendor before a choice"
    missing = {name: path for name, (_, path) in TYPES.items() if path not in after}
    assert missing == {}, "each type loads once marketing is accepted"


def test_no_element_type_loads_after_reject_all(types_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        tab.goto(types_url)
        tab.get_by_role("button", name="Reject all").click()
        _settle(tab)
        on_the_page = _paths(vendors)
        tab.reload()
        _settle(tab)
        banner_on_reload = tab.locator("#cg-consent").is_visible()
        after_reload = _paths(vendors)
        browser.close()

    loaded = {name for name, (_, path) in TYPES.items() if path in after_reload}
    assert on_the_page == set() and loaded == set()
    assert not banner_on_reload


@pytest.fixture
def video_url(live_url: str, home: Any, it_admin: Any) -> str:
    registered_technology(
        it_admin, name="YouTube", hosts={"frame-src": [PLAYER]}, consent_purpose="marketing"
    )
    page = StandardPageFactory(
        parent=home,
        title="Film",
        body=[("video", {"url": "https://www.youtube.com/watch?v=abc123", "title": "Our film"})],
    )
    url = live_url + page.url
    wait_for_policy(url, PLAYER)
    return url


@contextmanager
def _player(context: Any) -> Iterator[list[str]]:
    """The video host, answered in the browser and counted (it is https: no proxy for it)."""
    requested: list[str] = []

    def answer(route: Any) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Player</p>")

    context.route(f"https://{PLAYER}/**", answer)
    yield requested


def test_the_video_block_does_not_load_its_player_until_its_purpose_is_granted(
    video_url: str,
) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        context = browser.new_context()
        with _player(context) as requested:
            tab = context.new_page()
            tab.goto(video_url)
            tab.get_by_role("button", name="Reject all").click()
            tab.get_by_role("button", name="Play video: Our film").click()
            tab.wait_for_timeout(1_500)
            refused = {
                "frames": tab.locator("iframe.video__iframe").count(),
                "requests": len(requested),
                "notice": tab.locator("[data-video-consent]").is_visible(),
                "says": tab.locator("[data-video-consent]").inner_text(),
            }
            # The notice offers to change the choice; once marketing is allowed, play plays.
            tab.locator("[data-video-consent] button", has_text="Privacy choices").click()
            banner_opened = tab.locator("#cg-consent").is_visible()
            tab.get_by_role("button", name="Accept all").click()
            tab.locator("[data-video-consent]").wait_for(state="hidden")
            tab.get_by_role("button", name="Play video: Our film").click()
            tab.locator("iframe.video__iframe").wait_for()
            tab.wait_for_timeout(500)
            src = tab.locator("iframe.video__iframe").get_attribute("src")
            played = len(requested)
        browser.close()

    assert refused["frames"] == 0 and refused["requests"] == 0
    assert refused["notice"] and "needs your agreement to marketing" in refused["says"]
    assert banner_opened
    assert src and src.startswith(f"https://{PLAYER}/embed/abc123") and played >= 1


@pytest.fixture
def gpc_url(live_url: str, home: Any, it_admin: Any) -> str:
    registered_technology(
        it_admin, name="AdPixel", hosts={"script-src": [AD]}, consent_purpose="marketing"
    )
    registered_technology(
        it_admin, name="Heatmaps", hosts={"script-src": [HEATMAP]}, consent_purpose="analytics"
    )
    page = StandardPageFactory(
        parent=home,
        title="Offers",
        body=[
            ("html", f'<script src="{V}/gpc-pixel.js"></script>'),
            ("html", f'<script src="http://{HEATMAP}/heatmap.js"></script>'),
        ],
    )
    url = live_url + page.url
    wait_for_policy(url, HEATMAP)
    return url


def _wait_until_ran(tab: Any, times: int) -> None:
    """Until the vendors' scripts ran ``times`` times (polled with evaluate: the page's CSP
    refuses the eval that wait_for_function uses for an expression)."""
    deadline = time.monotonic() + 10
    while tab.evaluate("window.vendorScriptRan || 0") != times:
        assert time.monotonic() < deadline, f"the vendor scripts did not run {times} times"
        tab.wait_for_timeout(100)


def _records() -> list[ConsentRecord]:
    wait_for(ConsentRecord.objects.exists, timeout=10, interval=0.2)
    return list(ConsentRecord.objects.all())


def _accept_all_with_gpc(url: str, *, header: bool, navigator: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        context = browser.new_context(extra_http_headers={"Sec-GPC": "1"} if header else {})
        if navigator:
            context.add_init_script(
                "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',"
                " {get: () => true, configurable: true});"
            )
        tab = context.new_page()
        tab.goto(url)
        tab.wait_for_load_state("networkidle")
        seen: dict[str, Any] = {
            "notice_before": tab.locator("[data-consent-gpc]").is_visible(),
            "marketing_box_disabled": tab.locator("input[name=marketing]").is_disabled(),
        }
        tab.get_by_role("button", name="Accept all").click()
        _wait_until_ran(tab, 1)
        tab.wait_for_timeout(1_000)
        seen["hosts"] = vendors.hosts()
        tab.reload()
        _wait_until_ran(tab, 1)
        tab.wait_for_timeout(1_000)
        seen["hosts_on_reload"] = vendors.hosts()
        tab.get_by_role("button", name="Privacy choices").first.click()
        seen["notice_after"] = tab.locator("[data-consent-gpc]").is_visible()
        seen["notice_text"] = tab.locator("#cg-consent").inner_text()
        browser.close()
    return seen


def test_the_sec_gpc_header_keeps_marketing_refused_through_accept_all(gpc_url: str) -> None:
    seen = _accept_all_with_gpc(gpc_url, header=True, navigator=False)
    assert seen["hosts"] == {HEATMAP} and seen["hosts_on_reload"] == {HEATMAP}
    assert seen["notice_after"] and "Global Privacy Control" in seen["notice_text"]
    [record] = _records()
    assert (record.granted, record.refused, record.gpc) == (["analytics"], ["marketing"], True)


def test_navigator_global_privacy_control_is_honoured_and_said_so(gpc_url: str) -> None:
    seen = _accept_all_with_gpc(gpc_url, header=False, navigator=True)
    assert seen["notice_before"] and seen["marketing_box_disabled"]
    assert seen["hosts"] == {HEATMAP} and seen["hosts_on_reload"] == {HEATMAP}
    assert seen["notice_after"]
    [record] = _records()
    assert (record.granted, record.refused, record.gpc) == (["analytics"], ["marketing"], True)


def test_the_banner_asks_again_after_a_year_or_for_another_banner(gpc_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        tab.goto(gpc_url)
        tab.get_by_role("button", name="Accept all").click()
        _wait_until_ran(tab, 2)
        asked: dict[str, bool] = {}
        loaded: dict[str, set[str]] = {}
        for case, (days_ago, version) in {
            "366 days later": (366, None),
            "364 days later": (364, None),
            "another banner": (0, "000000000000"),
        }.items():
            tab.evaluate(
                """([daysAgo, version]) => {
                    const choice = JSON.parse(localStorage.getItem("cg-consent"));
                    choice.at = new Date(Date.now() - daysAgo * 864e5).toISOString();
                    if (version) { choice.version = version; }
                    localStorage.setItem("cg-consent", JSON.stringify(choice));
                }""",
                [days_ago, version],
            )
            vendors.requests.clear()
            tab.reload()
            _settle(tab)
            asked[case] = tab.locator("#cg-consent").is_visible()
            loaded[case] = vendors.hosts()
        browser.close()

    assert asked == {"366 days later": True, "364 days later": False, "another banner": True}
    assert loaded == {
        "366 days later": set(),
        "364 days later": {AD, HEATMAP},
        "another banner": set(),
    }
