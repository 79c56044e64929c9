"""The security-posture page's checks: each looks at one setting or fact and says what it
found and, when it is not right, what to fix.

A check is a function returning a ``PostureCheck``, registered with ``@posture_check(order)``
in this module or in one it imports at the bottom; the page runs them in ``order``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone

from ..access import selectors as access_selectors
from ..csp import selectors as csp_selectors
from ..registry import risky_approvals as registry_risks
from ..registry.selectors import open_requests
from ..scan import selectors as scan_selectors

logger = logging.getLogger(__name__)

# A year, as browsers' HSTS preload list asks for; under 6 months is worth a warning.
HSTS_FULL_SECONDS = 31536000
HSTS_MINIMUM_SECONDS = 15768000
MINIMUM_PASSWORD_LENGTH = 12
LONGEST_IDLE_TIMEOUT_SECONDS = 3600
LONGEST_SESSION_SECONDS = 12 * 3600


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class PostureCheck:
    title: str
    status: Status
    found: str
    fix: str = ""


Check = Callable[[], PostureCheck]
_CHECKS: list[tuple[int, Check]] = []


def posture_check(order: int) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        _CHECKS.append((order, check))
        _CHECKS.sort(key=lambda entry: entry[0])
        return check

    return register


def run_checks() -> list[PostureCheck]:
    """Every check's answer, in order; a check that fails to run is a problem, not a 500."""
    results = []
    for _, check in _CHECKS:
        try:
            results.append(check())
        except Exception:
            logger.exception("Security-posture check %s failed", check.__name__)
            results.append(
                PostureCheck(
                    title=(check.__doc__ or check.__name__).strip().splitlines()[0],
                    status=Status.PROBLEM,
                    found="This check could not run; the server log has the error.",
                    fix="Look at the log entry and fix its cause.",
                )
            )
    return results


def worst(results: list[PostureCheck]) -> Status:
    for status in (Status.PROBLEM, Status.WARNING):
        if any(result.status == status for result in results):
            return status
    return Status.OK


@posture_check(order=10)
def debug_off() -> PostureCheck:
    """Debug mode off"""
    if settings.DEBUG:
        return PostureCheck(
            "Debug mode off",
            Status.PROBLEM,
            "DEBUG is on: error pages show code, settings and request data to anyone.",
            "Unset DEBUG (or set DEBUG=false) in the server's environment and restart.",
        )
    return PostureCheck("Debug mode off", Status.OK, "DEBUG is off.")


@posture_check(order=20)
def https_everywhere() -> PostureCheck:
    """HTTPS everywhere"""
    missing = [
        text
        for setting, text in (
            ("SECURE_SSL_REDIRECT", "plain-HTTP requests are not redirected to HTTPS"),
            ("SESSION_COOKIE_SECURE", "the session cookie may travel over plain HTTP"),
            ("CSRF_COOKIE_SECURE", "the CSRF cookie may travel over plain HTTP"),
        )
        if not getattr(settings, setting, False)
    ]
    hsts = int(getattr(settings, "SECURE_HSTS_SECONDS", 0) or 0)
    if hsts < HSTS_MINIMUM_SECONDS:
        missing.append(
            "browsers are not told to use HTTPS only (HSTS)"
            if hsts == 0
            else f"HSTS lasts only {hsts} seconds"
        )
    if missing:
        return PostureCheck(
            "HTTPS everywhere",
            Status.PROBLEM,
            "; ".join(missing).capitalize() + ".",
            "Run with the production settings (DJANGO_SETTINGS_MODULE="
            "commonground.config.settings.production) behind a proxy that terminates TLS "
            "and sets X-Forwarded-Proto; they turn on the redirect, secure cookies and a "
            f"year of HSTS (SECURE_HSTS_SECONDS={HSTS_FULL_SECONDS}).",
        )
    if hsts < HSTS_FULL_SECONDS:
        return PostureCheck(
            "HTTPS everywhere",
            Status.WARNING,
            f"HTTPS is enforced; HSTS lasts {hsts // 86400} days.",
            f"Set SECURE_HSTS_SECONDS={HSTS_FULL_SECONDS} (a year) once HTTPS is settled.",
        )
    return PostureCheck(
        "HTTPS everywhere",
        Status.OK,
        "Requests are redirected to HTTPS, cookies are secure-only, HSTS lasts a year.",
    )


