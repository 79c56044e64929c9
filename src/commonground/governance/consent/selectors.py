"""Consent's reads: the purposes approved technologies need consent for (the banner's and the
consent gate's), and visitors' choices counted per purpose (the admin report's, and
alignment's through ``governance.public``)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from ..registry.models import Technology
from ..registry.selectors import registered_technology
from .models import ConsentTally

CONSENT_PURPOSES: tuple[tuple[str, str], ...] = tuple(
    (purpose.value, purpose.label.capitalize())
    for purpose in Technology.ConsentPurpose
    if purpose != Technology.ConsentPurpose.NECESSARY
)


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


def consent_purpose_for_host(host: str) -> str | None:
    """The consent purpose a visitor must agree to before ``host`` may load, or None: for
    hosts of approved technologies that are strictly necessary, and for hosts the registry
    has not approved (the Content-Security-Policy, not the consent banner, deals with those)."""
    technology = registered_technology(host)
    if technology is None or not technology.approved:
        return None
    if technology.consent_purpose == Technology.ConsentPurpose.NECESSARY:
        return None
    return technology.consent_purpose


@dataclass(frozen=True)
class ConsentShare:
    purpose: str
    granted: int
    declined: int

    @property
    def rate(self) -> float | None:
        total = self.granted + self.declined
        return self.granted / total if total else None


def consent_shares(*, since: date, until: date | None = None) -> list[ConsentShare]:
    """Choices per purpose on the days since ``since`` (up to ``until``, included, when
    given): how many agreed and declined (counts only)."""
    tallies = ConsentTally.objects.filter(day__gte=since)
    if until is not None:
        tallies = tallies.filter(day__lte=until)
    totals = (
        tallies.values("purpose")
        .annotate(granted=Sum("granted"), declined=Sum("declined"))
        .order_by("purpose")
    )
    return [ConsentShare(t["purpose"], t["granted"] or 0, t["declined"] or 0) for t in totals]


@dataclass(frozen=True)
class ConsentChoices:
    granted: int
    declined: int

    @property
    def total(self) -> int:
        return self.granted + self.declined


def consent_choices(*, first: date, last: date, purpose: str | None = None) -> ConsentChoices:
    """Visitors' consent choices counted on the days ``first`` to ``last`` (of one purpose,
    or all): the Consent choices report's own per-purpose counts, added up."""
    shares = [
        share
        for share in consent_shares(since=first, until=last)
        if purpose is None or share.purpose == purpose
    ]
    return ConsentChoices(
        granted=sum(share.granted for share in shares),
        declined=sum(share.declined for share in shares),
    )
