"""An edition as a subscriber receives it: sent to a real SMTP server (aiosmtpd), its HTML
carries the page's image and summary and its text part no CSS; rendered in Chromium at the
600 px it is laid out at and at a phone's 390 px, screenshots kept."""

import re
from pathlib import Path
from urllib.request import urlopen

from wagtail.models import Page

from commonground.distribution.models import (
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
)

from ...browser import BROWSER_TEST, launch_chromium
from .pages import FIRST_PARAGRAPH, SUMMARY, brand, page_of_type

SCREENSHOTS = Path("var/screenshots/issue15")

pytestmark = BROWSER_TEST


def test_a_subscriber_receives_the_page_as_a_readable_edition(
    live_url: str, home: Page, settings, smtp
) -> None:
    from playwright.sync_api import sync_playwright

    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.WAGTAILADMIN_BASE_URL = live_url  # the images' absolute URLs, served there
    brand("Larkspur")
    news = MailingList.objects.create(name="Larkspur product news", from_email="n@example.com")
    person = Subscriber.objects.create(email="ada@example.com")
    Subscription.objects.create(
        subscriber=person, mailing_list=news, status=Subscription.Status.CONFIRMED
    )
    page = page_of_type("landing", home, live=False)
    page.distribution.add(  # type: ignore[attr-defined]
        PlannedChannel(channel="newsletter", mailing_list=news, subject="Spring is here")
    )
    page.save_revision().publish()  # the ImmediateBackend sends on commit, in this process
    assert Dispatch.objects.filter(page=page).count() == 1

    assert inbox.count() == 1
    received = inbox.messages[0]
    assert str(received["Subject"]) == "Spring is here"
    markup = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    hero = re.search(r'<img src="(http[^"]+fill-1200x630[^"]*)"[^>]* width="600"', markup)
    assert hero, markup
    with urlopen(hero.group(1)) as answer:  # the rendition is really there
        assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert SUMMARY in markup and "Larkspur" in markup and "Common Ground" not in markup
    assert "@media" not in text and "{" not in text and "<" not in text
    assert SUMMARY in text and FIRST_PARAGRAPH in text and text.startswith("Larkspur")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 600, "height": 900})
        tab.set_content(markup, wait_until="load")
        for width in (600, 390):
            tab.set_viewport_size({"width": width, "height": 900})
            image = tab.locator(f'img[src="{hero.group(1)}"]')
            assert image.evaluate("i => i.complete && i.naturalWidth") == 1200
            box = image.bounding_box()
            assert box is not None and box["width"] <= width  # never wider than the screen
            scroll = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{scroll} px wide at {width}"
            assert tab.get_by_text(SUMMARY).is_visible()
            tab.screenshot(path=SCREENSHOTS / f"newsletter-received-{width}.png", full_page=True)
        browser.close()
