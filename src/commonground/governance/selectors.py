"""Governance's reads: request listings, what awaits whom, the registry's hosts, scans, CSP
reports and consent counts."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from .hosts import host_matches
from .models import (
    ConsentTally,
    CspViolation,
    RequestComment,
    ScanFinding,
    SecuritySettings,
    SiteScan,
    SiteTag,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
from .permissions import REVIEW, may
from .third_party import Reference

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
    return approved_hosts_by_directive().get(directive, set())


def approved_hosts_by_directive() -> dict[str, set[str]]:
    """Every approved technology's hosts, per directive, in one read."""
    approved: dict[str, set[str]] = {}
    for directive, host in TechnologyHost.objects.filter(
        technology__status=Technology.Status.APPROVED
    ).values_list("directive", "host"):
        approved.setdefault(directive, set()).add(host)
    return approved


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


@dataclass(frozen=True)
class HostFinding:
    """One (host, directive) of a scan with every page it was found on."""

    host: str
    directive: str
    verdict: str
    verdict_label: str
    technology_name: str
    technology_status: str
    detail: str
    pages: list[ScanFinding]


_VERDICT_ORDER: dict[str, int] = {
    ScanFinding.Verdict.UNKNOWN: 0,
    ScanFinding.Verdict.NOT_APPROVED: 1,
    ScanFinding.Verdict.APPROVED: 2,
}


def scan_findings(
    scan: SiteScan, *, verdict: str = "", directive: str = ""
) -> QuerySet[ScanFinding]:
    """The scan's host findings (not its error rows), optionally of one verdict or directive."""
    findings = scan.findings.exclude(verdict=ScanFinding.Verdict.ERROR)
    if verdict:
        findings = findings.filter(verdict=verdict)
    if directive:
        findings = findings.filter(directive=directive)
    return findings.order_by("host", "directive", "page_url")


def hosts_of_scan(scan: SiteScan, *, verdict: str = "", directive: str = "") -> list[HostFinding]:
    """The scan's findings grouped by host and directive, the unapproved first."""
    groups: dict[tuple[str, str], list[ScanFinding]] = {}
    for finding in scan_findings(scan, verdict=verdict, directive=directive):
        groups.setdefault((finding.host, finding.directive), []).append(finding)
    hosts = [
        HostFinding(
            host=host,
            directive=directive_,
            verdict=pages[0].verdict,
            verdict_label=pages[0].get_verdict_display(),
            technology_name=pages[0].technology_name,
            technology_status=pages[0].technology_status,
            detail=pages[0].detail,
            pages=pages,
        )
        for (host, directive_), pages in groups.items()
    ]
    return sorted(hosts, key=lambda h: (_VERDICT_ORDER.get(h.verdict, 3), h.host, h.directive))


def scan_errors(scan: SiteScan) -> QuerySet[ScanFinding]:
    return scan.findings.filter(verdict=ScanFinding.Verdict.ERROR).order_by("page_url")


def recent_scans(limit: int = 20) -> QuerySet[SiteScan]:
    return SiteScan.objects.select_related("triggered_by").order_by("-started_at", "-pk")[:limit]


