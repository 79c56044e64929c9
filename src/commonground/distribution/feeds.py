"""Syndication feeds of an article index, all articles or one tag's: RSS 2.0, Atom 1.0, JSON Feed.

One selection (``build_feed``) feeds three renderers, so the formats cannot disagree about
which articles a feed lists. Item links carry UTM tags for the format that carried them;
ids and guids are the articles' plain URLs, so changing the tags never re-announces an item.
"""

import datetime
import json
import mimetypes
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from wagtail.models import Page, Site

from commonground.content.public import (
    FeedArticle,
    RenditionFile,
    feed_articles,
    feed_index,
    feed_path,
    feed_tag,
)
from commonground.core.pages.page_cache import depends_on

from .channels.links import tagged_url

# Enough for a reader catching up after weeks away; more only makes every poll heavier.
FEED_ITEM_LIMIT = 50
# The Open Graph rendition: every article page has already rendered it for its og:image.
FEED_IMAGE_SPEC = "fill-1200x630"
UTM_MEDIUM = "feed"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# Characters XML 1.0 cannot carry at all, not even escaped; a stray one would break the feed.
_NOT_XML_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class FeedFormat(StrEnum):
    """A feed format, named as in its URL (``feed/rss/``)."""

    RSS = "rss"
    ATOM = "atom"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return _FORMAT_FACTS[self][0]

    @property
    def label(self) -> str:
        return _FORMAT_FACTS[self][1]

    @property
    def utm_source(self) -> str:
        return _FORMAT_FACTS[self][2]


# Media type, name for people, and UTM source. One source per format under the one medium
# "feed", so analytics can tell which readers bring visits and still sum them up.
_FORMAT_FACTS = {
    FeedFormat.RSS: ("application/rss+xml", "RSS", "rss"),
    FeedFormat.ATOM: ("application/atom+xml", "Atom", "atom"),
    FeedFormat.JSON: ("application/feed+json", "JSON Feed", "json-feed"),
}


class NamedTag(Protocol):
    """A tag as a listing filters by it (content's ``FeedTag``, or a taggit tag)."""

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FeedImage:
    url: str  # absolute
    mime_type: str
    length: int  # bytes; 0 when the file cannot be measured, as the RSS profile asks


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str  # the article's plain absolute URL
    url: str  # the same URL with this format's UTM tags
    title: str
    summary: str  # plain text
    published: datetime.datetime
    updated: datetime.datetime
    author_name: str
    tags: tuple[str, ...]
    image: FeedImage | None


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    description: str
    home_page_url: str  # the HTML listing this feed follows, without tags
    feed_url: str
    language: str
    author_name: str  # the site: Atom needs an author for entries that have none
    items: tuple[FeedItem, ...]


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed as announced by ``<link rel="alternate">`` in the listing's ``<head>``."""

    title: str
    href: str
    content_type: str


def feed_response(
    request: HttpRequest, *, index_page: Page, feed_format: str, tag_slug: str = ""
) -> HttpResponse:
    """The feed of ``index_page`` (of one tag's articles with ``tag_slug``) as a response.

    404 for an unknown format, and for a tag that no public article of the index has ever
    been published with: there is nothing to subscribe to. A tag whose articles are all
    unpublished for now still answers, with no items, so subscribers do not see errors.
    """
    try:
        chosen = FeedFormat(feed_format)
    except ValueError:
        raise Http404("No such feed format") from None
    tag = None
    if tag_slug:
        tag = feed_tag(index_page, tag_slug)
        if tag is None:
            raise Http404("No article has been published with this tag")
    feed = build_feed(request, index_page=index_page, feed_format=chosen, tag=tag)
    body = render_json_feed(feed) if chosen is FeedFormat.JSON else render_xml_feed(feed, chosen)
    content_type = chosen.content_type
    if chosen is not FeedFormat.JSON:  # RFC 8259 defines no charset for JSON: it is UTF-8
        content_type += "; charset=utf-8"
    return HttpResponse(body, content_type=content_type)


def feed_links(
    request: HttpRequest, *, index_page: Page, tag: NamedTag | None = None
) -> list[FeedLink]:
    """The index's feeds (and ``tag``'s, first, when the listing is filtered by it)."""
    index = feed_index(index_page, request)
    index_url = index.url
    if not index_url:
        return []
    title = index.title
    links = []
    if tag is not None:
        links += [
            FeedLink(
                title=f"{title}: {tag.name} ({chosen.label})",
                href=index_url + _subpage(index_page, chosen, tag.slug),
                content_type=chosen.content_type,
            )
            for chosen in FeedFormat
        ]
    links += [
        FeedLink(
            title=f"{title} ({chosen.label})",
            href=index_url + _subpage(index_page, chosen),
            content_type=chosen.content_type,
        )
        for chosen in FeedFormat
    ]
    return links


