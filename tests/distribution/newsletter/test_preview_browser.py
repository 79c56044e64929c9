"""The newsletter preview in a real Chromium at 1280 px: the edition's hero image and summary
are shown, the phone view narrows the frame to 390 px, the text view shows the text part."""

from pathlib import Path

from wagtail.models import Page

from ...browser import BROWSER_TEST, launch_chromium
from ...conftest import sign_in_to_admin
from .pages import SUMMARY, planned_page

SCREENSHOTS = Path("var/screenshots/issue15")

pytestmark = BROWSER_TEST


def test_the_preview_shows_hero_and_summary_at_desktop_and_phone_widths(
    live_url: str, home: Page, editor, settings
) -> None:
    from playwright.sync_api import expect, sync_playwright

    settings.WAGTAILADMIN_BASE_URL = live_url  # not read by the server: its own setting
    page = planned_page(home)
    username = editor.username
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/newsletter/preview/{page.pk}/")
        frame = tab.frame_locator("iframe[title='The e-mail as subscribers see it']")
        hero = frame.locator("img[src*='fill-1200x630']")
        expect(hero).to_be_visible()
        hero.evaluate("i => i.decode()")
        assert hero.evaluate("i => i.naturalWidth") == 1200
        expect(frame.get_by_text(SUMMARY)).to_be_visible()
        expect(frame.get_by_text("Larkspur", exact=True)).to_be_visible()
        tab.screenshot(path=SCREENSHOTS / "newsletter-preview-desktop.png", full_page=True)

        tab.get_by_text("Phone (390 px)").click()
        iframe = tab.locator("iframe[title='The e-mail as subscribers see it']")
        expect(iframe).to_have_js_property("offsetWidth", 390)
        tab.screenshot(path=SCREENSHOTS / "newsletter-preview-phone.png", full_page=True)

        tab.get_by_text("Plain text").click()
        text = tab.locator("pre.cg-nl-text")
        expect(text).to_be_visible()
        expect(text).to_contain_text(SUMMARY)
        expect(iframe).to_be_hidden()
        browser.close()
    assert not errors, errors
