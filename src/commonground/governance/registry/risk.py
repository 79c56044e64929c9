"""The risk tier of a technology, from its privacy and security answers (one rule, here).

Points add up: the data it processes (none 0, pseudonymous 1, personal 2, sensitive 3); when
it processes any data, +1 if that data leaves the EU/EEA or a country with an adequacy
decision and +1 without a signed data-processing agreement; +1 without single sign-on
(accounts outside the company's identity provider outlive leavers). 0-1 is low, 2 medium,
3 high, 4 or more critical: personal data with every safeguard is medium, sensitive data is
at least high, and sensitive data with any safeguard missing is critical.
"""

from dataclasses import dataclass
from enum import StrEnum


class DataCategory(StrEnum):
    NONE = "none"
    PSEUDONYMOUS = "pseudonymous"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


class DataLocation(StrEnum):
    EU_EEA = "eu_eea"  # also a country with an EU adequacy decision
    OTHER = "other"


class RiskTier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


DATA_POINTS = {
    DataCategory.NONE: 0,
    DataCategory.PSEUDONYMOUS: 1,
    DataCategory.PERSONAL: 2,
    DataCategory.SENSITIVE: 3,
}


@dataclass(frozen=True)
class RiskAssessment:
    tier: RiskTier
    points: int
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return f"{self.points} points: " + "; ".join(self.reasons)


def _tier(points: int) -> RiskTier:
    if points <= 1:
        return RiskTier.LOW
    if points == 2:
        return RiskTier.MEDIUM
    if points == 3:
        return RiskTier.HIGH
    return RiskTier.CRITICAL


def assess_risk(
    *, data_category: str, dpa_signed: bool, single_sign_on: bool, data_location: str
) -> RiskAssessment:
    """The tier and the reasons that made it (see the module's docstring for the rule)."""
    category = DataCategory(data_category)
    points = DATA_POINTS[category]
    reasons = [f"{category.value} data (+{points})" if points else "no data processed"]
    if category is not DataCategory.NONE:
        if DataLocation(data_location) is DataLocation.OTHER:
            points += 1
            reasons.append("data leaves the EU/EEA and adequate countries (+1)")
        if not dpa_signed:
            points += 1
            reasons.append("no data-processing agreement signed (+1)")
    if not single_sign_on:
        points += 1
        reasons.append("no single sign-on (+1)")
    return RiskAssessment(tier=_tier(points), points=points, reasons=tuple(reasons))


# --- What approval needs, by the same answers ------------------------------------------------

PERSONAL_DATA = frozenset({DataCategory.PERSONAL, DataCategory.SENSITIVE})


def processes_personal_data(data_category: str) -> bool:
    """Personal or sensitive data: approval then needs a signed data-processing agreement."""
    return DataCategory(data_category) in PERSONAL_DATA


def needs_every_answer(tier: str) -> bool:
    """High and critical entries are approved only once every required question is answered."""
    return RiskTier(tier) in {RiskTier.HIGH, RiskTier.CRITICAL}


def needs_second_approver(tier: str) -> bool:
    """Critical entries go live only when two different IT administrators approved them."""
    return RiskTier(tier) is RiskTier.CRITICAL
