"""Feeds of an article index: RSS 2.0, Atom 1.0 and JSON Feed 1.1, all articles or one tag's.

Every feed is fetched over HTTP (the test client; the live server for the cache across
processes) and read back by feedparser, as a feed reader would.
"""

import datetime
import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import feedparser
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, PageViewRestriction

from commonground.content.models import ArticleIndexPage, ArticlePage
from commonground.distribution import feeds

from ..content.factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    AuthorFactory,
    ContentImageFactory,
)
from ..live_http import Browser

FORMATS = ("rss", "atom", "json")
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json",
}
UTM_SOURCES = {"rss": "rss", "atom": "atom", "json": "json-feed"}
UNICODE_TAG = "Café Öko Ünïcode"
HTML_TITLE = 'Ben & Jerry\'s <b>bold</b> "guide" </title><script>x</script>'
HTML_SUMMARY = '<script>alert("x")</script> & <em>more</em> ]]> done'
TODAY = datetime.date(2026, 3, 20)


def add_article(
    parent: Page,
    title: str,
    *,
    tags: Sequence[str] = (),
    live: bool = True,
    **fields: Any,
) -> ArticlePage:
    """An article added the Wagtail way: a revision, published unless ``live=False``."""
    fields.setdefault("slug", slugify(title) or f"article-{ArticlePage.objects.count()}")
    page: ArticlePage = ArticlePageFactory.build(title=title, live=False, **fields)
    page.tags.add(*tags)
    parent.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def blog(home) -> dict[str, Any]:
    """An index with published articles over two tags and every kind that must stay out."""
    index = ArticleIndexPageFactory(parent=home, title="Blog", slug="blog", intro="Our news")
    author = AuthorFactory(name="Jo <Writer> & Co")
    image = ContentImageFactory()
    days = datetime.timedelta
    articles = {
        "oldest": add_article(
            index,
            "Oldest product story",
            tags=["Product news"],
            date=TODAY - days(10),
            author=author,
            lead_image=image,
        ),
        # No author, no image, no summary (blanked below); and two tags.
        "bare": add_article(
            index, "Bare story", tags=["Product news", UNICODE_TAG], date=TODAY - days(5)
        ),
        # Same date as "bare", published after it: comes first.
        "same_day": add_article(index, "Same day story", date=TODAY - days(5)),
        "html": add_article(
            index,
            HTML_TITLE,
            slug="html-story",
            tags=[UNICODE_TAG],
            date=TODAY - days(1),
            summary=HTML_SUMMARY,
            author=author,
        ),
    }
    hidden = {
        "draft": add_article(index, "Draft story", tags=["Draft only"], live=False, date=TODAY),
        "future": add_article(
            index,
            "Future story",
            date=TODAY,
            go_live_at=timezone.now() + datetime.timedelta(days=2),
        ),
        "unpublished": add_article(index, "Withdrawn story", tags=["Withdrawn"], date=TODAY),
        "private": add_article(index, "Private story", tags=["Product news", "Secret"], date=TODAY),
        "expired": add_article(index, "Expired story", date=TODAY),
    }
    hidden["unpublished"].unpublish()
    # The editor requires a summary; data from an import or older rows may still lack one.
    ArticlePage.objects.filter(pk=articles["bare"].pk).update(summary="")
    PageViewRestriction.objects.create(
        page=hidden["private"], restriction_type=PageViewRestriction.PASSWORD, password="hush"
    )
    # Past its expiry, before the scheduler has unpublished it.
    ArticlePage.objects.filter(pk=hidden["expired"].pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    other_index = ArticleIndexPageFactory(parent=home, title="Elsewhere", slug="elsewhere")
    hidden["elsewhere"] = add_article(other_index, "Other index story", tags=["Product news"])
    assert hidden["future"].live is False and hidden["unpublished"].live is False
    return {"index": index, "articles": articles, "hidden": hidden, "image": image}


def feed_url(index: ArticleIndexPage, feed_format: str, tag_slug: str = "") -> str:
    if tag_slug:
        subpage = index.reverse_subpage(
            "tag_feed", kwargs={"tag_slug": tag_slug, "feed_format": feed_format}
        )
    else:
        subpage = index.reverse_subpage("feed", kwargs={"feed_format": feed_format})
    return index.url + subpage


def fetch(url: str, client: Client | None = None) -> Any:
    response = (client or Client()).get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response


def parse(response: Any) -> Any:
    """The feed as feedparser reads it; fails with feedparser's complaint if it had one."""
    parsed = feedparser.parse(
        response.content, response_headers={"content-type": response["Content-Type"]}
    )
    assert not parsed.bozo, f"feedparser: {parsed.get('bozo_exception')!r}"
    return parsed


def guids(response: Any, feed_format: str) -> list[str]:
    if feed_format == "json":
        return [item["id"] for item in json.loads(response.content)["items"]]
    return [entry.id for entry in parse(response).entries]


def links(response: Any, feed_format: str) -> list[str]:
    if feed_format == "json":
        return [item["url"] for item in json.loads(response.content)["items"]]
    return [entry.link for entry in parse(response).entries]


def without_query(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


def assert_rfc3339(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def assert_valid_json_feed(document: dict[str, Any]) -> None:
    """The JSON Feed 1.1 rules: required fields, types, absolute URLs, RFC 3339 dates."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert urlsplit(document[key]).scheme in ("http", "https"), document[key]
    for author in document.get("authors", []):
        assert isinstance(author["name"], str) and author["name"]
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str), item
        assert urlsplit(item["url"]).scheme in ("http", "https"), item
        assert isinstance(item["title"], str)
        assert_rfc3339(item["date_published"])
        assert_rfc3339(item["date_modified"])
        for author in item.get("authors", []):
            assert isinstance(author["name"], str) and author["name"]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        if "image" in item:
            assert urlsplit(item["image"]).scheme in ("http", "https"), item


@pytest.mark.django_db
class TestWhatFeedsList:
    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_only_published_public_articles_newest_first(self, blog, feed_format) -> None:
        a = blog["articles"]
        response = fetch(feed_url(blog["index"], feed_format))

        expected = [a["html"], a["same_day"], a["bare"], a["oldest"]]
        assert guids(response, feed_format) == [page.get_full_url() for page in expected]
        assert response["Content-Type"] == CONTENT_TYPES[feed_format]

    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_tag_feed_lists_only_that_tags_articles(self, blog, feed_format) -> None:
        a = blog["articles"]
        index = blog["index"]

        product = fetch(feed_url(index, feed_format, "product-news"))
        unicode_tag = fetch(feed_url(index, feed_format, slugify(UNICODE_TAG, allow_unicode=True)))

        assert guids(product, feed_format) == [a["bare"].get_full_url(), a["oldest"].get_full_url()]
        assert guids(unicode_tag, feed_format) == [
            a["html"].get_full_url(),
            a["bare"].get_full_url(),
        ]

    @pytest.mark.parametrize(
        "slug",
        [
            "no-such-tag",
            "draft-only",  # only a never-published draft carries it
            "secret",  # only a private article carries it
            "café-öko-ünïcode-",
        ],
    )
    def test_tag_no_public_article_was_published_with_is_not_found(self, blog, slug) -> None:
        response = Client().get(feed_url(blog["index"], "rss", slug))
        assert response.status_code == 404

    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_tag_whose_articles_are_all_withdrawn_answers_with_no_items(
        self, blog, feed_format
    ) -> None:
        response = fetch(feed_url(blog["index"], feed_format, "withdrawn"))
        assert guids(response, feed_format) == []

    def test_queries_do_not_grow_with_the_items(self, blog) -> None:
        index = blog["index"]
        oldest = blog["articles"]["oldest"]

        def queries_for_a_fresh_render() -> int:
            caches["default"].clear()
            with CaptureQueriesContext(connection) as queries:
                fetch(feed_url(index, "rss"))
            return len(queries)

        queries_for_a_fresh_render()  # the first render also creates the image rendition
        before = queries_for_a_fresh_render()
        for number in range(4):
            add_article(
                index,
                f"More news {number}",
                tags=["Product news"],
                author=oldest.author,
                lead_image=oldest.lead_image,
            )
        assert queries_for_a_fresh_render() == before

    def test_unknown_format_is_not_found(self, blog) -> None:
        assert Client().get(blog["index"].url + "feed/xml/").status_code == 404
        assert Client().get(blog["index"].url + "tag/product-news/feed/").status_code == 404

    def test_item_limit_keeps_the_newest(self, blog, monkeypatch) -> None:
        monkeypatch.setattr(feeds, "FEED_ITEM_LIMIT", 2)
        a = blog["articles"]
        response = fetch(feed_url(blog["index"], "json"))
        assert guids(response, "json") == [a["html"].get_full_url(), a["same_day"].get_full_url()]

    def test_feeds_of_a_private_index_are_not_served(self, home) -> None:
        index = ArticleIndexPageFactory(parent=home, title="Members", slug="members")
        add_article(index, "Members only story", tags=["Inside"])
        PageViewRestriction.objects.create(
            page=index, restriction_type=PageViewRestriction.PASSWORD, password="hush"
        )
        for url in (feed_url(index, "rss"), feed_url(index, "json", "inside")):
            response = Client().get(url)
            assert not response["Content-Type"].startswith(("application/rss", "application/feed"))
            assert b"Members only story" not in response.content


@pytest.mark.django_db
class TestLinksAndIds:
    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_item_links_are_absolute_and_carry_utm_tags(self, blog, feed_format) -> None:
        response = fetch(feed_url(blog["index"], feed_format))
        found = links(response, feed_format)
        ids = guids(response, feed_format)

        assert len(found) == 4
        slugs = []
        for link, guid in zip(found, ids, strict=True):
            assert urlsplit(link).scheme == "http" and urlsplit(link).netloc == "localhost"
            query = parse_qs(urlsplit(link).query)
            assert query["utm_source"] == [UTM_SOURCES[feed_format]]
            assert query["utm_medium"] == ["feed"]
            slugs.append(query["utm_campaign"][0])
            assert without_query(link) == guid
        assert slugs == ["html-story", "same-day-story", "bare-story", "oldest-product-story"]

    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_guids_and_feed_links_are_plain_canonical_urls(self, blog, feed_format) -> None:
        index = blog["index"]
        response = fetch(feed_url(index, feed_format))

        for guid in guids(response, feed_format):
            assert guid.startswith("http://localhost/blog/")
            assert "?" not in guid
        if feed_format == "json":
            document = json.loads(response.content)
            assert document["home_page_url"] == index.get_full_url()
            assert document["feed_url"] == "http://localhost/blog/feed/json/"
        else:
            feed = parse(response).feed
            assert feed.link == index.get_full_url()
            self_links = [link.href for link in feed.links if link.rel == "self"]
            assert self_links == [f"http://localhost/blog/feed/{feed_format}/"]

    def test_rss_guid_is_a_permalink(self, blog) -> None:
        root = ET.fromstring(fetch(feed_url(blog["index"], "rss")).content)  # noqa: S314
        guid_elements = root.findall("channel/item/guid")
        assert [g.get("isPermaLink") for g in guid_elements] == ["true"] * 4
        assert guid_elements[0].text == blog["articles"]["html"].get_full_url()

    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_tag_feed_links_to_the_filtered_listing(self, blog, feed_format) -> None:
        response = fetch(feed_url(blog["index"], feed_format, "product-news"))
        if feed_format == "json":
            document = json.loads(response.content)
            home_page_url = document["home_page_url"]
            assert document["title"] == "Blog: Product news"
        else:
            feed = parse(response).feed
            home_page_url = feed.link
            assert feed.title == "Blog: Product news"
        assert home_page_url == "http://localhost/blog/?tag=product-news"
        assert fetch(urlsplit(home_page_url).path + "?tag=product-news").status_code == 200

    def test_guids_do_not_change_between_formats(self, blog) -> None:
        index = blog["index"]
        per_format = {f: guids(fetch(feed_url(index, f)), f) for f in FORMATS}
        assert per_format["rss"] == per_format["atom"] == per_format["json"]
        assert len(set(links(fetch(feed_url(index, "rss")), "rss"))) == 4


@pytest.mark.django_db
class TestItemContent:
    def test_rss_item_fields(self, blog) -> None:
        a = blog["articles"]
        entries = {e.id: e for e in parse(fetch(feed_url(blog["index"], "rss"))).entries}
        oldest = entries[a["oldest"].get_full_url()]
        bare = entries[a["bare"].get_full_url()]

        assert oldest.title == "Oldest product story"
        assert oldest.author == "Jo <Writer> & Co"
        assert oldest.published_parsed[:3] == (TODAY - datetime.timedelta(days=10)).timetuple()[:3]
        assert [t.term for t in oldest.tags] == ["Product news"]
        assert html.unescape(oldest.summary) == "Summary of Oldest product story"
        (enclosure,) = oldest.enclosures
        rendition = blog["image"].get_rendition(feeds.FEED_IMAGE_SPEC)
        assert enclosure.href == "http://localhost" + rendition.url
        assert enclosure.type == "image/png"
        assert int(enclosure.length) == rendition.file.size > 0

        assert "author" not in bare
        assert bare.enclosures == []
        assert bare.summary == ""
        assert sorted(t.term for t in bare.tags) == sorted(["Product news", UNICODE_TAG])

    def test_atom_entry_fields(self, blog) -> None:
        a = blog["articles"]
        parsed = parse(fetch(feed_url(blog["index"], "atom")))
        entries = {e.id: e for e in parsed.entries}
        oldest = entries[a["oldest"].get_full_url()]
        bare = entries[a["bare"].get_full_url()]

        # Entries without an author are covered by the feed's: Atom requires one or the other.
        assert parsed.feed.author == "Common Ground"
        assert "author" not in bare
        assert oldest.author == "Jo <Writer> & Co"
        assert oldest.published_parsed[:3] == (TODAY - datetime.timedelta(days=10)).timetuple()[:3]
        assert oldest.updated_parsed >= oldest.published_parsed
        assert [t.term for t in oldest.tags] == ["Product news"]
        enclosures = [link for link in oldest.links if link.rel == "enclosure"]
        assert [e.type for e in enclosures] == ["image/png"]
        assert enclosures[0].href.startswith("http://localhost/")
        assert not [link for link in bare.links if link.rel == "enclosure"]

    def test_json_feed_is_valid_and_complete(self, blog) -> None:
        a = blog["articles"]
        document = json.loads(fetch(feed_url(blog["index"], "json")).content)
        assert_valid_json_feed(document)
        items = {item["id"]: item for item in document["items"]}
        oldest = items[a["oldest"].get_full_url()]
        bare = items[a["bare"].get_full_url()]

        assert document["title"] == "Blog"
        assert document["description"] == "Our news"
        assert oldest["title"] == "Oldest product story"
        assert oldest["summary"] == oldest["content_text"] == "Summary of Oldest product story"
        assert oldest["authors"] == [{"name": "Jo <Writer> & Co"}]
        assert oldest["tags"] == ["Product news"]
        assert oldest["image"].startswith("http://localhost/") and oldest["image"].endswith(".png")
        published = assert_rfc3339(oldest["date_published"])
        assert published.date() == TODAY - datetime.timedelta(days=10)

        assert bare["content_text"] == ""
        assert not {"summary", "image", "authors"} & set(bare)

    def test_html_in_titles_and_summaries_is_text_in_every_format(self, blog) -> None:
        index = blog["index"]
        guid = blog["articles"]["html"].get_full_url()

        rss = {e.id: e for e in parse(fetch(feed_url(index, "rss"))).entries}[guid]
        atom = {e.id: e for e in parse(fetch(feed_url(index, "atom"))).entries}[guid]
        document = json.loads(fetch(feed_url(index, "json")).content)
        item = {i["id"]: i for i in document["items"]}[guid]

        # Titles are text: the markup in them comes back as the characters that were typed.
        assert rss.title == atom.title == item["title"] == HTML_TITLE
        assert item["summary"] == HTML_SUMMARY
        # The summaries are HTML that shows the text as written: no live <script>.
        for entry in (rss, atom):
            assert "<script" not in entry.summary
            assert html.unescape(entry.summary) == HTML_SUMMARY

    def test_characters_xml_cannot_carry_are_dropped(self, blog) -> None:
        add_article(blog["index"], "Bell\x07 and\x08 backspace", summary="Form\x0cfeed", date=TODAY)
        for feed_format in ("rss", "atom"):
            entry = parse(fetch(feed_url(blog["index"], feed_format))).entries[0]
            assert entry.title == "Bell and backspace"
        item = json.loads(fetch(feed_url(blog["index"], "json")).content)["items"][0]
        assert item["summary"] == "Formfeed"

    @pytest.mark.parametrize("feed_format", ("rss", "atom"))
    def test_an_index_without_articles_gives_a_valid_empty_feed(self, home, feed_format) -> None:
        index = ArticleIndexPageFactory(parent=home, title="Quiet", slug="quiet")
        parsed = parse(fetch(feed_url(index, feed_format)))
        assert parsed.entries == []
        assert parsed.feed.title == "Quiet"

    def test_an_index_without_articles_gives_a_valid_empty_json_feed(self, home) -> None:
        index = ArticleIndexPageFactory(parent=home, title="Quiet", slug="quiet")
        document = json.loads(fetch(feed_url(index, "json")).content)
        assert_valid_json_feed(document)
        assert document["items"] == []


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "alternate":
            self.found.append(attributes)


def alternate_links(page_html: str) -> list[dict[str, str | None]]:
    parser = _AlternateLinks()
    head = page_html.split("</head>")[0]
    parser.feed(head)
    return parser.found


@pytest.mark.django_db
class TestDiscovery:
    def test_index_head_announces_its_feeds(self, blog) -> None:
        found = alternate_links(fetch(blog["index"].url).content.decode())

        assert [(link["type"], link["title"]) for link in found] == [
            ("application/rss+xml", "Blog (RSS)"),
            ("application/atom+xml", "Blog (Atom)"),
            ("application/feed+json", "Blog (JSON Feed)"),
        ]
        for link, feed_format in zip(found, FORMATS, strict=True):
            assert link["href"] == f"/blog/feed/{feed_format}/"
            assert fetch(str(link["href"]))["Content-Type"] == CONTENT_TYPES[feed_format]

    def test_filtered_listing_announces_the_tags_feeds_first(self, blog) -> None:
        tag_slug = slugify(UNICODE_TAG, allow_unicode=True)
        found = alternate_links(fetch(blog["index"].url + f"?tag={tag_slug}").content.decode())

        assert len(found) == 6
        assert [link["title"] for link in found[:3]] == [
            f"Blog: {UNICODE_TAG} (RSS)",
            f"Blog: {UNICODE_TAG} (Atom)",
            f"Blog: {UNICODE_TAG} (JSON Feed)",
        ]
        tag_feed = fetch(str(found[0]["href"]))
        assert guids(tag_feed, "rss") == [
            blog["articles"]["html"].get_full_url(),
            blog["articles"]["bare"].get_full_url(),
        ]

    def test_unknown_tag_listing_announces_only_the_index_feeds(self, blog) -> None:
        found = alternate_links(fetch(blog["index"].url + "?tag=secret").content.decode())
        assert [link["href"] for link in found] == [f"/blog/feed/{f}/" for f in FORMATS]


@pytest.mark.django_db
class TestPageCache:
    @pytest.mark.parametrize("feed_format", FORMATS)
    def test_publishing_and_unpublishing_reach_the_cached_feed(
        self, blog, feed_format, django_capture_on_commit_callbacks
    ) -> None:
        index = blog["index"]
        url = feed_url(index, feed_format, "product-news")
        client = Client()
        assert fetch(url, client)["X-Cache"] == "MISS"
        cached = fetch(url, client)
        assert cached["X-Cache"] == "HIT"
        assert cached["Content-Type"] == CONTENT_TYPES[feed_format]

        with django_capture_on_commit_callbacks(execute=True):
            fresh = add_article(index, "Fresh product story", tags=["Product news"], date=TODAY)
        response = fetch(url, client)
        assert response["X-Cache"] == "MISS"
        assert guids(response, feed_format)[0] == fresh.get_full_url()

        with django_capture_on_commit_callbacks(execute=True):
            fresh.unpublish()
        assert fresh.get_full_url() not in guids(fetch(url, client), feed_format)

    def test_author_rename_reaches_the_cached_feed(
        self, blog, django_capture_on_commit_callbacks
    ) -> None:
        url = feed_url(blog["index"], "json")
        client = Client()
        fetch(url, client)
        assert fetch(url, client)["X-Cache"] == "HIT"

        with django_capture_on_commit_callbacks(execute=True):
            author = blog["articles"]["oldest"].author
            author.name = "Jo Renamed"
            author.save()

        response = fetch(url, client)
        assert response["X-Cache"] == "MISS"
        assert b"Jo Renamed" in response.content


@pytest.mark.slow
def test_new_article_is_in_the_feed_on_the_next_request_through_the_server(live_url, home) -> None:
    index = ArticleIndexPageFactory(parent=home, title="Live blog", slug="live-blog")
    first_story = add_article(index, "First live story", date=TODAY - datetime.timedelta(days=1))
    url = live_url + feed_url(index, "atom")
    visitor = Browser()
    first = visitor.get(url)
    assert (first.status, first.x_cache) == (200, "MISS")
    assert first.headers["content-type"] == CONTENT_TYPES["atom"]
    # Both granian workers may hold the answer; either must see the change next.
    for _ in range(4):
        assert visitor.get(url).x_cache == "HIT"

    fresh = add_article(index, "Second live story", date=TODAY)

    answer = visitor.get(url)
    assert answer.x_cache == "MISS"
    parsed = feedparser.parse(answer.raw, response_headers=answer.headers)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [fresh.get_full_url(), first_story.get_full_url()]
    assert parsed.entries[0].title == "Second live story"