def own_hosts() -> set[str]:
    """The hosts that are first-party: every site's, the admin's base URL, the allowed hosts
    (wildcards aside), and absolute STATIC_URL / MEDIA_URL (a CDN of our own)."""
    from wagtail.models import Site

    from . import third_party

    urls = [f"//{hostname}" for hostname in Site.objects.values_list("hostname", flat=True)]
    urls += [f"//{host.lstrip('.')}" for host in settings.ALLOWED_HOSTS if "*" not in host]
    urls += [settings.STATIC_URL or "", settings.MEDIA_URL or ""]
    urls.append(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    return {host for host in map(third_party.url_host, urls) if host}


def csp_modes() -> list[tuple[str, bool]]:
    """(site, enforcing) for every site, the default site first."""
    from wagtail.models import Site

    modes = dict(SecuritySettings.objects.values_list("site_id", "csp_mode"))
    return [
        (str(site), modes.get(site.pk) != SecuritySettings.CspMode.REPORT_ONLY)
        for site in Site.objects.order_by("-is_default_site", "hostname")
    ]


def finished_scans(*, before: datetime | None = None) -> QuerySet[SiteScan]:
    """The scans that finished (before ``before``, when given), the latest started first."""
    scans = SiteScan.objects.filter(status=SiteScan.Status.FINISHED)
    if before is not None:
        scans = scans.filter(finished_at__lt=before)
    return scans.order_by("-started_at", "-pk")


def latest_finished_scan(*, before: datetime | None = None) -> SiteScan | None:
    return finished_scans(before=before).first()


@dataclass(frozen=True)
class BlockedHost:
    """A host the policy blocked (or would have), over every page it was reported on."""

    host: str
    directive: str
    reports: int
    pages: list[str]
    last_seen: datetime
    technology: Technology | None


def violations(
    *, since: datetime, site_id: int | None = None, enforced: bool | None = None
) -> QuerySet[CspViolation]:
    rows = CspViolation.objects.filter(last_seen__gte=since).select_related("site")
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if enforced is not None:
        rows = rows.filter(enforced=enforced)
    return rows


def blocked_hosts(rows: QuerySet[CspViolation]) -> list[BlockedHost]:
    """Reports grouped by blocked host and directive, the most reported first, each with the
    registry entry the host belongs to (if any)."""
    groups: dict[tuple[str, str], list[CspViolation]] = {}
    for row in rows.order_by("blocked_host", "directive", "page_path"):
        groups.setdefault((row.blocked_host, row.directive), []).append(row)
    found = [
        BlockedHost(
            host=host,
            directive=directive,
            reports=sum(row.count for row in group),
            pages=sorted({row.page_path for row in group}),
            last_seen=max(row.last_seen for row in group),
            technology=technology_for_host(host) if "." in host else None,
        )
        for (host, directive), group in groups.items()
    ]
    return sorted(found, key=lambda b: (-b.reports, b.host))


def blocked_by_page(rows: QuerySet[CspViolation]) -> list[tuple[str, list[CspViolation]]]:
    """Reports grouped by page path, the pages with most reports first."""
    pages: dict[str, list[CspViolation]] = {}
    for row in rows.order_by("page_path", "-count"):
        pages.setdefault(row.page_path, []).append(row)
    return sorted(pages.items(), key=lambda item: (-sum(r.count for r in item[1]), item[0]))


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
class TagOnPage:
    """A site tag as the page writes it: loaded at once, after consent, or not at all."""

    tag: SiteTag
    host: str | None
    approved: bool
    consent_purpose: str | None


def unapproved(references: Iterable[Reference]) -> list[Reference]:
    """The references that load from a host the registry has not approved for their
    directive (first-party hosts are always fine), each (directive, host) once."""
    from .third_party import third_party

    found = third_party(references, own_hosts())
    if not found:
        return []
    approved = approved_hosts_by_directive()
    return [
        reference
        for reference in found
        if not any(host_matches(p, reference.host) for p in approved.get(reference.directive, ()))
    ]


def judged_tags(tags: Iterable[SiteTag]) -> list[TagOnPage]:
    """Each tag with the registry's verdict: whether its host is approved for scripts, and
    the consent purpose it waits for (one judgment for all of them)."""
    from . import public
    from .third_party import SCRIPT, url_host

    hosts = [(tag, url_host(tag.script_url)) for tag in tags]
    refused = {
        reference.host
        for reference in unapproved(
            Reference(SCRIPT, host, tag.script_url, "script") for tag, host in hosts if host
        )
    }
    result = []
    for tag, host in hosts:
        approved = bool(host) and host not in refused
        purpose = public.consent_purpose_for_host(host) if host and approved else None
        result.append(TagOnPage(tag, host, approved, purpose))
    return result


def site_tags(*, site_id: int | None, placement: str | None = None) -> list[TagOnPage]:
    """The enabled tags of a site (and of every site), with the registry's verdict on each."""
    tags = SiteTag.objects.filter(enabled=True).filter(Q(site__isnull=True) | Q(site_id=site_id))
    if placement:
        tags = tags.filter(placement=placement)
    return judged_tags(tags.order_by("name", "pk"))
