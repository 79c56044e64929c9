"""Issue 15, point 8, in a real Chromium on the live server with the demo site: no public
page sets a cookie (forms sent included), the consent banner leaves a phone usable, the
menu button opens the navigation; screenshots at 1280 and 390 px.

Database work stays outside ``sync_playwright()`` (Django refuses ORM calls in its loop).
"""

from pathlib import Path
from typing import Any

import pytest

from commonground.content.models import ArticlePage, HomePage, LandingPage

from ..browser import BROWSER_TEST, launch_chromium

pytestmark = BROWSER_TEST

SHOTS = Path("var/screenshots/issue15")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def demo(live_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from commonground.content.demo import load_demo, loader

    monkeypatch.setattr(loader, "HISTORY_EVENTS", 300)  # traffic is not what is tested here
    load_demo(write=lambda line: None)
    home = HomePage.objects.get()
    return {
        "pages": [page.url for page in home.get_descendants(inclusive=True).live().public()],
        "home": home.url,
        "landing": LandingPage.objects.live().get().url,
        "article": ArticlePage.objects.live().public().order_by("-date").first().url,
    }


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"public-{name}.png"))


def _send_landing_form(tab: Any, url: str) -> None:
    tab.goto(url)
    form = tab.locator("form[data-form]")
    form.get_by_label("Full name").fill("Ada Lovelace")
    form.get_by_label("Work email").fill("ada@example.com")
    form.get_by_label("I agree to receive").check()
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()


def test_no_public_page_of_the_demo_sets_a_cookie_forms_sent_included(
    live_url: str, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import sync_playwright

    statuses = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=PHONE)
        tab = context.new_page()
        for path in [*demo["pages"], "/newsletter/"]:
            statuses[path] = tab.goto(live_url + path).status
        _send_landing_form(tab, live_url + demo["landing"])
        thanked = tab.get_by_role("heading", name="Thank you").count()
        tab.goto(live_url + "/newsletter/")
        tab.get_by_label("E-mail address").fill("grace@example.com")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Subscribe").click()
        subscribed = tab.locator("main").inner_text()
        cookies = context.cookies(live_url)
        browser.close()

    assert statuses and all(status == 200 for status in statuses.values()), statuses
    assert thanked == 1
    assert "confirm" in subscribed.lower()
    assert cookies == []


def test_phone_banner_is_compact_the_menu_button_opens_the_navigation_and_desktop_has_links(
    live_url: str, demo: dict[str, Any]
) -> None:
    # One test for both widths: the demo is loaded once (it is most of this test's time).
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_context(viewport=PHONE).new_page()
        tab.goto(live_url + demo["article"])
        banner = tab.locator("#cg-consent")
        banner.wait_for(state="visible")
        banner_height = banner.bounding_box()["height"]
        choices_reachable = tab.get_by_role("button", name="Reject all").is_visible()
        _shot(tab, "article-390")
        # The page under the banner still scrolls.
        tab.mouse.wheel(0, 600)
        scrolled = 0
        for _ in range(30):  # polled from here: the page's policy forbids eval'd predicates
            scrolled = tab.evaluate("window.scrollY")
            if scrolled > 0:
                break
            tab.wait_for_timeout(100)
        toggle = tab.locator("[data-nav-toggle]")
        tab.evaluate("window.scrollTo(0, 0)")
        nav_hidden_before = not tab.locator("#nav-main").is_visible()
        toggle.focus()
        tab.keyboard.press("Enter")
        expanded = toggle.get_attribute("aria-expanded")
        nav_links = tab.locator("#nav-main a").evaluate_all(
            "links => links.filter(a => a.getBoundingClientRect().height > 0).length"
        )
        _shot(tab, "menu-open-390")
        tab.locator("#nav-main a").first.focus()
        tab.keyboard.press("Escape")
        closed = toggle.get_attribute("aria-expanded")
        # Choose what to allow: the purposes say what each one does.
        tab.get_by_text("Choose what to allow").click()
        uses = tab.locator(".consent__use").all_inner_texts()
        _shot(tab, "banner-choices-390")
        tab.goto(live_url + demo["landing"])
        _shot(tab, "landing-390")
        tab.goto(live_url + demo["home"])
        _shot(tab, "home-390")
        desktop = browser.new_context(viewport=DESKTOP).new_page()
        for name in ("home", "landing", "article"):
            desktop.goto(live_url + demo[name])
            desktop.locator("#cg-consent").wait_for(state="visible")
            _shot(desktop, f"{name}-1280")
        toggle_shown = desktop.locator("[data-nav-toggle]").is_visible()
        nav_shown = desktop.locator("#nav-main").is_visible()
        browser.close()

    assert banner_height <= 0.30 * PHONE["height"], banner_height
    assert choices_reachable
    assert scrolled > 0, "the page under the banner scrolls"
    assert nav_hidden_before and expanded == "true" and nav_links >= 3 and closed == "false"
    assert any(use.startswith("Video player (Vimeo): loads videos from vimeo.com") for use in uses)
    assert nav_shown and not toggle_shown  # wide screens show the links, no menu button
