"""Browsers' Content-Security-Policy violation reports: parsed, checked and counted.

Two formats arrive: the older ``report-uri`` one (``application/csp-report``, one report per
request) and the Reporting API's (``application/reports+json``, a list). Both become
``Violation`` values; ``record`` adds each to its (site, page, directive, host) row. Only a
page's path is kept (its query string may hold anything), and only reports about the site
they were sent to are counted, so a report endpoint cannot be used to fill the table with
other people's pages.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import CspViolation
from .third_party import url_host

MAX_BODY_BYTES = 32 * 1024
MAX_REPORTS_PER_REQUEST = 20
CONTENT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
_KEYWORDS = {"inline", "eval", "data", "blob", "self", "wasm-eval", "trusted-types-policy"}


class ReportError(ValueError):
    """A request that is not a violation report we can read; the message says why."""


@dataclass(frozen=True)
class Violation:
    page_url: str
    directive: str
    blocked: str
    enforced: bool

    @property
    def page_host(self) -> str:
        return (urlsplit(self.page_url).hostname or "").lower()

    @property
    def page_path(self) -> str:
        return (urlsplit(self.page_url).path or "/")[:500]

    @property
    def blocked_host(self) -> str:
        keyword = self.blocked.strip().lower().rstrip(":")
        if keyword in _KEYWORDS or not keyword:
            return keyword or "inline"
        return url_host(self.blocked) or urlsplit(self.blocked).scheme or "unknown"

    @property
    def blocked_example(self) -> str:
        parts = urlsplit(self.blocked)
        if not parts.netloc:
            return self.blocked[:100]
        return f"{parts.scheme}://{parts.netloc}{parts.path}"[:500]


def _text(value: Any, limit: int = 2048) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _directive(value: str) -> str:
    # script-src-elem and script-src-attr are script-src to the registry.
    name = value.strip().lower().split(" ")[0]
    return name.removesuffix("-elem").removesuffix("-attr")[:40]


def _from_legacy(report: Any) -> Violation | None:
    if not isinstance(report, dict):
        return None
    directive = _text(report.get("effective-directive")) or _text(report.get("violated-directive"))
    return Violation(
        page_url=_text(report.get("document-uri")),
        directive=_directive(directive),
        blocked=_text(report.get("blocked-uri")),
        enforced=_text(report.get("disposition")) != "report",
    )


def _from_reporting_api(item: Any) -> Violation | None:
    if not isinstance(item, dict) or item.get("type") != "csp-violation":
        return None
    body = item.get("body")
    if not isinstance(body, dict):
        return None
    return Violation(
        page_url=_text(body.get("documentURL")) or _text(item.get("url")),
        directive=_directive(_text(body.get("effectiveDirective"))),
        blocked=_text(body.get("blockedURL")),
        enforced=_text(body.get("disposition")) != "report",
    )


def parse(body: bytes) -> list[Violation]:
    """The violations in a report request's body, or ReportError."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ReportError("The body is not JSON.") from None
    if isinstance(data, dict) and "csp-report" in data:
        found = [_from_legacy(data["csp-report"])]
    elif isinstance(data, list):
        if len(data) > MAX_REPORTS_PER_REQUEST:
            raise ReportError(f"At most {MAX_REPORTS_PER_REQUEST} reports per request.")
        found = [_from_reporting_api(item) for item in data]
    else:
        raise ReportError("Expected a CSP report: {'csp-report': {...}} or a list of reports.")
    violations = [v for v in found if v is not None and v.directive and v.page_url]
    if not violations:
        raise ReportError("No CSP violation in the report.")
    return violations


def record(violations: list[Violation], *, site_id: int, site_hosts: set[str]) -> int:
    """Count each violation about one of ``site_hosts`` on its row; returns how many."""
    now = timezone.now()
    counted = 0
    for violation in violations:
        if violation.page_host not in site_hosts:
            continue
        key = {
            "site_id": site_id,
            "page_path": violation.page_path,
            "directive": violation.directive,
            "blocked_host": violation.blocked_host[:255],
            "enforced": violation.enforced,
        }
        _count(key, violation.blocked_example, now)
        counted += 1
    return counted


def _count(key: dict[str, Any], example: str, now: Any) -> None:
    updates = {"count": F("count") + 1, "last_seen": now, "blocked_url": example}
    for _ in range(2):  # a second try if another process created the row meanwhile
        if CspViolation.objects.filter(**key).update(**updates):
            return
        try:
            with transaction.atomic():
                CspViolation.objects.create(
                    **key, blocked_url=example, count=1, first_seen=now, last_seen=now
                )
            return
        except IntegrityError:
            continue