def _names(users: list[str], most: int = 10) -> str:
    shown = ", ".join(users[:most])
    return shown + (f" and {len(users) - most} more" if len(users) > most else "")


@posture_check(order=30)
def csp_enforcing() -> PostureCheck:
    """Content-Security-Policy enforcing"""
    modes = csp_selectors.csp_modes()
    reporting = [site for site, enforcing in modes if not enforcing]
    if not modes:
        return PostureCheck(
            "Content-Security-Policy enforcing", Status.WARNING, "There is no site yet."
        )
    if reporting:
        return PostureCheck(
            "Content-Security-Policy enforcing",
            Status.WARNING,
            f"Report only on {_names(reporting)}: browsers report what is not approved but "
            "still load it.",
            "Look at the CSP findings; once they are empty (or the hosts approved), set the "
            "policy to enforcing under Settings → Security settings.",
        )
    return PostureCheck(
        "Content-Security-Policy enforcing",
        Status.OK,
        "Every site sends an enforcing policy made from the technology registry.",
    )


@posture_check(order=40)
def two_factor_coverage() -> PostureCheck:
    """Two-factor sign-in"""
    users: list[Any] = list(access_selectors.admin_users())
    covered = [user for user in users if user.has_two_factor]
    found = f"{len(covered)} of {len(users)} admin users have two-factor sign-in."
    missing_it = [
        user.get_username()
        for user in users
        if user.must_have_two_factor and not user.has_two_factor
    ]
    if missing_it:
        return PostureCheck(
            "Two-factor sign-in",
            Status.PROBLEM,
            f"{found} IT administrators without it: {_names(missing_it)}.",
            "They are asked to set it up at their next sign-in and can do nothing else in the "
            "admin until they have; an account nobody uses any more should be deactivated.",
        )
    if len(covered) < len(users):
        return PostureCheck(
            "Two-factor sign-in",
            Status.WARNING,
            found,
            "Ask the others to turn it on under their account menu, Two-factor sign-in.",
        )
    return PostureCheck("Two-factor sign-in", Status.OK, found)


@posture_check(order=50)
def password_policy() -> PostureCheck:
    """Password policy"""
    configured: list[Any] = list(settings.AUTH_PASSWORD_VALIDATORS)
    validators = {entry["NAME"].rsplit(".", 1)[-1]: entry for entry in configured}
    length_entry = validators.get("MinimumLengthValidator")
    # Django's own default is 8 when the validator is listed without a length.
    length = length_entry.get("OPTIONS", {}).get("min_length", 8) if length_entry else 0
    missing = [
        name
        for name in ("UserAttributeSimilarityValidator", "CommonPasswordValidator")
        if name not in validators
    ]
    if length < MINIMUM_PASSWORD_LENGTH or missing:
        problems = []
        if length < MINIMUM_PASSWORD_LENGTH:
            problems.append(f"passwords may be {length or 'any number of'} characters")
        problems += [f"{name} is not used" for name in missing]
        return PostureCheck(
            "Password policy",
            Status.PROBLEM,
            "; ".join(problems).capitalize() + ".",
            "Restore AUTH_PASSWORD_VALIDATORS from config/settings/base.py (12 characters at "
            "least, not like the user's name, not a common password).",
        )
    throttled = settings.LOGIN_FAILURE_LIMIT > 0
    return PostureCheck(
        "Password policy",
        Status.OK if throttled else Status.WARNING,
        f"At least {length} characters, not like the user's name or e-mail, not a common "
        "password, not only digits. "
        + (
            f"After {settings.LOGIN_FAILURE_LIMIT} wrong passwords each sign-in attempt "
            "waits, longer with each failure (per address and per account)."
            if throttled
            else "Failed sign-ins are not limited (LOGIN_FAILURE_LIMIT=0)."
        ),
        "" if throttled else "Unset LOGIN_FAILURE_LIMIT (5 by default).",
    )


