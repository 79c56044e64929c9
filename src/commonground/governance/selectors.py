"""Governance's reads: request listings, what awaits whom, the registry's hosts."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from .hosts import host_matches
from .models import (
    RequestComment,
    SecuritySettings,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
from .permissions import REVIEW, may

User = AbstractBaseUser | AnonymousUser


def requests_with_overdue(today: date | None = None) -> QuerySet[TechnologyRequest]:
    """Requests annotated with ``overdue``: still open after their review deadline."""
    today = today or timezone.localdate()
    return TechnologyRequest.objects.select_related("technology", "requester").annotate(
        overdue=Case(
            When(Q(status__in=TechnologyRequest.OPEN, review_due__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def open_requests(today: date | None = None) -> QuerySet[TechnologyRequest]:
    return (
        requests_with_overdue(today)
        .filter(status__in=TechnologyRequest.OPEN)
        .order_by("review_due", "pk")
    )


def awaiting_action(user: User, today: date | None = None) -> QuerySet[TechnologyRequest]:
    """What waits for ``user``: for IT, every open request; for a requester, their open
    requests whose thread ends with someone else's comment (a question to answer)."""
    requests = open_requests(today)
    if may(user, REVIEW):
        return requests
    if not isinstance(user, Person):
        return requests.none()
    last_author = (
        RequestComment.objects.filter(request=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("author_id")[:1]
    )
    return (
        requests.filter(requester=user)
        .annotate(last_author=Subquery(last_author))
        .filter(last_author__isnull=False)
        .exclude(last_author=user.pk)
    )


def approved_hosts(directive: str) -> set[str]:
    return set(
        TechnologyHost.objects.filter(
            directive=directive, technology__status=Technology.Status.APPROVED
        ).values_list("host", flat=True)
    )


def technology_for_host(host: str) -> Technology | None:
    """The registry entry a (normalised) host belongs to: an exact host before a wildcard,
    an approved technology before any other."""
    rank: dict[str, int] = {Technology.Status.APPROVED: 0, Technology.Status.IN_REVIEW: 1}
    candidates = [
        row
        for row in TechnologyHost.objects.select_related("technology").filter(
            Q(host=host) | Q(host__startswith="*.")
        )
        if host_matches(row.host, host)
    ]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda row: (row.host.startswith("*."), rank.get(row.technology.status, 2)),
    )
    return best.technology


def csp_enforcing(site_id: int | None) -> bool:
    """Whether the site's policy blocks (the default) or only reports."""
    mode = (
        SecuritySettings.objects.filter(site_id=site_id).values_list("csp_mode", flat=True).first()
    )
    return mode != SecuritySettings.CspMode.REPORT_ONLY


def consent_purposes() -> list[tuple[str, str, list[str]]]:
    """(purpose, label, technology names) for each purpose approved technologies need
    consent for, in the order of ``Technology.ConsentPurpose``."""
    names: dict[str, list[str]] = {}
    for name, purpose in (
        Technology.objects.filter(status=Technology.Status.APPROVED)
        .exclude(consent_purpose=Technology.ConsentPurpose.NECESSARY)
        .order_by("name")
        .values_list("name", "consent_purpose")
    ):
        names.setdefault(purpose, []).append(name)
    return [
        (purpose.value, purpose.label, names[purpose.value])
        for purpose in Technology.ConsentPurpose
        if purpose.value in names
    ]
