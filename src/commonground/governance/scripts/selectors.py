"""The reads of scripts as approved objects: the reviewed hash a page emits per script, the
inventory (every script on every published page, with its justification, hash, last check
and status), SRI coverage and the monitor's freshness for the posture page."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from ..csp.models import SiteTag
from ..csp.selectors import judged_tags
from ..csp.third_party import url_host
from ..registry.selectors import technology_for_host
from .models import MonitorRun, ReviewedScript, ScriptFinding, ScriptOnPage


def reviewed_integrity(urls: Iterable[str]) -> dict[str, str]:
    """URL -> the reviewed SRI hash, for the ``urls`` that have one (one query)."""
    wanted = set(urls)
    if not wanted:
        return {}
    return dict(
        ReviewedScript.objects.filter(url__in=wanted)
        .exclude(integrity="")
        .values_list("url", "integrity")
    )


@dataclass(frozen=True)
class InventoryRow:
    page: str
    page_url: str
    script_url: str
    source: str
    held_for_consent: bool
    justification: str  # the registry entry approving the host, or "first-party"
    integrity: str  # the reviewed hash ("" when none)
    emitted_integrity: str  # what the page carries
    last_check: datetime | None
    status: str
    third_party: bool


def _justification(host: str | None) -> str:
    if host is None:
        return "first-party: the site's own script"
    technology = technology_for_host(host)
    if technology is None:
        return f"{host}: not in the technology registry"
    return f"{technology.name} ({technology.get_status_display()} in the registry)"


def _status(script: ReviewedScript | None) -> str:
    if script is None or not script.integrity:
        return ReviewedScript.Status.UNREVIEWED.label
    return script.get_status_display()


def inventory() -> list[InventoryRow]:
    """Every script the published pages load (as the monitor's last run found them), then
    each enabled site tag from an approved host that pages leave out for want of a review."""
    rows = list(ScriptOnPage.objects.order_by("page_url", "script_url"))
    tag_urls = {
        judged.tag.script_url: judged
        for judged in judged_tags(SiteTag.objects.filter(enabled=True).order_by("name"))
        if judged.approved
    }
    reviewed = ReviewedScript.objects.in_bulk(
        {row.script_url for row in rows} | set(tag_urls), field_name="url"
    )
    justifications: dict[str | None, str] = {}

    def justify(host: str | None) -> str:
        if host not in justifications:
            justifications[host] = _justification(host)
        return justifications[host]

    result = []
    on_pages = set()
    for row in rows:
        own = row.source == ScriptOnPage.Source.OWN
        script = reviewed.get(row.script_url)
        on_pages.add(row.script_url)
        result.append(
            InventoryRow(
                page=row.page_title,
                page_url=row.page_url,
                script_url=row.script_url,
                source=row.get_source_display(),
                held_for_consent=row.held_for_consent,
                justification=justify(None if own else url_host(row.script_url)),
                integrity=script.integrity if script else "",
                emitted_integrity=row.integrity,
                last_check=script.checked_at if script else row.seen_at,
                status="first-party" if own else _status(script),
                third_party=not own,
            )
        )
    for url, judged in tag_urls.items():
        script = reviewed.get(url)
        if url in on_pages or (script is not None and script.integrity):
            continue
        where = f"every page of {judged.tag.site}" if judged.tag.site else "every page"
        result.append(
            InventoryRow(
                page=f"{where} (site tag “{judged.tag.name}”, not emitted until reviewed)",
                page_url="",
                script_url=url,
                source=ScriptOnPage.Source.SITE_TAG.label,
                held_for_consent=bool(judged.consent_purpose),
                justification=justify(judged.host),
                integrity="",
                emitted_integrity="",
                last_check=None,
                status=_status(script),
                third_party=True,
            )
        )
    return result


@dataclass(frozen=True)
class Coverage:
    third_party: int
    without_review: list[str]
    changed: list[str]


def sri_coverage() -> Coverage:
    """Third-party scripts (enabled site tags from approved hosts, and the pages' scripts as
    last inventoried) and those without a reviewed hash, or no longer matching it."""
    urls = {
        judged.tag.script_url
        for judged in judged_tags(SiteTag.objects.filter(enabled=True))
        if judged.approved
    }
    urls |= set(
        ScriptOnPage.objects.filter(~Q(source=ScriptOnPage.Source.OWN)).values_list(
            "script_url", flat=True
        )
    )
    reviewed = ReviewedScript.objects.in_bulk(urls, field_name="url")
    without = sorted(u for u in urls if u not in reviewed or not reviewed[u].integrity)
    changed = sorted(
        u
        for u, s in reviewed.items()
        if s.integrity and s.status in {ReviewedScript.Status.CHANGED, ReviewedScript.Status.GONE}
    )
    return Coverage(len(urls), without, changed)


def latest_run() -> MonitorRun | None:
    return MonitorRun.objects.filter(finished_at__isnull=False).first()


def recent_findings(limit: int = 50) -> list[ScriptFinding]:
    return list(ScriptFinding.objects.all()[:limit])


def review_queue() -> list[ReviewedScript]:
    return list(ReviewedScript.objects.select_related("reviewed_by"))
