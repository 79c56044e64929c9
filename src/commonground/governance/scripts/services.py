"""The writes of scripts as approved objects: IT fetches a script for review and approves its
hash; the monitor re-fetches every reviewed script and every public page's security headers,
records each change once and rebuilds the inventory; the alert e-mail tells IT."""

import base64
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from commonground.core.pages import page_cache

from ..access.selectors import is_it_administrator
from ..csp.checks import check_url, own_hosts
from ..csp.policy_changes import REGISTRY_TAG
from ..csp.third_party import url_host
from ..registry.notifications import reviewer_addresses
from ..scan.services import targets
from .fetch import fetch_own_page, fetch_script
from .models import MonitorRun, PageHeaders, ReviewedScript, ScriptFinding, ScriptOnPage

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
Kind = ScriptFinding.Kind
Status = ReviewedScript.Status

SCRIPT_FETCH = "governance.script.fetch"
SCRIPT_APPROVE = "governance.script.approve"
MONITOR_RUN = "governance.script_monitor.run"

PREVIEW_LINES = 20
PREVIEW_LINE_LENGTH = 160
# The security headers the monitor watches (frame-ancestors is in the CSP).
WATCHED_HEADERS = (
    "content-security-policy",
    "content-security-policy-report-only",
    "strict-transport-security",
    "x-frame-options",
    "referrer-policy",
    "x-content-type-options",
    "permissions-policy",
)
_WEB_ADDRESS = URLValidator(schemes=["http", "https"])
_NONCE = re.compile(r"'nonce-[^']*'")


class ScriptReviewError(Exception):
    """The script cannot be reviewed or approved; the message says why, for the reviewer."""


def sri_hash(body: bytes) -> str:
    """The Subresource Integrity value browsers check: sha384, base64."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


def preview(body: bytes) -> str:
    """The script's first lines, each cut short, for the reviewer to read."""
    # A NUL shown as U+FFFD: PostgreSQL keeps no NUL in a text column, and nobody reads one.
    lines = body.decode("utf-8", "replace").replace("\x00", "\ufffd").splitlines()
    return "\n".join(line[:PREVIEW_LINE_LENGTH] for line in lines[:PREVIEW_LINES])


def _require_it(user: User) -> Person:
    if not is_it_administrator(user) or not isinstance(user, Person):
        raise PermissionDenied("Only IT administrators review scripts.")
    return user


def _checked_url(url: str) -> str:
    """``url`` when it is a third-party script address the registry approved for scripts."""
    url = (url or "").strip()
    if not url or len(url) > 500:
        raise ScriptReviewError("Enter the script's address (https://…, at most 500 characters).")
    if any(ord(character) < 32 or ord(character) == 127 for character in url):
        # URLValidator lets a NUL through in the path; PostgreSQL refuses it in a text column.
        raise ScriptReviewError("The address holds a control character (a NUL, a tab...).")
    try:
        _WEB_ADDRESS(url)  # before the registry's check, which expects a well-formed URL
    except ValidationError:
        raise ScriptReviewError(
            "Enter the script's web address (http:// or https://, a valid host)."
        ) from None
    try:
        check_url(url, "script-src", element="script")
    except ValidationError as error:
        raise ScriptReviewError(" ".join(error.messages)) from None
    host = url_host(url)
    if host is None:
        raise ScriptReviewError("Enter the script's full address (https://…).")
    if host in own_hosts():
        raise ScriptReviewError("This is one of the site's own scripts: it needs no review.")
    return url


def fetch_for_review(*, user: User, url: str) -> ReviewedScript:
    """Fetch the script at ``url`` now and keep its hash, size and first lines for IT to
    review (the reviewed hash, if any, stays until IT approves the new one)."""
    person = _require_it(user)
    url = _checked_url(url)
    fetched = fetch_script(url)
    if not fetched.ok:
        raise ScriptReviewError(f"The script could not be fetched from {url}: {fetched.error}.")
    with transaction.atomic():
        script, _ = ReviewedScript.objects.select_for_update().get_or_create(url=url)
        script.fetched_integrity = sri_hash(fetched.body)
        script.fetched_size = len(fetched.body)
        script.fetched_preview = preview(fetched.body)
        script.fetched_at = timezone.now()
        script.save()
        log(
            script,
            SCRIPT_FETCH,
            user=person,
            data={"url": url, "integrity": script.fetched_integrity, "size": script.fetched_size},
        )
    return script


