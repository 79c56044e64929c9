"""A send's delivery page in Chromium at 1280 px: the "What this send brought" panel under the
summary shows the numbers the event store holds for its links, served by the real mover to
the live server; screenshot kept."""

from pathlib import Path

from wagtail.models import Page

from ...analytics.served_store import mover_serving
from ...browser import BROWSER_TEST, launch_chromium
from ...conftest import sign_in_to_admin
from .send_stats_setup import events, send_newsletter, use_smtp

SCREENSHOTS = Path("var/screenshots/issue15")

pytestmark = BROWSER_TEST


def test_the_delivery_page_shows_the_sends_numbers_in_the_browser(
    live_url: str, home: Page, publisher, settings, smtp, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    inbox, port = smtp
    use_smtp(settings, port)
    sent = send_newsletter(home, inbox)
    username = publisher.get_username()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with mover_serving(events(sent), log_dir=tmp_path), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/distribution/{sent.news.pk}/")
        panel = tab.locator("#cg-send-stats")
        assert panel.get_by_role("heading", name="What this send brought").is_visible()
        numbers = {
            name: panel.locator(f'[data-cg-stat="{name}"]').inner_text().strip()
            for name in ("visits", "visitors", "conversions", "unsubscribes")
        }
        assert numbers == {"visits": "3", "visitors": "3", "conversions": "1", "unsubscribes": "0"}
        # Below the send's summary, inside the page's width.
        summary = tab.locator("[data-cg-counts]").bounding_box()
        box = panel.bounding_box()
        assert summary and box and box["y"] > summary["y"] + summary["height"]
        assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
        tab.screenshot(path=SCREENSHOTS / "newsletter-send-stats.png", full_page=True)
        browser.close()
