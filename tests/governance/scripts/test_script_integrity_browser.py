"""A real Chromium on the live server: the site tag IT reviewed runs; once the vendor's copy
changes, the page still carries the reviewed hash and the browser refuses to run the new
bytes (Subresource Integrity), whatever they would have done.

The vendor is ``vendor_scripts`` (Chromium's proxy and the server's, so nothing leaves
127.0.0.1). Database work stays outside ``sync_playwright()`` (Django refuses the ORM there).
"""

import time
from typing import Any

from commonground.governance.models import SiteTag
from commonground.governance.scripts import services

from ...browser import BROWSER_TEST, launch_chromium
from ..factories import registered_technology
from ..vendor_server import wait_for_policy
from .vendor_scripts import REVIEWED, TAMPERED, vendor_scripts

pytestmark = BROWSER_TEST

TAG_URL = "http://cdn.vendor.test/tag.js"


def _poll(tab: Any, expression: str, seconds: float = 10) -> None:
    """Until ``expression`` is true in the page, polled with evaluate: the page's CSP refuses
    the eval that wait_for_function uses for an expression."""
    deadline = time.monotonic() + seconds
    while not tab.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {expression}"
        tab.wait_for_timeout(100)


def _wait_for_integrity_error(tab: Any, console: list[str], *, seconds: float = 10) -> None:
    """Until Chromium reports, on the console, the integrity check that refused a script."""
    for _ in range(int(seconds * 10)):
        if any("integrity" in line.lower() for line in console):
            return
        tab.wait_for_timeout(100)
    raise AssertionError(f"no integrity error on the console: {console}")


def test_the_reviewed_script_runs_and_a_tampered_copy_is_blocked_by_the_browser(
    live_url: str, home: Any, it_admin: Any, settings: Any
) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_scripts(tag_js=REVIEWED) as vendor:
        settings.SCRIPT_FETCH_PROXY = vendor.url
        registered_technology(
            it_admin, name="Vendor CDN", hosts={"script-src": ["cdn.vendor.test"]}
        )
        SiteTag.objects.create(name="Vendor tag", script_url=TAG_URL, load_async=False)
        fetched = services.fetch_for_review(user=it_admin, url=TAG_URL)
        services.approve_script(user=it_admin, url=TAG_URL, integrity=fetched.fetched_integrity)
        wait_for_policy(f"{live_url}/", "cdn.vendor.test")

        with sync_playwright() as playwright:
            browser = launch_chromium(
                playwright, proxy={"server": vendor.url, "bypass": "127.0.0.1,localhost"}
            )
            tab = browser.new_page()
            console: list[str] = []
            tab.on("console", lambda message: console.append(message.text))
            tab.goto(f"{live_url}/")
            tab.wait_for_load_state("load")
            assert tab.evaluate("window.vendorTagRan") == "reviewed"

            vendor.scripts["/tag.js"] = TAMPERED
            served_before = len(vendor.requests)
            tab.reload()
            tab.wait_for_load_state("load")
            assert len(vendor.requests) > served_before  # the browser did fetch the new copy
            _wait_for_integrity_error(tab, console)
            assert tab.evaluate("window.vendorTagRan === undefined")  # and did not run it
            browser.close()


def test_a_tag_held_for_consent_keeps_its_hash_when_consent_restores_it(
    live_url: str, home: Any, it_admin: Any, settings: Any
) -> None:
    from playwright.sync_api import sync_playwright

    with vendor_scripts(tag_js=REVIEWED) as vendor:
        settings.SCRIPT_FETCH_PROXY = vendor.url
        registered_technology(
            it_admin,
            name="Ads",
            hosts={"script-src": ["cdn.vendor.test"]},
            consent_purpose="marketing",
        )
        SiteTag.objects.create(name="Ads tag", script_url=TAG_URL)
        fetched = services.fetch_for_review(user=it_admin, url=TAG_URL)
        services.approve_script(user=it_admin, url=TAG_URL, integrity=fetched.fetched_integrity)
        wait_for_policy(f"{live_url}/", "cdn.vendor.test")

        with sync_playwright() as playwright:
            browser = launch_chromium(
                playwright, proxy={"server": vendor.url, "bypass": "127.0.0.1,localhost"}
            )
            tab = browser.new_page()
            console: list[str] = []
            tab.on("console", lambda message: console.append(message.text))
            tab.goto(f"{live_url}/")
            tab.locator("[data-consent-all]").click()
            _poll(tab, "window.vendorTagRan === 'reviewed'")
            restored = tab.locator("script[data-site-tag='Ads tag']")
            assert restored.get_attribute("integrity") == fetched.fetched_integrity
            assert restored.get_attribute("crossorigin") == "anonymous"

            vendor.scripts["/tag.js"] = TAMPERED
            served_before = len(vendor.requests)
            tab.reload()  # the stored choice restores the tag at once
            _poll(tab, "document.querySelector(\"script[data-site-tag='Ads tag'][src]\") !== null")
            _wait_for_integrity_error(tab, console)
            assert len(vendor.requests) > served_before
            assert tab.evaluate("window.vendorTagRan === undefined")
            browser.close()
