"""Search and sharing fallbacks: pages of each type rendered over HTTP, their <head> parsed."""

import json

import html5lib
import pytest
from django.test import Client

from commonground.content.models import HomePage
from commonground.content.presentation.seo import plain_cut

from .factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    ContentImageFactory,
    LandingPageFactory,
    StandardPageFactory,
)

pytestmark = pytest.mark.django_db

NS = "{http://www.w3.org/1999/xhtml}"
LONG = (
    "Our spring catalogue brings forty new products for teams who build together, with"
    " stories from customers who used last year's range in schools, clinics and workshops"
    " across the region."
)


def head_of(client: Client, url: str) -> dict[str, str]:
    answer = client.get(url)
    assert answer.status_code == 200
    document = html5lib.parse(answer.content)
    head = document.find(f"{NS}head")
    assert head is not None
    found: dict[str, str] = {}
    for meta in head.iter(f"{NS}meta"):
        key = meta.get("name") or meta.get("property")
        if key:
            found[key] = meta.get("content", "")
    for link in head.iter(f"{NS}link"):
        if link.get("rel") == "canonical":
            found["canonical"] = link.get("href", "")
    return found


def test_a_landing_page_is_shared_with_its_hero_text_and_image(home: HomePage) -> None:
    hero = ContentImageFactory(description="Two people at a workbench")
    page = LandingPageFactory(
        parent=home, title="Spring launch", hero_text="Forty new products.", hero_image=hero
    )
    head = head_of(Client(), page.url)
    assert head["description"] == head["og:description"] == "Forty new products."
    assert head["twitter:description"] == "Forty new products."
    assert head["og:image"].startswith("http://") and "1200" in head["og:image"]
    assert head["og:image:alt"] == "Two people at a workbench"
    assert head["twitter:card"] == "summary_large_image"
    assert head["og:title"] == "Spring launch"
    assert head["canonical"] == head["og:url"] and head["og:url"].endswith(page.url)


def test_an_article_is_shared_with_its_summary_and_lead_image(home: HomePage) -> None:
    index = ArticleIndexPageFactory(parent=home)
    lead = ContentImageFactory(description="The catalogue's cover")
    page = ArticlePageFactory(parent=index, summary=LONG, lead_image=lead)
    head = head_of(Client(), page.url)
    assert head["description"] == plain_cut(LONG)
    assert len(head["description"]) <= 160 and head["description"].endswith("…")
    assert LONG.startswith(head["description"].removesuffix("…"))  # cut at a word
    assert head["og:image:alt"] == "The catalogue's cover"


def test_a_page_with_only_a_body_is_described_by_its_first_text(home: HomePage) -> None:
    body = json.dumps(
        [
            {"type": "heading", "value": {"text": "Why", "level": "h2"}},
            {"type": "paragraph", "value": f"<p><b>Short</b> and {LONG}</p>"},
        ]
    )
    page = StandardPageFactory(parent=home, intro="", body=body)
    head = head_of(Client(), page.url)
    assert head["description"].startswith("Short and Our spring catalogue")
    assert "<" not in head["description"] and len(head["description"]) <= 160
    assert "og:image" not in head and head["twitter:card"] == "summary"


def test_what_the_editor_wrote_on_the_promote_tab_wins(home: HomePage) -> None:
    own = ContentImageFactory(description="Chosen for sharing")
    page = LandingPageFactory(
        parent=home,
        hero_text="Forty new products.",
        hero_image=ContentImageFactory(),
        search_description="Written for search.",
        og_image=own,
    )
    head = head_of(Client(), page.url)
    assert head["description"] == "Written for search."
    assert head["og:image:alt"] == "Chosen for sharing"


def test_plain_cut_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert plain_cut("  A <em>short</em>\n text ") == "A short text"
    cut = plain_cut("word " * 60)
    assert len(cut) <= 160 and cut.endswith("word…")
