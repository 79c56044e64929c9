"""Browsers' Content-Security-Policy violation reports: parsed, checked and counted.

Two formats arrive: the older ``report-uri`` one (``application/csp-report``, one report per
request) and the Reporting API's (``application/reports+json``, a list). Both become
``Violation`` values; ``record`` adds each to its (site, page, directive, host) row. Only a
page's path is kept (its query string may hold anything), and only reports about the site
they were sent to are counted, so a report endpoint cannot be used to fill the table with
other people's pages.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from commonground.core.http.json_input import JsonInputError, parse_json
from commonground.core.http.rate_limits import address_source

from .models import CspViolation, CspViolationReporter
from .third_party import url_host

MAX_BODY_BYTES = 32 * 1024
MAX_REPORTS_PER_REQUEST = 20
# A report is two levels deep ({"csp-report": {...}}, [{"body": {...}}]); browsers add little.
MAX_DEPTH = 8
CONTENT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
_REPORTER_SALT = "commonground.governance.csp.reporter"
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


# C0 controls, DEL and C1 controls: no URL or directive a browser reports holds one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_DIRECTIVE = re.compile(r"^[a-z][a-z-]{0,39}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{0,31}$")
MAX_URL = 2048
_DISPOSITIONS = {"", "enforce", "report"}


def _field(report: dict[str, Any], name: str, *, limit: int = MAX_URL) -> str:
    """The text of a report field ("" when absent), or ReportError naming the field."""
    value = report.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReportError(f"{name} must be a string.")
    if len(value) > limit:
        raise ReportError(f"{name} must be at most {limit} characters.")
    if _CONTROL.search(value):
        raise ReportError(f"{name} must not contain control characters.")
    return value


def _page_url(value: str, name: str) -> str:
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        hostname = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not hostname:
        raise ReportError(f"{name} must be the page's http(s) URL.")
    return value


def _blocked(value: str, name: str) -> str:
    """A keyword (inline, eval, self, ...), a scheme alone (data, blob) or an absolute URL."""
    keyword = value.strip().lower().rstrip(":")
    if not keyword or keyword in _KEYWORDS or _SCHEME.match(keyword):
        return value
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        raise ReportError(f"{name} must be a URL or a keyword such as inline.") from None
    web = parts.scheme in ("http", "https", "ws", "wss")
    if not _SCHEME.match(parts.scheme) or (web and not hostname):
        raise ReportError(f"{name} must be a URL or a keyword such as inline.")
    return value


def _directive(value: str, name: str) -> str:
    # script-src-elem and script-src-attr are script-src to the registry.
    directive = value.strip().lower().split(" ")[0]
    if directive and not _DIRECTIVE.match(directive):
        raise ReportError(f"{name} must be a CSP directive such as script-src.")
    return directive.removesuffix("-elem").removesuffix("-attr")


def _enforced(report: dict[str, Any]) -> bool:
    disposition = _field(report, "disposition", limit=20)
    if disposition not in _DISPOSITIONS:
        raise ReportError("disposition must be enforce or report.")
    return disposition != "report"


def _from_legacy(report: Any) -> Violation | None:
    if not isinstance(report, dict):
        return None
    name = "effective-directive" if report.get("effective-directive") else "violated-directive"
    return Violation(
        page_url=_page_url(_field(report, "document-uri"), "document-uri"),
        directive=_directive(_field(report, name, limit=200), name),
        blocked=_blocked(_field(report, "blocked-uri"), "blocked-uri"),
        enforced=_enforced(report),
    )


def _from_reporting_api(item: Any) -> Violation | None:
    if not isinstance(item, dict) or item.get("type") != "csp-violation":
        return None
    body = item.get("body")
    if not isinstance(body, dict):
        return None
    page_url = _page_url(_field(body, "documentURL"), "documentURL") or _page_url(
        _field(item, "url"), "url"
    )
    return Violation(
        page_url=page_url,
        directive=_directive(_field(body, "effectiveDirective", limit=200), "effectiveDirective"),
        blocked=_blocked(_field(body, "blockedURL"), "blockedURL"),
        enforced=_enforced(body),
    )


def parse(body: bytes) -> list[Violation]:
    """The violations in a report request's body, or ReportError: every field is checked
    before anything is counted, so a report with one bad field is refused whole."""
    try:
        data = parse_json(body, max_depth=MAX_DEPTH)
    except JsonInputError as error:
        raise ReportError(f"The body {error}.") from None
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


def reporter_hash(address: str) -> str:
    """A keyed hash of a reporting address (its /64 for IPv6): what tells reporters apart
    without keeping the address. Keyed with the secret key, so the small space of IPv4
    addresses cannot be hashed through to find which address it was."""
    return salted_hmac(_REPORTER_SALT, address_source(address), algorithm="sha256").hexdigest()


def record(
    violations: list[Violation], *, site_id: int, site_hosts: set[str], reporter: str
) -> int:
    """Count each violation about one of ``site_hosts`` on its row, and ``reporter`` (the
    client address, kept only as a keyed hash) among the row's distinct reporters; returns
    how many were counted. All or none: one transaction."""
    now = timezone.now()
    address_hash = reporter_hash(reporter)
    counted = 0
    with transaction.atomic():
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
            row_id = _count(key, violation.blocked_example, now)
            # One row per distinct address; a repeat from the same address changes nothing.
            CspViolationReporter.objects.bulk_create(
                [CspViolationReporter(violation_id=row_id, address_hash=address_hash)],
                ignore_conflicts=True,
            )
            counted += 1
    return counted


def _count(key: dict[str, Any], example: str, now: Any) -> int:
    """The id of the violation row of ``key``, its count raised by one (created at 1)."""
    updates = {"count": F("count") + 1, "last_seen": now, "blocked_url": example}
    for _ in range(2):  # a second try if another process created the row meanwhile
        if CspViolation.objects.filter(**key).update(**updates):
            return int(CspViolation.objects.filter(**key).values_list("pk", flat=True).get())
        try:
            with transaction.atomic():
                row = CspViolation.objects.create(
                    **key, blocked_url=example, count=1, first_seen=now, last_seen=now
                )
            return int(row.pk)
        except IntegrityError:
            continue
    raise IntegrityError(f"the CSP violation row {key} could neither be created nor updated")
