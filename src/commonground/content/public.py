"""What other apps may use of content: what a published page says of itself (title, link,
campaign code, summary, image) and the sources of its feeds, as frozen values; and counts of
publishing, read from Wagtail's own data."""

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Prefetch
from django.http import HttpRequest
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page, PageLogEntry, WorkflowState

from commonground.core.pages.cache_invalidation import snippet_tag
from commonground.core.pages.page_cache import page_tag

if TYPE_CHECKING:  # content's models import other apps' facades, which import this one
    from .models import ArticleIndexPage, ArticlePage

PUBLISH_ACTION = "wagtail.publish"
# Where a page's summary is read, most specific first (then Wagtail's search description).
_SUMMARY_FIELDS = ("summary", "intro", "search_description")


@dataclass(frozen=True)
class PageFacts:
    """What a page says of itself to the channels it goes out on."""

    page_id: int
    title: str
    slug: str
    url: str  # absolute; "" when the page has no site
    campaign_code: str  # the page's campaign code, else its slug
    summary: str  # plain text; "" when the page has none


@dataclass(frozen=True)
class ImageRendition:
    """A rendition of a page's image (its lead image, else its Open Graph image)."""

    url: str  # absolute
    width: int
    height: int
    alt: str


def page_facts(page: Page) -> PageFacts:
    """The title, link, campaign code and summary of ``page`` (of its specific type)."""
    specific = page.specific
    return PageFacts(
        page_id=page.pk,
        title=page.title,
        slug=page.slug,
        url=page.full_url or "",
        campaign_code=str(getattr(specific, "campaign_code", "") or page.slug),
        summary=_summary(page),
    )


def _summary(page: Page) -> str:
    specific = page.specific
    for attribute in _SUMMARY_FIELDS:
        value = getattr(specific, attribute, "")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return page.search_description or ""


def page_image(page: Page, spec: str) -> ImageRendition | None:
    """The ``spec`` rendition of the page's lead image (else its Open Graph image), if any."""
    specific = page.specific
    image = getattr(specific, "lead_image", None) or getattr(specific, "og_image", None)
    if image is None:
        return None
    rendition = image.get_rendition(spec)
    return ImageRendition(
        url=rendition.full_url,
        width=rendition.width,
        height=rendition.height,
        alt=getattr(image, "alt_text", ""),
    )


@dataclass(frozen=True)
class ApprovedPublication:
    """A page that went through the moderation workflow and was then published."""

    page_id: int
    title: str
    submitted_at: datetime  # when the workflow started (a resubmission continues it)
    published_at: datetime  # the first publish after the workflow's last approval

    @property
    def hours(self) -> float:
        return (self.published_at - self.submitted_at).total_seconds() / 3600


# --- the feeds of an article index ---------------------------------------------------------


@dataclass(frozen=True)
class FeedTag:
    slug: str
    name: str


@dataclass(frozen=True)
class FeedIndex:
    """An article index, as its feeds describe it."""

    page_id: int
    title: str  # its SEO title, else its title
    description: str  # its search description, else its intro ("" when it has neither)
    url: str  # as the request sees it (relative on the request's own site)
    full_url: str
    language_code: str


@dataclass(frozen=True)
class RenditionFile:
    url: str  # as the storage gives it (relative to the site with local files)
    file_name: str
    size: int  # bytes; 0 when the file cannot be measured


@dataclass(frozen=True)
class FeedArticle:
    """One published article of an index, as its feed items show it."""

    page_id: int
    url: str  # absolute, without tags
    slug: str
    title: str
    summary: str
    date: dt.date  # the article date editors give (no time of day)
    last_published_at: datetime | None
    author_name: str
    tags: tuple[str, ...]  # by name
    image: RenditionFile | None  # the lead image's rendition; None without one, or its file
    cache_tags: tuple[str, ...]  # what a change to must clear: the page, author, image


def feed_index(page: Page, request: HttpRequest) -> FeedIndex:
    """``page``, an article index (the one a feed's route was called on), as feeds show it."""
    index_page = cast("ArticleIndexPage", page)
    return FeedIndex(
        page_id=index_page.pk,
        title=index_page.seo_title or index_page.title,
        description=index_page.search_description or index_page.intro or "",
        url=index_page.get_url(request) or "",
        full_url=index_page.get_full_url(request) or "",
        language_code=index_page.locale.language_code,
    )


def feed_tag(page: Page, slug: str) -> FeedTag | None:
    """The tag ``slug`` if a public article of the index has ever been published with it."""
    tag = cast("ArticleIndexPage", page).feed_tag(slug)
    return FeedTag(slug=tag.slug, name=tag.name) if tag is not None else None


def feed_path(page: Page, feed_format: str, tag_slug: str = "") -> str:
    """The index's route to its feed in ``feed_format`` (of ``tag_slug``'s articles)."""
    index_page = cast("ArticleIndexPage", page)
    if tag_slug:
        return str(
            index_page.reverse_subpage(
                "tag_feed", kwargs={"tag_slug": tag_slug, "feed_format": feed_format}
            )
        )
    return str(index_page.reverse_subpage("feed", kwargs={"feed_format": feed_format}))