def approve_script(*, user: User, url: str, integrity: str) -> ReviewedScript:
    """Approve the copy IT was shown (``integrity`` is the hash on the review page): pages
    carry the script with that hash from now on."""
    person = _require_it(user)
    url = _checked_url(url)
    with transaction.atomic():
        script = ReviewedScript.objects.select_for_update().filter(url=url).first()
        if script is None or not script.fetched_integrity:
            raise ScriptReviewError("Fetch the script for review first.")
        if integrity != script.fetched_integrity:
            raise ScriptReviewError(
                "The hash you approved is not the one fetched last: fetch the script again "
                "and review what it is now."
            )
        before = {"integrity": script.integrity, "status": script.status}
        script.integrity = script.fetched_integrity
        script.size = script.fetched_size
        script.reviewed_by = person
        script.reviewed_at = timezone.now()
        script.status = Status.REVIEWED
        script.seen_integrity = script.integrity
        script.check_error = ""
        script.save()
        log(
            script,
            SCRIPT_APPROVE,
            user=person,
            data={
                "url": url,
                "before": before,
                "after": {"integrity": script.integrity, "status": script.status},
                "size": script.size,
            },
        )
        page_cache.invalidate_on_commit([REGISTRY_TAG])
    return script


# --- The monitor -----------------------------------------------------------------------------


def _finding(kind: str, subject: str, *, now: datetime, **fields: str) -> ScriptFinding:
    return ScriptFinding.objects.create(kind=kind, subject=subject[:500], found_at=now, **fields)


def check_script(script: ReviewedScript, *, now: datetime) -> list[ScriptFinding]:
    """Fetch a reviewed script again; a finding when what is served differs from what the
    monitor saw last (so each change is found once)."""
    fetched = fetch_script(script.url)
    observed = sri_hash(fetched.body) if fetched.ok else ""
    found = []
    with transaction.atomic():
        current = ReviewedScript.objects.select_for_update().get(pk=script.pk)
        if observed != current.seen_integrity:
            if not observed:
                found.append(
                    _finding(
                        Kind.SCRIPT_GONE,
                        current.url,
                        now=now,
                        before=current.seen_integrity,
                        after=fetched.error[:500],
                    )
                )
            elif observed != current.integrity:
                found.append(
                    _finding(
                        Kind.SCRIPT_CHANGED,
                        current.url,
                        now=now,
                        before=current.seen_integrity or current.integrity,
                        after=f"{observed} ({len(fetched.body)} bytes)",
                    )
                )
        if not observed:
            current.status = Status.GONE
        elif observed == current.integrity:
            current.status = Status.REVIEWED
        else:
            current.status = Status.CHANGED
        current.seen_integrity = observed
        current.checked_at = now
        current.check_error = fetched.error[:500]
        current.save(update_fields=["status", "seen_integrity", "checked_at", "check_error"])
    return found


def watched_headers(headers: dict[str, str]) -> dict[str, str]:
    """The security headers of an answer, nonces masked (they differ on every answer)."""
    return {
        name: _NONCE.sub("'nonce-…'", headers[name]) for name in WATCHED_HEADERS if name in headers
    }


def _header_findings(
    url: str, before: dict[str, str], after: dict[str, str], *, now: datetime
) -> list[ScriptFinding]:
    found = []
    for name in WATCHED_HEADERS:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        kind = Kind.HEADER_ADDED if old is None else Kind.HEADER_REMOVED if new is None else None
        found.append(
            _finding(
                kind or Kind.HEADER_CHANGED,
                url,
                now=now,
                header=name,
                before=old or "",
                after=new or "",
            )
        )
    return found


def check_page_headers(
    url: str, fetched_headers: dict[str, str] | None, error: str, *, now: datetime
) -> list[ScriptFinding]:
    """Compare a page's security headers with the last answer's; the first answer is the
    baseline. A page that stops answering is a finding once; its last headers are kept."""
    with transaction.atomic():
        snapshot = PageHeaders.objects.select_for_update().filter(url=url[:500]).first()
        if snapshot is None:
            PageHeaders.objects.create(
                url=url[:500],
                headers=watched_headers(fetched_headers or {}),
                error=error[:500],
                checked_at=now,
            )
            return []
        found: list[ScriptFinding] = []
        if error:
            if not snapshot.error:
                found.append(_finding(Kind.PAGE_UNREACHABLE, url, now=now, after=error[:500]))
        else:
            headers = watched_headers(fetched_headers or {})
            found = _header_findings(url, snapshot.headers, headers, now=now)
            snapshot.headers = headers
        snapshot.error = error[:500]
        snapshot.checked_at = now
        snapshot.save()
    return found


