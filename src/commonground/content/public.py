"""What other apps may use of content: what a published page says of itself (title, link,
campaign code, summary, image) and the sources of its feeds, as frozen values; and counts of
publishing, read from Wagtail's own data."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from wagtail.models import Page, PageLogEntry, WorkflowState

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


def pages_first_published(*, start: datetime, end: datetime) -> int:
    """Pages whose first publication (Wagtail's ``first_published_at``) fell between
    ``start`` (included) and ``end`` (excluded). Republishing never counts a page again;
    aliases (the same page shown in another place or locale) are not pages of their own."""
    return Page.objects.filter(
        first_published_at__gte=start, first_published_at__lt=end, alias_of__isnull=True
    ).count()


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
    "ImageRendition",
    "PageFacts",
    "approved_publications",
    "page_facts",
    "page_image",
    "pages_first_published",
]
