"""Catalogue metrics from governance: technology requests and their review, shadow IT, the
Content-Security-Policy, consent, two-factor sign-in, and the audit trail."""

from decimal import Decimal
from statistics import median

from commonground.core.audit.verification import verify_chain
from commonground.governance import public as governance

from ...periods import period_bounds, state_moment
from ..base import (
    Accumulation,
    Direction,
    MetricDefinition,
    MetricError,
    Parameter,
    Params,
    Period,
    Unit,
    register,
)

ACCOUNTS = (
    ("it_administrators", "IT administrators (who must have it)"),
    ("admin_users", "Every admin user"),
)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def _open_requests(params: Params, period: Period) -> Decimal | None:
    return Decimal(governance.open_request_count(at=state_moment(period)))


def _overdue_requests(params: Params, period: Period) -> Decimal | None:
    return Decimal(governance.overdue_request_count(at=state_moment(period)))


def _review_lead_time(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    days = governance.review_lead_times(start=start, end=end)
    if not days:
        return None
    return Decimal(repr(float(median(days)))).quantize(Decimal("0.1"))


def _unapproved_hosts(params: Params, period: Period) -> Decimal | None:
    scan = governance.latest_finished_scan(before=state_moment(period))
    return None if scan is None else Decimal(scan.unapproved_found)


def _csp_violations(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    findings = governance.csp_findings_since(start, before=end)
    return Decimal(sum(finding.reports for finding in findings))


def _consent_acceptance_rate(params: Params, period: Period) -> Decimal | None:
    purpose = params.get("purpose") or None
    if purpose is not None and purpose not in dict(governance.CONSENT_PURPOSES):
        raise MetricError(
            "params.purpose",
            f"{purpose!r} is not a consent purpose; one of "
            + ", ".join(name for name, _ in governance.CONSENT_PURPOSES),
        )
    choices = governance.consent_choices(first=period.start, last=period.end, purpose=purpose)
    return _percent(choices.granted, choices.total)


def _two_factor_share(params: Params, period: Period) -> Decimal | None:
    accounts = params.get("accounts") or "it_administrators"
    if accounts not in dict(ACCOUNTS):
        raise MetricError(
            "params.accounts",
            f"{accounts!r} is not one of " + ", ".join(name for name, _ in ACCOUNTS),
        )
    coverage = governance.two_factor_coverage()
    if accounts == "admin_users":
        return _percent(coverage.admin_users_covered, coverage.admin_users)
    return _percent(coverage.it_administrators_covered, coverage.it_administrators)


def _audit_chain_intact(params: Params, period: Period) -> Decimal | None:
    return Decimal(1 if verify_chain().intact else 0)


register(
    MetricDefinition(
        key="governance.open_requests",
        label="Open technology requests",
        definition=(
            "Technology requests submitted and not yet decided (submitted or in review), at "
            "the period's end (now, while it runs): the requests listing's open ones."
        ),
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="technology-request",
        compute=_open_requests,
    )
)
register(
    MetricDefinition(
        key="governance.review_lead_time",
        label="Review lead time",
        definition=(
            "The median working days (Monday to Friday, the submission day not counted, as "
            "review deadlines count them) from a technology request's submission to IT's "
            "decision, over the requests decided in the period."
        ),
        unit=Unit.WORKING_DAYS,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="review-lead-time",
        compute=_review_lead_time,
    )
)
register(
    MetricDefinition(
        key="governance.overdue_requests",
        label="Overdue technology requests",
        definition=(
            "Open technology requests past their review deadline at the period's end (now, "
            "while it runs): the requests listing's Overdue rows."
        ),
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="technology-request",
        compute=_overdue_requests,
    )
)
register(
    MetricDefinition(
        key="governance.unapproved_hosts",
        label="Unapproved third-party hosts",
        definition=(
            "Distinct third-party hosts the site's pages load from without the registry's "
            "approval, in the latest finished shadow-IT scan (before the period's end): the "
            "scan report's “not approved”."
        ),
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="shadow-it",
        compute=_unapproved_hosts,
    )
)
register(
    MetricDefinition(
        key="governance.csp_violations",
        label="CSP violation reports",
        definition=(
            "Browsers' Content-Security-Policy violation reports, as the CSP findings report "
            "counts them: every blocked (page, directive, host) seen in the period with all "
            "its reports (reports are tallied per row, not per day)."
        ),
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        accumulation=Accumulation.CUMULATIVE,
        history=False,  # a report row holds a running count, not one per day
        glossary_term="csp-violation",
        compute=_csp_violations,
    )
)
register(
    MetricDefinition(
        key="governance.consent_acceptance_rate",
        label="Consent acceptance rate",
        definition=(
            "Of visitors' consent choices in the period (for one purpose, or all), the share "
            "that agreed: granted / (granted + declined), from the tallies the Consent "
            "choices report reads."
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.LEVEL,
        glossary_term="consent-acceptance-rate",
        compute=_consent_acceptance_rate,
        parameters=(
            Parameter(
                "purpose",
                "Consent purpose",
                required=False,
                help="One purpose; every purpose when empty.",
                choices=lambda: list(governance.CONSENT_PURPOSES),
            ),
        ),
    )
)
register(
    MetricDefinition(
        key="governance.two_factor_share",
        label="Two-factor sign-in",
        definition=(
            "The share of IT administrators (and superusers) with two-factor sign-in now, "
            "among the active admin users the security-posture page counts (or of every "
            "admin user, the page's headline, when chosen)."
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.LEVEL,
        history=False,  # who has two-factor sign-in is known only now
        glossary_term="2fa",
        compute=_two_factor_share,
        parameters=(
            Parameter(
                "accounts",
                "Accounts",
                required=False,
                help="IT administrators (the default) or every admin user.",
                choices=lambda: list(ACCOUNTS),
            ),
        ),
    )
)
register(
    MetricDefinition(
        key="governance.audit_chain_intact",
        label="Audit trail intact",
        definition=(
            "1 when the audit trail's hash chain verifies now (what `commonground audit "
            "verify` says), 0 when an entry was altered, removed or re-linked."
        ),
        unit=Unit.BOOLEAN,
        direction=Direction.HIGHER,
        accumulation=Accumulation.LEVEL,
        history=False,  # the chain is verified as it is now
        glossary_term="audit-trail",
        compute=_audit_chain_intact,
    )
)