def feed_articles(
    page: Page,
    request: HttpRequest,
    *,
    tag_slug: str,
    limit: int,
    image_spec: str,
) -> tuple[FeedArticle, ...]:
    """The newest ``limit`` published articles of the index (of ``tag_slug``), newest first,
    each with its lead image's ``image_spec`` rendition; in one query and two prefetches."""
    index_page = cast("ArticleIndexPage", page)
    rendition_model = get_image_model().get_rendition_model()
    articles: list[ArticlePage] = list(
        index_page.published_articles(tag_slug=tag_slug)
        .select_related("author", "lead_image")
        .prefetch_related(
            "tags",
            Prefetch(
                "lead_image__renditions",
                queryset=rendition_model.objects.filter(filter_spec=image_spec),
                to_attr="prefetched_renditions",
            ),
        )
        .order_by("-date", "-first_published_at", "-pk")[:limit]
    )
    return tuple(_feed_article(article, request, image_spec=image_spec) for article in articles)


def _feed_article(article: "ArticlePage", request: HttpRequest, *, image_spec: str) -> FeedArticle:
    cache_tags = [page_tag(article.pk)]
    author_name = ""
    if article.author is not None:
        cache_tags.append(snippet_tag(article.author))
        author_name = article.author.name
    image = None
    if article.lead_image is not None:
        cache_tags.append(f"image:{article.lead_image.pk}")
        image = _rendition_file(article.lead_image, image_spec)
    return FeedArticle(
        page_id=article.pk,
        url=article.get_full_url(request) or "",
        slug=article.slug,
        title=article.title,
        summary=article.summary,
        date=article.date,
        last_published_at=article.last_published_at,
        author_name=author_name,
        tags=tuple(tag.name for tag in sorted(article.tags.all(), key=lambda t: t.name)),
        image=image,
        cache_tags=tuple(cache_tags),
    )


def _rendition_file(image: Any, spec: str) -> RenditionFile | None:
    try:
        rendition = image.get_rendition(spec)
    except SourceImageIOError:
        return None  # a missing source file costs the item its image, not the feed
    try:
        size = rendition.file.size
    except (OSError, ValueError):
        size = 0
    return RenditionFile(url=rendition.url, file_name=rendition.file.name, size=size)


# --- counts of publishing ---------------------------------------------------------------------


def pages_first_published(*, start: datetime, end: datetime) -> int:
    """Pages whose first publication (Wagtail's ``first_published_at``) fell between
    ``start`` (included) and ``end`` (excluded). Republishing never counts a page again;
    aliases (the same page shown in another place or locale) are not pages of their own."""
    pages: int = Page.objects.filter(
        first_published_at__gte=start, first_published_at__lt=end, alias_of__isnull=True
    ).count()
    return pages


def approved_publications(*, start: datetime, end: datetime) -> list[ApprovedPublication]:
    """The workflow-approved publications published between ``start`` and ``end``
    (excluded): each approved moderation workflow of a page with the first publish of that
    page at or after its last task's approval (later for a scheduled go-live), when that
    publish falls in the period. Pages published without a workflow are not among them."""
    published_in_period = set(
        PageLogEntry.objects.filter(
            action=PUBLISH_ACTION, timestamp__gte=start, timestamp__lt=end
        ).values_list("page_id", flat=True)
    )
    if not published_in_period:
        return []
    states = list(
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_APPROVED,
            base_content_type=ContentType.objects.get_for_model(Page),
            object_id__in=[str(pk) for pk in published_in_period],
        )
        .annotate(approved_at=Max("task_states__finished_at"))
        .filter(approved_at__lt=end)
        .values_list("object_id", "created_at", "approved_at")
    )
    if not states:
        return []
    earliest = min(approved_at for _, _, approved_at in states)
    publishes: dict[int, list[datetime]] = {}
    for page_id, timestamp in (
        PageLogEntry.objects.filter(
            action=PUBLISH_ACTION,
            page_id__in=published_in_period,
            timestamp__gte=earliest,
            timestamp__lt=end,
        )
        .order_by("timestamp")
        .values_list("page_id", "timestamp")
    ):
        publishes.setdefault(page_id, []).append(timestamp)
    titles = dict(Page.objects.filter(pk__in=published_in_period).values_list("pk", "title"))
    found = []
    for object_id, submitted_at, approved_at in states:
        page_id = int(object_id)
        published_at = next((t for t in publishes.get(page_id, []) if t >= approved_at), None)
        if published_at is not None and published_at >= start:
            found.append(
                ApprovedPublication(
                    page_id=page_id,
                    title=titles.get(page_id, ""),
                    submitted_at=submitted_at,
                    published_at=published_at,
                )
            )
    return sorted(found, key=lambda p: (p.published_at, p.page_id))


__all__ = [
    "ApprovedPublication",
    "FeedArticle",
    "FeedIndex",
    "FeedTag",
    "ImageRendition",
    "PageFacts",
    "RenditionFile",
    "approved_publications",
    "feed_articles",
    "feed_index",
    "feed_path",
    "feed_tag",
    "page_facts",
    "page_image",
    "pages_first_published",
]