def build_feed(
    request: HttpRequest,
    *,
    index_page: Page,
    feed_format: FeedFormat,
    tag: NamedTag | None = None,
) -> Feed:
    """The newest ``FEED_ITEM_LIMIT`` published articles of ``index_page`` (of ``tag``),
    newest first, recording the page-cache tags a change to any of them must clear."""
    # Publishing, unpublishing, moving or deleting an article clears its parent's children.
    depends_on(f"children:{index_page.pk}")
    index = feed_index(index_page, request)
    index_url = index.full_url
    articles = feed_articles(
        index_page,
        request,
        tag_slug=tag.slug if tag is not None else "",
        limit=FEED_ITEM_LIMIT,
        image_spec=FEED_IMAGE_SPEC,
    )
    items = tuple(
        _item(article, feed_format=feed_format, index_url=index_url) for article in articles
    )
    title = index.title
    home_page_url = index_url
    if tag is not None:
        title = f"{title}: {tag.name}"
        home_page_url = f"{index_url}?{urlencode({'tag': tag.slug})}"
    site = Site.find_for_request(request)
    site_name = (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME
    return Feed(
        title=_text(title),
        description=_text(index.description or title),
        home_page_url=home_page_url,
        feed_url=urljoin(
            index_url, _subpage(index_page, feed_format, tag.slug if tag is not None else "")
        ),
        language=index.language_code,
        author_name=_text(site_name),
        items=items,
    )


def render_xml_feed(feed: Feed, feed_format: FeedFormat) -> str:
    """``feed`` as RSS 2.0 or Atom 1.0, written by Django's feed generator."""
    generator_class = Atom1Feed if feed_format is FeedFormat.ATOM else Rss201rev2Feed
    generator: SyndicationFeed = generator_class(
        title=feed.title,
        link=feed.home_page_url,
        description=feed.description,
        language=feed.language,
        author_name=feed.author_name,
        feed_url=feed.feed_url,
        feed_guid=feed.feed_url,
    )
    for item in feed.items:
        image = item.image
        generator.add_item(
            title=item.title,
            link=item.url,
            # Both formats carry HTML here; a plain-text summary is escaped to show as written.
            description=escape(item.summary),
            author_name=item.author_name or None,
            pubdate=item.published,
            updateddate=item.updated,
            unique_id=item.guid,
            unique_id_is_permalink=True,
            categories=item.tags,
            enclosures=[Enclosure(image.url, str(image.length), image.mime_type)] if image else [],
        )
    return generator.writeString("utf-8")


def render_json_feed(feed: Feed) -> str:
    """``feed`` as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_page_url,
        "feed_url": feed.feed_url,
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author_name}],
        "items": [_json_item(item) for item in feed.items],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def _json_item(item: FeedItem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item.guid,
        "url": item.url,
        "title": item.title,
        "content_text": item.summary,  # required in some form; a feed of teasers, not bodies
    }
    if item.summary:
        entry["summary"] = item.summary
    if item.image is not None:
        entry["image"] = item.image.url
    entry["date_published"] = item.published.isoformat()
    entry["date_modified"] = item.updated.isoformat()
    if item.author_name:
        entry["authors"] = [{"name": item.author_name}]
    if item.tags:
        entry["tags"] = list(item.tags)
    return entry


def _item(article: FeedArticle, *, feed_format: FeedFormat, index_url: str) -> FeedItem:
    depends_on(*article.cache_tags)
    guid = article.url
    published = _published(article)
    return FeedItem(
        guid=guid,
        url=tagged_url(
            guid, source=feed_format.utm_source, medium=UTM_MEDIUM, campaign=article.slug
        ),
        title=_text(article.title),
        summary=_text(article.summary),
        published=published,
        # A republished article shows as updated; never before its own date.
        updated=max(published, article.last_published_at or published),
        author_name=_text(article.author_name),
        tags=tuple(_text(name) for name in article.tags),
        image=_image(article.image, index_url=index_url),
    )


def _published(article: FeedArticle) -> datetime.datetime:
    # The article date is the date editors give and visitors see; it has no time of day.
    midnight = datetime.datetime.combine(article.date, datetime.time())
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def _image(rendition: RenditionFile | None, *, index_url: str) -> FeedImage | None:
    if rendition is None:
        return None
    mime_type, _ = mimetypes.guess_type(rendition.file_name)
    if mime_type is None or not mime_type.startswith("image/"):
        return None
    return FeedImage(
        url=urljoin(index_url, rendition.url), mime_type=mime_type, length=rendition.size
    )


def _subpage(index_page: Page, feed_format: FeedFormat, tag_slug: str = "") -> str:
    return feed_path(index_page, feed_format.value, tag_slug)


def _text(value: str) -> str:
    return _NOT_XML_CHARACTERS.sub("", value).strip()
