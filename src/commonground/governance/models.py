"""Every governance model, imported from its noun's package so Django finds them under the
app label ``governance``: the registry and its requests, the CSP's settings, reports and
site tags, consent counts, the shadow-IT scan, and privacy operations' records."""

from .consent.models import ConsentRecord, ConsentTally
from .csp.models import CspViolation, CspViolationReporter, SecuritySettings, SiteTag
from .privacy.models import DataSubjectRequest, RetentionPolicy, RetentionRun
from .registry.models import (
    COMMENT_MAX_LENGTH,
    DATA_CATEGORY_CHOICES,
    DATA_LOCATION_CHOICES,
    RISK_TIER_CHOICES,
    RenewalReminder,
    RequestComment,
    ReviewAnswer,
    ReviewQuestion,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
from .scan.models import ScanFinding, SiteScan
from .scripts.models import MonitorRun, PageHeaders, ReviewedScript, ScriptFinding, ScriptOnPage

__all__ = [
    "COMMENT_MAX_LENGTH",
    "DATA_CATEGORY_CHOICES",
    "DATA_LOCATION_CHOICES",
    "RISK_TIER_CHOICES",
    "ConsentRecord",
    "ConsentTally",
    "CspViolation",
    "CspViolationReporter",
    "DataSubjectRequest",
    "MonitorRun",
    "PageHeaders",
    "RenewalReminder",
    "RequestComment",
    "RetentionPolicy",
    "RetentionRun",
    "ReviewAnswer",
    "ReviewQuestion",
    "ReviewedScript",
    "ScanFinding",
    "ScriptFinding",
    "ScriptOnPage",
    "SecuritySettings",
    "SiteScan",
    "SiteTag",
    "Technology",
    "TechnologyHost",
    "TechnologyRequest",
]
