"""Consent's reads: the purposes approved technologies need consent for (the banner's and the
consent gate's), visitors' choices counted per purpose (the admin report's, and
alignment's through ``governance.public``), and the consent records IT looks up."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet, Sum

from ..registry.models import Technology
from ..registry.selectors import registered_technology
from .models import ConsentRecord, ConsentTally

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


# What a technology of each category does for the visitor, for the banner: "Video player
# (Vimeo): loads videos from vimeo.com", not "Analytics: Vimeo player".
_DOES = {
    "analytics": ("Visit statistics", "sends how you use this page to"),
    "advertising": ("Advertising", "loads adverts from"),
    "email": ("Newsletter sign-up", "loads its form from"),
    "crm": ("Contact forms", "loads forms from"),
    "social": ("Social media posts", "loads posts from"),
    "chat": ("Chat", "loads a chat window from"),
    "experimentation": ("Page tests", "loads page variants from"),
    "fonts_cdn": ("Fonts", "loads fonts from"),
}
_GENERIC_WORDS = {"embedded", "player", "video", "videos", "forms", "form", "widget", "tag"}


def _site_of(host: str) -> str:
    """``player.vimeo.com`` -> ``vimeo.com``: the site a visitor knows, not the server."""
    labels = host.lstrip("*.").split(".")
    return ".".join(labels[-2:]) if len(labels) > 2 else ".".join(labels)


def _what_it_does(name: str, category: str, hosts: list[str]) -> str:
    short = " ".join(w for w in name.split() if w.lower() not in _GENERIC_WORDS) or name
    if category == "content":
        is_video = any(w in name.lower() for w in ("video", "player", "youtube", "vimeo"))
        noun, verb = (
            ("Video player", "loads videos from")
            if is_video
            else (
                "Embedded content",
                "loads content from",
            )
        )
    else:
        noun, verb = _DOES.get(category, (name, "loads from"))
    sites = sorted({_site_of(host) for host in hosts})
    where = f": {verb} {', '.join(sites)}" if sites else ""
    return f"{noun} ({short}){where}" if noun != name else f"{name}{where}"


def consent_uses() -> dict[str, list[str]]:
    """Per consent purpose, what each approved technology needing it does, in the visitor's
    words (the banner shows these under the purpose's checkbox)."""
    uses: dict[str, list[str]] = {}
    technologies = (
        Technology.objects.filter(status=Technology.Status.APPROVED)
        .exclude(consent_purpose=Technology.ConsentPurpose.NECESSARY)
        .prefetch_related("hosts")
        .order_by("name")
    )
    for technology in technologies:
        hosts = [h.host for h in technology.hosts.all() if not h.pending]
        uses.setdefault(technology.consent_purpose, []).append(
            _what_it_does(technology.name, technology.category, hosts)
        )
    return uses


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


CONSENT_ID = re.compile(r"[A-Za-z0-9]{16,64}")


def is_consent_id(value: str) -> bool:
    """What a browser's random consent id looks like (the endpoint accepts nothing else)."""
    return CONSENT_ID.fullmatch(value) is not None


def consent_records(*, consent_id: str | None = None) -> QuerySet[ConsentRecord]:
    """Consent records, newest first: one visitor's (by the id their browser keeps) or all."""
    records = ConsentRecord.objects.select_related("site")
    return records.filter(consent_id=consent_id) if consent_id else records


CONSENT_RECORD_COLUMNS = (
    "consent_id",
    "chosen_at",
    "site",
    "banner_version",
    "granted",
    "refused",
    "gpc",
)


def consent_record_rows(records: QuerySet[ConsentRecord]) -> Iterator[list[str]]:
    """The export: a header, then one row per record. Every value is an id, a time, a host
    name, a hex version or purpose names, so no cell can start a spreadsheet formula."""
    yield list(CONSENT_RECORD_COLUMNS)
    for record in records.iterator(chunk_size=1000):
        yield [
            record.consent_id,
            record.chosen_at.isoformat(),
            record.site.hostname,
            record.banner_version,
            " ".join(record.granted),
            " ".join(record.refused),
            "yes" if record.gpc else "no",
        ]
