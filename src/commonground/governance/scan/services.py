"""The shadow-IT scan: every live public page of every site, rendered in-process exactly as an
anonymous visitor gets it, and every third-party host it loads compared with the registry.

Rendering goes through Django's full request handling (middleware, page cache, templates,
blocks, the consent gate) with the site's own host name and port, so Wagtail routes each
request to the right site; nothing is fetched from the network. Each page that cannot be
rendered or read is an error row of its scan, not the end of the scan.
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.core.handlers.base import BaseHandler
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseBase

# RequestFactory builds a plain WSGIRequest; it carries no test machinery into the request.
from django.test import RequestFactory
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, Site

from ..csp import third_party as tp
from ..csp.checks import own_hosts
from ..permissions import RUN_SCAN, may
from ..registry import selectors as registry_selectors
from ..registry.hosts import host_matches
from ..registry.models import Technology
from .models import ScanFinding, SiteScan
from .tasks import run_site_scan

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
Verdict = ScanFinding.Verdict

SCAN_START = "governance.scan.start"


class ScanRunningError(Exception):
    """A scan is running already; a second would only repeat it."""


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_page_bytes: int
    max_seconds: float
    batch_size: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_pages=int(getattr(settings, "SCAN_MAX_PAGES", 5000)),
            max_page_bytes=int(getattr(settings, "SCAN_MAX_PAGE_BYTES", 5_000_000)),
            max_seconds=float(getattr(settings, "SCAN_MAX_SECONDS", 1800)),
            batch_size=int(getattr(settings, "SCAN_BATCH_SIZE", 100)),
        )

    @property
    def stale_after(self) -> timedelta:
        """A scan "running" for longer than this lost its worker and never finishes."""
        return timedelta(seconds=self.max_seconds + 600)


# --- Starting scans -------------------------------------------------------------------------


def _fail_stale_scans(limits: Limits, now: datetime) -> None:
    SiteScan.objects.filter(
        status=SiteScan.Status.RUNNING, started_at__lt=now - limits.stale_after
    ).update(
        status=SiteScan.Status.FAILED,
        finished_at=now,
        error="Did not finish: the process running it stopped.",
    )


def running_scan() -> SiteScan | None:
    return SiteScan.objects.filter(status=SiteScan.Status.RUNNING).first()


def _create(*, trigger: str, user: User | None) -> SiteScan:
    person = user if isinstance(user, Person) else None
    scan = SiteScan.objects.create(started_at=timezone.now(), trigger=trigger, triggered_by=person)
    log(scan, SCAN_START, user=person, data={"trigger": trigger})
    return scan


def start_scan(*, user: User) -> SiteScan:
    """Queue a scan from the admin (IT only); refused while another scan is running."""
    if not may(user, RUN_SCAN):
        raise PermissionDenied(RUN_SCAN)
    limits = Limits.from_settings()
    with transaction.atomic():
        _fail_stale_scans(limits, timezone.now())
        running = SiteScan.objects.select_for_update().filter(status=SiteScan.Status.RUNNING)
        current = running.first()
        if current is not None:
            raise ScanRunningError(
                f"A scan is running since {timezone.localtime(current.started_at):%H:%M}."
            )
        scan = _create(trigger=SiteScan.Trigger.ADMIN, user=user)
        transaction.on_commit(lambda: _enqueue(scan.pk))
    return scan


def _enqueue(scan_id: int) -> None:
    run_site_scan.enqueue(scan_id)


def scan_site(*, trigger: str, progress: Callable[[int], object] | None = None) -> SiteScan:
    """Run a scan now, in this process (the command line, the demo loader, the schedule)."""
    with transaction.atomic():
        scan = _create(trigger=trigger, user=None)
    return run_scan(scan.pk, progress=progress)


def scan_if_due(now: datetime | None = None) -> SiteScan | None:
    """The daily scan: run one when none started in the last ``SCAN_EVERY_HOURS`` (24) and
    none is running, else nothing. Enqueued hourly, so a restarted scheduler never scans twice."""
    now = now or timezone.now()
    limits = Limits.from_settings()
    every = timedelta(hours=float(getattr(settings, "SCAN_EVERY_HOURS", 24)))
    with transaction.atomic():
        _fail_stale_scans(limits, now)
        recent = SiteScan.objects.filter(
            Q(status=SiteScan.Status.RUNNING) | Q(started_at__gt=now - every)
        )
        if recent.exists():
            return None
        scan = _create(trigger=SiteScan.Trigger.SCHEDULE, user=None)
    return run_scan(scan.pk)


# --- Running a scan -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    page_id: int
    title: str
    site: Site
    path: str  # from the site's root, with a leading slash
    url: str


class _Renderer:
    """Django's request handling with the project's middleware, called in-process."""

    def __init__(self) -> None:
        self._handler = BaseHandler()
        self._handler.load_middleware()
        self._factory = RequestFactory()

    def get(self, site: Site, path: str) -> HttpResponseBase:
        secure = site.port == 443 or bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
        host = site.hostname if site.port in (80, 443) else f"{site.hostname}:{site.port}"
        request = self._factory.get(path, secure=secure, HTTP_HOST=host, SERVER_PORT=str(site.port))
        request.get_host()  # DisallowedHost before anything renders
        return self._handler.get_response(request)


class _Registry:
    """The registry's answer per (directive, host), read once per scan."""

    def __init__(self) -> None:
        self._approved = registry_selectors.approved_hosts_by_directive()
        self._technologies: dict[str, Technology | None] = {}

    def _approved_for(self, host: str) -> list[str]:
        return [
            directive
            for directive, patterns in self._approved.items()
            if any(host_matches(pattern, host) for pattern in patterns)
        ]

    def judge(self, directive: str, host: str) -> tuple[str, Technology | None, str]:
        """(verdict, registry entry or None, why)."""
        if host not in self._technologies:
            self._technologies[host] = registry_selectors.technology_for_host(host)
        technology = self._technologies[host]
        approved_for = self._approved_for(host)
        if directive in approved_for:
            return Verdict.APPROVED, technology, f"approved for {directive}"
        if technology is None:
            return Verdict.UNKNOWN, None, "not in the technology registry"
        if approved_for:
            return (
                Verdict.NOT_APPROVED,
                technology,
                f"approved for {', '.join(approved_for)} only, not for {directive}",
            )
        return (
            Verdict.NOT_APPROVED,
            technology,
            f"{technology.get_status_display()} in the technology registry",
        )


