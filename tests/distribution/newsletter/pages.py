"""Pages of every type with what an edition is made of (an image, a summary, a body with
blocks an e-mail can carry and blocks it cannot), and the brand of their site."""

import json
from typing import Any

from wagtail.models import Page, Site

from commonground.content.models import ContentImage
from commonground.distribution.models import Brand, MailingList, PlannedChannel

from ...content.factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    ContentImageFactory,
    LandingPageFactory,
    StandardPageFactory,
)

SUMMARY = "Three new dashboards and a calmer inbox, out today."
FIRST_PARAGRAPH = "Spring brings the dashboards you asked for & a few you did not."


def picture(title: str = "Hero", color: str = "teal") -> ContentImage:
    image = ContentImageFactory(title=title, file__width=1600, file__height=900, file__color=color)
    assert isinstance(image, ContentImage)
    return image


def body(image: ContentImage) -> str:
    """A body: a heading, rich text with a link, an image, then what e-mail cannot carry."""
    image_value = {"image": image.pk, "alt_text": "The new dashboard", "decorative": False}
    blocks: list[dict[str, Any]] = [
        {"type": "heading", "value": {"text": "What is new", "level": "h2"}},
        {
            "type": "paragraph",
            "value": f"<p>{FIRST_PARAGRAPH.replace('&', '&amp;')} "
            '<a href="https://example.org/notes">Read the notes</a>.</p>'
            '<p onclick="alert(1)">Second<script>alert("x")</script> paragraph.</p>',
        },
        {"type": "image", "value": {"image": image_value, "caption": "The dashboard"}},
        {
            "type": "embed",
            "value": {
                "url": "https://player.vimeo.com/video/1",
                "title": "Tour",
                "aspect_ratio": "16x9",
            },
        },
        {"type": "html", "value": '<script src="https://evil.example/x.js"></script>'},
    ]
    return json.dumps(blocks)


def page_of_type(kind: str, home: Page, *, live: bool = True) -> Page:
    """A page of ``kind`` (article, landing, standard, home) with an image, summary, body."""
    hero = picture()
    fields: dict[str, Any] = {"body": body(picture("In the body", "orange")), "live": live}
    if kind == "article":
        index = ArticleIndexPageFactory(parent=home)
        page: Page = ArticlePageFactory(
            parent=index, title="Spring launch", summary=SUMMARY, lead_image=hero, **fields
        )
    elif kind == "landing":
        page = LandingPageFactory(
            parent=home, title="Spring launch", hero_text=SUMMARY, hero_image=hero, **fields
        )
    elif kind == "standard":
        page = StandardPageFactory(
            parent=home, title="Spring launch", intro=SUMMARY, og_image=hero, **fields
        )
    else:
        home.hero_text, home.hero_image = SUMMARY, hero  # type: ignore[attr-defined]
        home.body = fields["body"]  # type: ignore[attr-defined]
        home.title = "Spring launch"
        home.save_revision().publish()
        page = home
    return page


def brand(name: str = "Larkspur") -> Brand:
    site = Site.objects.get(is_default_site=True)
    setting = Brand.for_site(site)
    setting.name = name
    setting.logo = picture("Logo", "navy")
    setting.save()
    return setting


def planned_page(home: Page) -> Page:
    """A landing page (a draft) with a newsletter planned to a list, and the brand."""
    brand("Larkspur")
    news = MailingList.objects.create(name="Larkspur product news", from_email="n@example.com")
    page = page_of_type("landing", home, live=False)
    page.distribution.add(  # type: ignore[attr-defined]
        PlannedChannel(channel="newsletter", mailing_list=news, subject="Spring is here")
    )
    page.save_revision()
    return page
