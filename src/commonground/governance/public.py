"""What other apps may use of governance: the registry's verdict on hosts, the checks content
runs before it saves, the consent purpose a host needs, the privacy registries each app
declares its personal data and retention kinds in; and for alignment, governance's numbers
(requests, scans, CSP reports, consent, two-factor coverage), the registry's costs and
renewals, and the signal a decided technology request sends.

The facade only: each name is the noun's own (its selectors hold the bodies), and every
answer is a plain value or a frozen dataclass, never a model instance."""

from collections.abc import Callable
from datetime import datetime

from .access.selectors import TwoFactorCoverage, two_factor_coverage
from .consent.selectors import (
    CONSENT_PURPOSES,
    ConsentChoices,
    consent_choices,
    consent_purpose_for_host,
)
from .csp.checks import check_html, check_url, own_hosts, refusal_messages, unapproved
from .csp.selectors import CspFinding, csp_findings_since, csp_findings_url
from .privacy.registry import (
    PersonalDataSource,
    RetentionKind,
    Rows,
    delete_rows,
    register_personal_data,
    register_retention_kind,
    rows_of,
    search_fragment,
    users_with_address,
)
from .registry.selectors import (
    DIRECTIVES,
    RegisteredTechnology,
    RequestAwaitingDecision,
    RequestSummary,
    TechnologyCost,
    approved_hosts,
    approved_technology_costs,
    open_request_count,
    overdue_request_count,
    registered_technology,
    renewals_due,
    request_url,
    requests_awaiting_decision,
    review_lead_times,
    technology_request_summaries,
    technology_request_summary,
)
from .registry.signals import technology_request_decided
from .scan.selectors import (
    ScanResult,
    ScanSummary,
    UnapprovedHost,
    latest_scan_summary,
    unapproved_hosts_in_latest_scan,
)


def technology_for_host(host: str) -> RegisteredTechnology | None:
    """The registry entry ``host`` belongs to, in any status, or None (also for a host that
    is not a valid host name). Callers decide what a status means to them."""
    return registered_technology(host)


def latest_finished_scan(*, before: datetime | None = None) -> ScanSummary | None:
    """The latest shadow-IT scan that finished (before ``before``, when given), as its scan
    report shows it: distinct third-party hosts, and those not approved for what they load."""
    return latest_scan_summary(before=before)


def load_governance_demo(*, write: Callable[[str], object] = print) -> None:
    """The demo's technology registry and requests (once)."""
    from .demo import load_governance_demo as load  # demo data: not part of the facade

    load(write=write)


def scan_demo_site(*, write: Callable[[str], object] = print) -> None:
    """The demo's first shadow-IT scan, unless a scan exists already."""
    from .demo import scan_demo_site as run  # the scan loads the middleware stack: only now

    run(write=write)


__all__ = [
    "CONSENT_PURPOSES",
    "DIRECTIVES",
    "ConsentChoices",
    "CspFinding",
    "PersonalDataSource",
    "RegisteredTechnology",
    "RequestAwaitingDecision",
    "RequestSummary",
    "RetentionKind",
    "Rows",
    "ScanResult",
    "ScanSummary",
    "TechnologyCost",
    "TwoFactorCoverage",
    "UnapprovedHost",
    "approved_hosts",
    "approved_technology_costs",
    "check_html",
    "check_url",
    "consent_choices",
    "consent_purpose_for_host",
    "csp_findings_since",
    "csp_findings_url",
    "delete_rows",
    "latest_finished_scan",
    "load_governance_demo",
    "open_request_count",
    "overdue_request_count",
    "own_hosts",
    "refusal_messages",
    "register_personal_data",
    "register_retention_kind",
    "renewals_due",
    "request_url",
    "requests_awaiting_decision",
    "review_lead_times",
    "rows_of",
    "scan_demo_site",
    "search_fragment",
    "technology_for_host",
    "technology_request_decided",
    "technology_request_summaries",
    "technology_request_summary",
    "two_factor_coverage",
    "unapproved",
    "unapproved_hosts_in_latest_scan",
    "users_with_address",
]