class _ScriptTags(HTMLParser):
    """Every <script> with an address in a page: loaded at once, or held for consent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            values = {name: value or "" for name, value in attrs}
            if values.get("src") or values.get("data-consent-src"):
                self.found.append(values)


@dataclass(frozen=True)
class PageScript:
    url: str
    source: str
    held: bool
    integrity: str


def scripts_in_page(html: str, page_url: str, own: set[str]) -> list[PageScript]:
    """The scripts ``html`` loads, each once, with where they come from."""
    from urllib.parse import urljoin

    parser = _ScriptTags()
    parser.feed(html)
    parser.close()
    seen: dict[str, PageScript] = {}
    for values in parser.found:
        held = not values.get("src")
        address = urljoin(page_url, values.get("src") or values.get("data-consent-src", ""))
        host = url_host(address)
        if host is None or host in own or host == url_host(page_url):
            source = ScriptOnPage.Source.OWN
        elif "data-site-tag" in values:
            source = ScriptOnPage.Source.SITE_TAG
        else:
            source = ScriptOnPage.Source.CONTENT
        seen.setdefault(
            address[:500], PageScript(address[:500], source, held, values.get("integrity", ""))
        )
    return list(seen.values())


def _max_pages() -> int:
    return int(getattr(settings, "SCRIPT_MONITOR_MAX_PAGES", 500))


def _max_seconds() -> float:
    return float(getattr(settings, "SCRIPT_MONITOR_MAX_SECONDS", 900))


def _check_pages(run: MonitorRun, *, now: datetime) -> list[ScriptFinding]:
    """Every public page (up to the page and time limits): its security headers compared,
    its scripts put in the inventory. A complete walk replaces the inventory; one cut short
    replaces only the pages it reached (the rest keep their last rows)."""
    own = own_hosts()
    found: list[ScriptFinding] = []
    rows: list[ScriptOnPage] = []
    checked: list[str] = []
    started = time.monotonic()
    complete = True
    for target in targets():
        if len(checked) >= _max_pages() or time.monotonic() - started > _max_seconds():
            logger.warning("script monitor: stopped after %d pages (limits)", len(checked))
            complete = False
            break
        fetched = fetch_own_page(target.url)
        found += check_page_headers(target.url, fetched.headers, fetched.error, now=now)
        checked.append(target.url[:500])
        if not fetched.ok:
            continue
        html = fetched.body.decode("utf-8", "replace")
        for script in scripts_in_page(html, target.url, own):
            rows.append(
                ScriptOnPage(
                    page_url=target.url[:500],
                    page_title=target.title[:255],
                    script_url=script.url,
                    source=script.source,
                    held_for_consent=script.held,
                    integrity=script.integrity[:120],
                    seen_at=now,
                )
            )
    run.pages_checked = len(checked)
    with transaction.atomic():
        stale = ScriptOnPage.objects.all()
        if not complete:
            stale = stale.filter(page_url__in=checked)
        stale.delete()
        ScriptOnPage.objects.bulk_create(rows)
    return found


def run_monitor(*, now: datetime | None = None) -> MonitorRun:
    """One monitor run: each reviewed script and each public page, then the alert e-mail
    (enqueued once the findings are committed)."""
    now = now or timezone.now()
    run = MonitorRun.objects.create(started_at=now)
    found: list[ScriptFinding] = []
    for script in ReviewedScript.objects.exclude(integrity=""):
        found += check_script(script, now=now)
        run.scripts_checked += 1
    found += _check_pages(run, now=now)
    run.findings = len(found)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        log(
            run,
            MONITOR_RUN,
            data={
                "scripts": run.scripts_checked,
                "pages": run.pages_checked,
                "findings": run.findings,
            },
        )
        if found:
            transaction.on_commit(_enqueue_alert)
    return run


def _enqueue_alert() -> None:
    from .tasks import send_script_alert

    send_script_alert.enqueue()


def send_alert() -> int:
    """One e-mail to each IT administrator listing the findings not yet alerted; each
    finding is claimed before the mail goes, so it is alerted once. Returns messages sent."""
    pending = list(ScriptFinding.objects.filter(alerted_at__isnull=True).order_by("pk"))
    if not pending:
        return 0
    now = timezone.now()
    claimed = ScriptFinding.objects.filter(
        pk__in=[f.pk for f in pending], alerted_at__isnull=True
    ).update(alerted_at=now)
    if claimed != len(pending):  # another worker is sending them: leave it to that one
        ScriptFinding.objects.filter(pk__in=[f.pk for f in pending], alerted_at=now).update(
            alerted_at=None
        )
        return 0
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    body = render_to_string(
        "governance/scripts/alert.txt",
        {"findings": pending, "url": base + reverse("governance_script_inventory")},
    )
    subject = f"Script monitor: {len(pending)} change{'s' if len(pending) != 1 else ''} found"
    try:
        return sum(
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            for address in reviewer_addresses()
        )
    except Exception:
        ScriptFinding.objects.filter(pk__in=[f.pk for f in pending]).update(alerted_at=None)
        raise
