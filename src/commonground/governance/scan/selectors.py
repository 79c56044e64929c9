"""The scan's reads: a scan's findings grouped by host, its error rows, past scans; and for
alignment (through ``governance.public``), the latest finished scan and its unapproved hosts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.urls import reverse

from .models import ScanFinding, SiteScan


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


def finished_scans(*, before: datetime | None = None) -> QuerySet[SiteScan]:
    """The scans that finished (before ``before``, when given), the latest started first."""
    scans = SiteScan.objects.filter(status=SiteScan.Status.FINISHED)
    if before is not None:
        scans = scans.filter(finished_at__lt=before)
    return scans.order_by("-started_at", "-pk")


def latest_finished_scan(*, before: datetime | None = None) -> SiteScan | None:
    return finished_scans(before=before).first()


# --- for alignment (review agendas, the metric catalogue) ------------------------------------


@dataclass(frozen=True)
class UnapprovedHost:
    """A third-party host a scan found loading without the registry's approval."""

    host: str
    directive: str
    verdict: str  # "not_approved" (registered, not approved) or "unknown" (not registered)
    pages: int
    new: bool  # not found unapproved by the scan before


@dataclass(frozen=True)
class ScanResult:
    started_at: datetime
    hosts: tuple[UnapprovedHost, ...]
    admin_url: str


def unapproved_hosts_in_latest_scan() -> ScanResult | None:
    """The latest finished scan's unapproved hosts (each with the number of pages), marked
    new when the finished scan before it did not find them; None before any scan."""
    scans = list(finished_scans().values_list("pk", "started_at")[:2])
    if not scans:
        return None
    unapproved = (ScanFinding.Verdict.NOT_APPROVED, ScanFinding.Verdict.UNKNOWN)
    earlier: set[tuple[str, str]] = set()
    if len(scans) > 1:
        earlier = set(
            ScanFinding.objects.filter(scan_id=scans[1][0], verdict__in=unapproved).values_list(
                "host", "directive"
            )
        )
    rows = (
        ScanFinding.objects.filter(scan_id=scans[0][0], verdict__in=unapproved)
        .values("host", "directive", "verdict")
        .annotate(pages=Count("page_url", distinct=True))
        .order_by("host", "directive")
    )
    return ScanResult(
        started_at=scans[0][1],
        hosts=tuple(
            UnapprovedHost(
                host=row["host"],
                directive=row["directive"],
                verdict=row["verdict"],
                pages=row["pages"],
                new=(row["host"], row["directive"]) not in earlier,
            )
            for row in rows
        ),
        admin_url=reverse("governance_scans:index"),
    )


@dataclass(frozen=True)
class ScanSummary:
    started_at: datetime
    finished_at: datetime | None
    hosts_found: int
    unapproved_found: int


def latest_scan_summary(*, before: datetime | None = None) -> ScanSummary | None:
    """The latest shadow-IT scan that finished (before ``before``, when given), as its scan
    report shows it: distinct third-party hosts, and those not approved for what they load."""
    scan = latest_finished_scan(before=before)
    if scan is None:
        return None
    return ScanSummary(scan.started_at, scan.finished_at, scan.hosts_found, scan.unapproved_found)