def targets() -> Iterator[Target]:
    """Every live page without a view restriction that a site serves, in tree order, read in
    batches (a page reachable from no site is not on the published site)."""
    sites = Site.objects.in_bulk()
    batch = Limits.from_settings().batch_size
    last_path = ""
    while True:
        pages = list(
            Page.objects.live()
            .public()
            .filter(depth__gt=1, path__gt=last_path)
            .order_by("path")[:batch]
        )
        if not pages:
            return
        last_path = pages[-1].path
        for page in pages:
            parts = page.get_url_parts()
            if parts is None or parts[0] not in sites:
                continue
            site_id, root_url, page_path = parts
            yield Target(page.pk, page.title, sites[site_id], page_path, f"{root_url}{page_path}")


def _error(target: Target, detail: str) -> ScanFinding:
    return ScanFinding(
        page_id=target.page_id,
        page_url=target.url[:500],
        page_title=target.title[:255],
        verdict=Verdict.ERROR,
        detail=detail[:500],
    )


def page_references(html: str) -> list[tp.Reference]:
    """What the page loads at once and what it holds back for consent or a click."""
    findings = tp.inspect_html(html)
    return [*findings.references, *findings.held]


def _scan_page(
    target: Target, *, renderer: _Renderer, registry: _Registry, own: set[str], limits: Limits
) -> list[ScanFinding]:
    try:
        response = renderer.get(target.site, target.path)
    except DisallowedHost:
        return [_error(target, f"{target.site.hostname} is not in ALLOWED_HOSTS")]
    except Exception as error:  # the handler answers view errors with a 500; this is the rest
        logger.exception("scan: rendering %s failed", target.url)
        return [_error(target, f"rendering failed: {type(error).__name__}: {error}")]
    if response.status_code != 200:
        where = response.get("Location")
        answer = f"answered HTTP {response.status_code}" + (f" ({where})" if where else "")
        return [_error(target, answer)]
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return [_error(target, f"not an HTML page ({response.get('Content-Type', 'no type')})")]
    content: bytes = response.content  # type: ignore[attr-defined]
    if len(content) > limits.max_page_bytes:
        return [
            _error(
                target,
                f"{len(content):,} bytes, more than the {limits.max_page_bytes:,} the scan reads "
                "(SCAN_MAX_PAGE_BYTES)",
            )
        ]
    html = content.decode(response.charset or "utf-8", errors="replace")
    findings = []
    for found in tp.third_party(page_references(html), own):
        verdict, technology, why = registry.judge(found.directive, found.host)
        findings.append(
            ScanFinding(
                page_id=target.page_id,
                page_url=target.url[:500],
                page_title=target.title[:255],
                directive=found.directive,
                host=found.host[:255],
                example_url=found.url[:500],
                element=found.element[:40],
                verdict=verdict,
                technology_name=technology.name if technology else "",
                technology_status=technology.status if technology else "",
                detail=why,
            )
        )
    return findings


