"""Notes on the traffic graph: the ones people write, and page publishes read from Wagtail's log."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from wagtail.log_actions import log
from wagtail.models import PageLogEntry, Site

from ..models import Annotation, TrackedSite, normalise_domain

# A graph shows at most a few hundred points; more markers than that would be noise.
MAX_ANNOTATIONS = 500
PUBLISH_ACTION = "wagtail.publish"


@dataclass(frozen=True, slots=True)
class GraphAnnotation:
    """One marker on the graph, as the page's script receives it."""

    kind: Literal["note", "publish"]
    date: str  # ISO day in the site's time zone
    hour: str | None  # "YYYY-MM-DD HH:00:00" in the site's time zone; None for a note
    text: str
    author: str
    id: int | None  # a note's id (for deleting it); None for a publish
    can_delete: bool


@transaction.atomic
def add_annotation(*, site: TrackedSite, day: date, text: str, user: User) -> Annotation:
    annotation = Annotation.objects.create(site=site, date=day, text=text, created_by=user)
    log(instance=annotation, action="wagtail.create", user=user)
    return annotation


@transaction.atomic
def delete_annotation(*, annotation: Annotation, user: User) -> None:
    log(instance=annotation, action="wagtail.delete", user=user)
    annotation.delete()


def annotations_between(
    *,
    site: TrackedSite,
    first: date,
    last: date,
    user: User | AnonymousUser,
) -> list[GraphAnnotation]:
    """Notes and page publishes of ``site`` from ``first`` to ``last`` (inclusive, site days)."""
    may_delete = user.has_perm("analytics.delete_annotation")
    notes = [
        GraphAnnotation(
            kind="note",
            date=note.date.isoformat(),
            hour=None,
            text=note.text,
            author=_name(note.created_by),
            id=note.pk,
            can_delete=may_delete,
        )
        for note in Annotation.objects.filter(site=site, date__range=(first, last))
        .select_related("created_by")
        .order_by("date", "created_at")[:MAX_ANNOTATIONS]
    ]
    published = page_publishes(site=site, first=first, last=last)
    return sorted([*notes, *published], key=lambda a: (a.hour or a.date, a.kind))


def page_publishes(*, site: TrackedSite, first: date, last: date) -> list[GraphAnnotation]:
    """Pages published on the Wagtail sites served under ``site``'s domain in the range.

    Read from Wagtail's own log (PageLogEntry), so every way of publishing counts: the
    editor, scheduled go-live, the API. Another domain's Wagtail site is not ours to show.
    """
    roots = [
        wagtail_site.root_page.path
        for wagtail_site in Site.objects.select_related("root_page")
        if normalise_domain(wagtail_site.hostname) == site.domain
    ]
    if not roots:
        return []
    zone = ZoneInfo(site.time_zone)
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    entries = PageLogEntry.objects.filter(
        action=PUBLISH_ACTION, timestamp__gte=start, timestamp__lt=end
    )
    under_roots = PageLogEntry.objects.none()
    for path in roots:
        under_roots |= entries.filter(page__path__startswith=path)
    result = []
    for entry in under_roots.select_related("user").order_by("timestamp")[:MAX_ANNOTATIONS]:
        local = entry.timestamp.astimezone(zone)
        result.append(
            GraphAnnotation(
                kind="publish",
                date=local.date().isoformat(),
                hour=local.strftime("%Y-%m-%d %H:00:00"),
                text=f"Published: {entry.label}",
                author=_name(entry.user),
                id=None,
                can_delete=False,
            )
        )
    return result


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
