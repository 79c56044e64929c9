"""A real Chromium on the live server: a marketing vendor that needs consent makes no
request before the visitor agrees, and does after; a visitor who declines never reaches it.

Vendors are served by ``vendor_server`` (Chromium's proxy), which records every request.
Database work stays outside ``sync_playwright()`` (Django refuses the ORM in its loop).
"""

import time
from typing import Any

import pytest
from django.utils import timezone

from commonground.governance.models import ConsentTally

from ...browser import BROWSER_TEST
from ...content.factories import StandardPageFactory
from ..factories import registered_technology
from ..vendor_server import launch_through, vendor_proxy, wait_for_policy

PIXEL_HOST = "pixel.ads.test"
TV_HOST = "tv.ads.test"

pytestmark = BROWSER_TEST


@pytest.fixture
def offers_url(live_url: str, home: Any, it_admin: Any) -> str:
    registered_technology(
        it_admin,
        name="AdPixel",
        hosts={"script-src": [PIXEL_HOST], "frame-src": [TV_HOST]},
        consent_purpose="marketing",
    )
    page = StandardPageFactory(
        parent=home,
        title="Offers",
        body=[
            ("html", f'<script src="http://{PIXEL_HOST}/p.js"></script>'),
            (
                "embed",
                {"url": f"http://{TV_HOST}/spot", "title": "Our spot", "aspect_ratio": "16-9"},
            ),
        ],
    )
    url = live_url + page.url
    wait_for_policy(url, PIXEL_HOST)
    return url


def _wait_until_ran(tab: Any, times: int) -> None:
    """Until the vendor's script ran ``times`` times (polled with evaluate: the page's CSP
    refuses the eval that wait_for_function uses for an expression)."""
    deadline = time.monotonic() + 10
    while tab.evaluate("window.vendorScriptRan || 0") != times:
        assert time.monotonic() < deadline, f"the vendor script did not run {times} times"
        tab.wait_for_timeout(100)


def _counts() -> dict[str, tuple[int, int]]:
    deadline = time.monotonic() + 10  # the count is sent with sendBeacon, after the click
    while time.monotonic() < deadline and not ConsentTally.objects.exists():
        time.sleep(0.2)
    return {
        row.purpose: (row.granted, row.declined)
        for row in ConsentTally.objects.filter(day=timezone.localdate())
    }


def test_a_vendor_needing_consent_loads_only_after_the_visitor_agrees(offers_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        tab.goto(offers_url)
        tab.wait_for_load_state("networkidle")
        banner_shown = tab.locator("#cg-consent").is_visible()
        vendors_text = tab.locator("#cg-consent").inner_text()
        tab.wait_for_timeout(1_000)  # anything the page would load on its own has been asked for
        before = set(vendors.hosts())
        ran_before = tab.evaluate("window.vendorScriptRan || 0")
        tab.screenshot(path="test-artifacts/governance-consent-banner.png", full_page=True)

        tab.get_by_role("button", name="Accept all").click()
        _wait_until_ran(tab, 1)
        tab.frame_locator("iframe.embed__frame").get_by_text("Vendor widget").wait_for()
        banner_after = tab.locator("#cg-consent").is_visible()
        after = set(vendors.hosts())

        # The choice is remembered: the next page view loads the vendor at once, no banner.
        vendors.requests.clear()
        tab.reload()
        _wait_until_ran(tab, 1)
        banner_on_reload = tab.locator("#cg-consent").is_visible()
        reloaded = set(vendors.hosts())
        browser.close()

    assert banner_shown and "AdPixel" in vendors_text
    assert before == set(), "no request to the vendor before consent"
    assert ran_before == 0
    assert {PIXEL_HOST, TV_HOST} <= after
    assert not banner_after and not banner_on_reload
    assert {PIXEL_HOST, TV_HOST} <= reloaded
    assert _counts() == {"marketing": (1, 0)}


def test_a_visitor_who_declines_never_reaches_the_vendor(offers_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        tab.goto(offers_url)
        tab.get_by_role("button", name="Reject all").click()
        tab.reload()
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(1_000)
        banner_on_reload = tab.locator("#cg-consent").is_visible()
        # The footer's "Privacy choices" opens the banner again to change one's mind.
        tab.get_by_role("button", name="Privacy choices").first.click()
        reopened = tab.locator("#cg-consent").is_visible()
        hosts = set(vendors.hosts())
        browser.close()

    assert hosts == set()
    assert not banner_on_reload and reopened
    assert _counts() == {"marketing": (0, 1)}
