"""What other apps may use of content: counts of publishing, read from Wagtail's own data."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from wagtail.models import Page, PageLogEntry, WorkflowState

PUBLISH_ACTION = "wagtail.publish"


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


__all__ = ["ApprovedPublication", "approved_publications", "pages_first_published"]
