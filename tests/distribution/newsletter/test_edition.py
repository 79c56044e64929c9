"""The edition is built from the page itself, whatever its type: the brand's name and logo,
the lead or hero image as a rendition, the summary or intro, the first blocks of the body
(sanitised), the tagged link; and a plain-text part that reads as text."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wagtail.models import Page

from commonground.distribution.newsletter.editions import edition_html
from commonground.distribution.newsletter.page_content import sanitised_html
from commonground.distribution.newsletter.plain_text import text_from_html

from .pages import FIRST_PARAGRAPH, SUMMARY, brand, page_of_type

pytestmark = pytest.mark.django_db

URL = "https://example.com/spring-launch/?utm_source=newsletter&utm_medium=email&utm_campaign=x"


@pytest.mark.parametrize("kind", ["article", "landing", "standard", "home"])
def test_every_page_type_brings_its_image_summary_and_body(kind: str, home: Page) -> None:
    brand("Larkspur")
    page = page_of_type(kind, home)
    markup = edition_html(page=page, url=URL, mailing_list=None)
    # The brand, not the software's name.
    assert "Larkspur" in markup and "Common Ground" not in markup
    logo = re.search(r'<img src="([^"]+)" alt="Larkspur" height="40"', markup)
    assert logo and logo.group(1).startswith("http"), markup
    # The lead/hero image as an absolute 1200 px rendition laid out at 600.
    hero = re.search(r'<img src="(http[^"]+fill-1200x630[^"]*)" alt="[^"]*" width="600"', markup)
    assert hero, markup
    assert SUMMARY in markup
    assert FIRST_PARAGRAPH.replace("&", "&amp;") in markup
    assert "What is new</h2>" in markup
    # The body's image too, as a rendition; the embed and raw HTML are dropped.
    assert re.search(r'<img src="http[^"]+width-1200[^"]*" alt="The new dashboard"', markup)
    assert "vimeo" not in markup and "<script" not in markup and "evil.example" not in markup
    assert "onclick" not in markup and "alert" not in markup
    assert 'href="https://example.org/notes"' in markup


def test_the_text_part_reads_as_text(home: Page) -> None:
    brand("Larkspur")
    page = page_of_type("landing", home)
    text = text_from_html(edition_html(page=page, url=URL, mailing_list=None, preheader="Hi"))
    assert "@media" not in text and "{" not in text and "<" not in text
    assert not re.search(r"&(amp|lt|gt|quot|#\d+);", text)
    assert text.startswith("Larkspur\n"), text
    assert SUMMARY in text and FIRST_PARAGRAPH in text  # "&" as itself
    assert "Read the notes (https://example.org/notes)" in text
    assert f"Read it on our site ({URL})" in text or f"Read the rest on our site ({URL})" in text
    assert "Unsubscribe (%%unsubscribe_url%%)" in text


@settings(max_examples=120, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;abcdehiklnoprstuv:()")), max_size=200))
def test_sanitised_rich_text_never_carries_markup_that_runs(markup: str) -> None:
    cleaned, _ = sanitised_html(markup)
    lowered = cleaned.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert not re.search(r"<[a-z0-9]+\s+on", lowered)
    tags = set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", cleaned))
    allowed = {"p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "code", "sup"}
    assert tags <= allowed | {"sub", "h2", "h3", "h4", "blockquote"}
    text_from_html(cleaned)  # reads any of it
