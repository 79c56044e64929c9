"""Segments saved from the dashboard's filter dialog: who sees which, and the one write path."""

from typing import Any

import msgspec
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from wagtail.log_actions import log

from ..admin.goals import check_segment_filters
from ..models import Segment, TrackedSite, normalise_domain
from ..queries import QueryError
from ..queries.request import decode_body

MAX_NAME_LENGTH = 120


class SegmentRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The body of POST /admin/analytics/filters/save-segment/."""

    site: str
    name: str
    filters: list[Any]
    shared: bool = True


class SegmentRefused(ValueError):
    """A segment that cannot be saved; the message says why, as the dialog shows it."""


def visible_segments(
    site: TrackedSite, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Segment]:
    """The site's segments listed for ``user``: the shared ones and their own."""
    mine = Q(created_by_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    return site.segments.filter(Q(shared=True) | mine).order_by("name")


def parse_segment_request(body: bytes) -> SegmentRequest:
    try:
        return decode_body(body, SegmentRequest)
    except QueryError as error:
        raise SegmentRefused(str(error)) from None


def save_segment(*, asked: SegmentRequest, user: User) -> Segment:
    """Store the filters ``asked`` as a named segment of its site, written to the audit trail
    (Wagtail's log, which core's audit trail records) in the same transaction."""
    site = TrackedSite.objects.filter(domain=normalise_domain(asked.site)).first()
    if site is None:
        raise SegmentRefused(f"site: no tracked site {asked.site[:100]!r}")
    name = " ".join(asked.name.split())
    if not name:
        raise SegmentRefused("name: give the segment a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise SegmentRefused(f"name: at most {MAX_NAME_LENGTH} characters.")
    try:
        check_segment_filters(site, asked.filters)
    except ValidationError as error:
        raise SegmentRefused(f"filters: {error.messages[0]}") from None
    taken = f"name: {site} already has a segment called “{name}”."
    if Segment.objects.filter(site=site, name=name).exists():
        raise SegmentRefused(taken)
    try:
        with transaction.atomic():
            segment = Segment.objects.create(
                site=site, name=name, filters=asked.filters, shared=asked.shared, created_by=user
            )
            log(instance=segment, action="wagtail.create", user=user)
    except IntegrityError:  # saved by someone else a moment ago
        raise SegmentRefused(taken) from None
    return segment