def _save_batch(scan: SiteScan, findings: list[ScanFinding], pages: int, failed: int) -> None:
    with transaction.atomic():
        for finding in findings:
            finding.scan = scan
        ScanFinding.objects.bulk_create(findings)
        scan.pages_scanned += pages
        scan.pages_failed += failed
        scan.save(update_fields=["pages_scanned", "pages_failed"])


def _batched(items: Iterable[Target], size: int) -> Iterator[list[Target]]:
    batch: list[Target] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_scan(scan_id: int, *, progress: Callable[[int], object] | None = None) -> SiteScan:
    """Scan every page into the running scan ``scan_id``; a scan no longer running (finished,
    failed, or taken by another worker) is left alone."""
    scan = SiteScan.objects.get(pk=scan_id)
    if scan.status != SiteScan.Status.RUNNING or scan.pages_scanned:
        return scan
    limits = Limits.from_settings()
    deadline = time.monotonic() + limits.max_seconds
    try:
        renderer, registry, own = _Renderer(), _Registry(), own_hosts()
        for batch in _batched(targets(), limits.batch_size):
            findings: list[ScanFinding] = []
            pages = failed = 0
            for target in batch:
                if scan.pages_scanned + pages >= limits.max_pages:
                    scan.stopped_early = f"Stopped at {limits.max_pages:,} pages (SCAN_MAX_PAGES)."
                    break
                if time.monotonic() > deadline:
                    scan.stopped_early = (
                        f"Stopped after {limits.max_seconds:g} seconds (SCAN_MAX_SECONDS)."
                    )
                    break
                page_findings = _scan_page(
                    target, renderer=renderer, registry=registry, own=own, limits=limits
                )
                findings += page_findings
                pages += 1
                failed += any(f.verdict == Verdict.ERROR for f in page_findings)
            _save_batch(scan, findings, pages, failed)
            if progress:
                progress(scan.pages_scanned)
            if scan.stopped_early:
                break
    except Exception as error:
        logger.exception("scan %s failed", scan_id)
        _finish(scan, status=SiteScan.Status.FAILED, error=f"{type(error).__name__}: {error}")
        return scan
    _finish(scan, status=SiteScan.Status.FINISHED)
    return scan


def _finish(scan: SiteScan, *, status: str, error: str = "") -> None:
    findings = scan.findings.exclude(verdict=Verdict.ERROR)
    scan.hosts_found = findings.values("host").distinct().count()
    scan.unapproved_found = (
        findings.exclude(verdict=Verdict.APPROVED).values("host").distinct().count()
    )
    scan.status = status
    scan.error = error
    scan.finished_at = timezone.now()
    scan.save(
        update_fields=[
            "hosts_found",
            "unapproved_found",
            "status",
            "error",
            "finished_at",
            "stopped_early",
        ]
    )
