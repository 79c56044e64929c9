"""The policy's reads: each site's mode, browsers' violation reports grouped for the findings
report (and for alignment, through ``governance.public``), and the site tags as a page writes
them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.urls import reverse
from wagtail.models import Site

from ..consent.selectors import consent_purpose_for_host
from ..registry.models import Technology
from ..registry.selectors import technology_for_host
from ..scan.selectors import latest_finished_scan, scan_findings
from .checks import unapproved
from .models import CspViolation, CspViolationReporter, SecuritySettings, SiteTag
from .third_party import SCRIPT, Reference, url_host

DEFAULT_MIN_REPORTERS = 3


def csp_enforcing(site_id: int | None) -> bool:
    """Whether the site's policy blocks (the default) or only reports."""
    mode = (
        SecuritySettings.objects.filter(site_id=site_id).values_list("csp_mode", flat=True).first()
    )
    return bool(mode != SecuritySettings.CspMode.REPORT_ONLY)


def csp_modes() -> list[tuple[str, bool]]:
    """(site, enforcing) for every site, the default site first."""
    modes = dict(SecuritySettings.objects.values_list("site_id", "csp_mode"))
    return [
        (str(site), modes.get(site.pk) != SecuritySettings.CspMode.REPORT_ONLY)
        for site in Site.objects.order_by("-is_default_site", "hostname")
    ]


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
    *,
    since: datetime,
    site_id: int | None = None,
    enforced: bool | None = None,
    confirmed_only: bool = True,
) -> QuerySet[CspViolation]:
    """Violation rows seen since ``since``; by default only the confirmed ones (see
    ``confirmed``): anyone can post a report, so one address's reports are no finding."""
    rows = CspViolation.objects.filter(last_seen__gte=since).select_related("site")
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if enforced is not None:
        rows = rows.filter(enforced=enforced)
    return confirmed(rows) if confirmed_only else rows


def min_reporters() -> int:
    return int(getattr(settings, "CSP_FINDING_MIN_REPORTERS", DEFAULT_MIN_REPORTERS))


def confirmed(rows: QuerySet[CspViolation]) -> QuerySet[CspViolation]:
    """The rows whose blocked host the latest finished site scan found on the site's pages,
    or whose (host, directive) at least ``CSP_FINDING_MIN_REPORTERS`` distinct addresses
    reported (over all of ``rows``' pages): a browser report alone proves nothing, as any
    client can send one."""
    reported = (
        CspViolationReporter.objects.filter(violation__in=rows)
        .values("violation__blocked_host", "violation__directive")
        .annotate(addresses=Count("address_hash", distinct=True))
        .filter(addresses__gte=min_reporters())
        .values_list("violation__blocked_host", "violation__directive")
    )
    condition = Q(pk__in=[])
    for host, directive in reported:
        condition |= Q(blocked_host=host, directive=directive)
    scan = latest_finished_scan()
    if scan is not None:
        scanned = scan_findings(scan).values_list("host", flat=True).distinct()
        condition |= Q(blocked_host__in=[host for host in scanned if host])
    return rows.filter(condition)


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
class CspFinding:
    """A host the site's policy blocked (or reported) since a moment, over all pages."""

    host: str
    directive: str
    reports: int  # every report of the rows seen since then (their counts are not dated)
    pages: int
    first_seen: datetime
    last_seen: datetime


def csp_findings_since(since: datetime, *, before: datetime | None = None) -> list[CspFinding]:
    """CSP violation reports seen since ``since`` (and first seen before ``before``, when
    given), per blocked host and directive, the most reported first (one query): the CSP
    findings report's rows, each counting all its reports (a row holds a running count,
    not one per day). Confirmed rows only, as in the report."""
    rows = violations(since=since)
    if before is not None:
        rows = rows.filter(first_seen__lt=before)
    grouped = (
        rows.values("blocked_host", "directive")
        .annotate(
            reports=Sum("count"),
            pages=Count("page_path", distinct=True),
            first=Min("first_seen"),
            last=Max("last_seen"),
        )
        .order_by("-reports", "blocked_host", "directive")
    )
    return [
        CspFinding(
            host=row["blocked_host"],
            directive=row["directive"],
            reports=row["reports"] or 0,
            pages=row["pages"],
            first_seen=row["first"],
            last_seen=row["last"],
        )
        for row in grouped
    ]


def csp_findings_url() -> str:
    return reverse("governance_csp_findings")


@dataclass(frozen=True)
class TagOnPage:
    """A site tag as the page writes it: loaded at once, after consent, or not at all."""

    tag: SiteTag
    host: str | None
    approved: bool
    consent_purpose: str | None


def judged_tags(tags: Iterable[SiteTag]) -> list[TagOnPage]:
    """Each tag with the registry's verdict: whether its host is approved for scripts, and
    the consent purpose it waits for (one judgment for all of them)."""
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
        purpose = consent_purpose_for_host(host) if host and approved else None
        result.append(TagOnPage(tag, host, approved, purpose))
    return result


def site_tags(*, site_id: int | None, placement: str | None = None) -> list[TagOnPage]:
    """The enabled tags of a site (and of every site), with the registry's verdict on each."""
    tags = SiteTag.objects.filter(enabled=True).filter(Q(site__isnull=True) | Q(site_id=site_id))
    if placement:
        tags = tags.filter(placement=placement)
    return judged_tags(tags.order_by("name", "pk"))