@posture_check(order=60)
def session_timeout() -> PostureCheck:
    """Session timeout"""
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    longest = settings.SESSION_COOKIE_AGE
    found = (
        f"Signed out after {idle // 60} minutes without activity" if idle else "No idle timeout"
    ) + f", and {longest / 3600:g} hours after signing in."
    if not idle or idle > LONGEST_IDLE_TIMEOUT_SECONDS or longest > LONGEST_SESSION_SECONDS:
        return PostureCheck(
            "Session timeout",
            Status.WARNING,
            found,
            "Set SESSION_IDLE_TIMEOUT_SECONDS to at most 3600 (1800 by default) and "
            "SESSION_COOKIE_AGE to at most 43200 (12 hours).",
        )
    return PostureCheck("Session timeout", Status.OK, found)


@posture_check(order=70)
def no_unapproved_hosts() -> PostureCheck:
    """No unapproved third-party hosts"""
    scan = scan_selectors.latest_finished_scan()
    title = "No unapproved third-party hosts"
    if scan is None:
        return PostureCheck(
            title,
            Status.WARNING,
            "The site has not been scanned yet.",
            "Run a scan under Governance → Third-party hosts (it also runs daily).",
        )
    found = sorted(
        {
            finding.host
            for finding in scan_selectors.scan_findings(scan)
            if finding.verdict != finding.Verdict.APPROVED
        }
    )
    when = timezone.localtime(scan.started_at).strftime("%d %b %Y %H:%M")
    if found:
        return PostureCheck(
            title,
            Status.PROBLEM,
            f"The scan of {when} found {len(found)} host{'s' if len(found) != 1 else ''} the "
            f"registry has not approved: {_names(found)}.",
            "Remove them from the pages listed under Governance → Third-party hosts, or have "
            "marketing request the technology so IT can review it.",
        )
    return PostureCheck(
        title, Status.OK, f"The scan of {when} found only approved third-party hosts."
    )


@posture_check(order=80)
def technology_reviews_on_time() -> PostureCheck:
    """Technology reviews on time"""
    overdue = list(open_requests().filter(review_due__lt=timezone.localdate()))
    if overdue:
        return PostureCheck(
            "Technology reviews on time",
            Status.WARNING,
            f"{len(overdue)} technology request{'s are' if len(overdue) != 1 else ' is'} past "
            f"the review deadline: {_names([r.technology.name for r in overdue])}.",
            "Answer the questionnaire and decide them under Requests (the oldest first).",
        )
    return PostureCheck(
        "Technology reviews on time", Status.OK, "No technology request is past its deadline."
    )


@posture_check(order=90)
def script_integrity() -> PostureCheck:
    """Third-party scripts reviewed and monitored"""
    from ..scripts import selectors as script_selectors

    title = "Third-party scripts reviewed and monitored"
    coverage = script_selectors.sri_coverage()
    run = script_selectors.latest_run()
    every = float(getattr(settings, "SCRIPT_MONITOR_INTERVAL_SECONDS", 3600))
    stale = (
        run is None
        or run.finished_at is None
        or (timezone.now() - run.finished_at).total_seconds() > max(2 * every, 86400)
    )
    problems = []
    if coverage.without_review:
        problems.append(
            f"{len(coverage.without_review)} of {coverage.third_party} third-party script"
            f"{'s have' if len(coverage.without_review) != 1 else ' has'} no reviewed hash "
            f"(site tags without one are left out of the pages): "
            f"{_names(coverage.without_review)}."
        )
    if coverage.changed:
        problems.append(
            f"Changed or gone since the review (browsers refuse them): {_names(coverage.changed)}."
        )
    if stale:
        when = (
            timezone.localtime(run.finished_at).strftime("%d %b %Y %H:%M")
            if run is not None and run.finished_at
            else "never"
        )
        problems.append(f"The script monitor last ran: {when}.")
    if problems:
        return PostureCheck(
            title,
            Status.WARNING,
            " ".join(problems),
            "Review each script under Governance → Script inventory (review this script), and "
            "check that the scheduler runs the script monitor.",
        )
    return PostureCheck(
        title,
        Status.OK,
        f"All {coverage.third_party} third-party scripts carry a reviewed hash; the script "
        "monitor ran in time.",
    )


# --- Four eyes on the registry (issue 14, point 6) ---------------------------------------------


@posture_check(order=91)
def registry_approvals_four_eyes() -> PostureCheck:
    """Risky registry approvals"""
    title = "Registry approvals taken by four eyes"
    risky = registry_risks.risky_approvals()
    if risky.single_approver_critical or risky.personal_data_without_dpa:
        found = []
        if risky.single_approver_critical:
            found.append(
                "critical-tier entries live on one person's approval: "
                + _names(risky.single_approver_critical)
            )
        if risky.personal_data_without_dpa:
            found.append(
                "entries processing personal data without a signed data-processing agreement: "
                + _names(risky.personal_data_without_dpa)
            )
        return PostureCheck(
            title,
            Status.PROBLEM,
            "Approved " + "; ".join(found) + ".",
            "Open each entry: have a second IT administrator review it, record the signed "
            "agreement, or retire it.",
        )
    if risky.wildcard_script_hosts:
        return PostureCheck(
            title,
            Status.WARNING,
            "Approved wildcard script hosts (any subdomain may serve scripts): "
            + _names(risky.wildcard_script_hosts)
            + ".",
            "Replace each wildcard with the vendor's exact script hosts where it has them.",
        )
    return PostureCheck(
        title,
        Status.OK,
        "Every critical entry had two IT approvers, every personal-data entry a signed "
        "agreement, and no script host is a wildcard.",
    )


@posture_check(order=100)
def admin_on_its_own_origin() -> PostureCheck:
    """Admin on its own origin"""
    from commonground.core.http import origins  # here: this check is the posture's only user

    title = "Admin on its own origin"
    if not origins.shares_origin():
        return PostureCheck(
            title,
            Status.OK,
            f"The admin answers only on {origins.admin_base_url()}; the public site "
            f"({settings.WAGTAILADMIN_BASE_URL}) neither sets nor reads a session cookie.",
        )
    fix = (
        "Set ADMIN_BASE_URL to an origin of its own (e.g. https://admin.example.com, also in "
        "ALLOWED_HOSTS) and restart."
    )
    if getattr(settings, "ADMIN_SHARED_ORIGIN_ACCEPTED", False):
        return PostureCheck(
            title,
            Status.WARNING,
            "The admin shares the public site's origin, an accepted risk "
            "(ADMIN_SHARED_ORIGIN_ACCEPTED=true): a script on a public page can act with a "
            "signed-in administrator's session.",
            fix,
        )
    return PostureCheck(
        title,
        Status.PROBLEM,
        "The admin shares the public site's origin: a script on a public page (an approved "
        "vendor's included) can read admin pages with a signed-in administrator's session.",
        fix,
    )


@posture_check(order=92)
def audit_trail_anchored() -> PostureCheck:
    """Audit trail keyed and anchored"""
    # Imported here: this one check is all the posture page needs of the audit trail.
    from commonground.core.audit.selectors import anchor_status

    title = "Audit trail keyed and anchored"
    status = anchor_status()
    found, fixes = [], []
    if status.dev_key:
        found.append("the audit trail is keyed with the development default (AUDIT_KEY unset)")
        fixes.append("Set AUDIT_KEY in the environment to a random value of 32+ characters.")
    last = status.last_anchor_at
    if last is None or timezone.now() - last > 2 * status.interval:
        hours = f"{status.interval.total_seconds() / 3600:g} h"
        found.append(
            "the chain head has never been anchored outside the database"
            if last is None
            else f"the last anchor is from {timezone.localtime(last):%Y-%m-%d %H:%M}, more "
            f"than twice the schedule ({hours}) ago"
        )
        fixes.append(
            "Run the scheduler (it runs `commonground audit anchor`) and check the anchor "
            f"sinks ({', '.join(status.sinks) or 'none configured'}) in the server log."
        )
    if found or last is None:
        return PostureCheck(
            title, Status.WARNING, "; ".join(found).capitalize() + ".", " ".join(fixes)
        )
    return PostureCheck(
        title,
        Status.OK,
        f"Keyed with AUDIT_KEY; last anchored {timezone.localtime(last):%Y-%m-%d %H:%M} "
        f"to {', '.join(status.sinks)}.",
    )
