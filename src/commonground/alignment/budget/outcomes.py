"""A business case's outcome: the effect marketing expected next to the one measured by the
catalogue (``alignment.metrics.compute``), and IT's estimated cost next to the spend."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from commonground.analytics.public import StoreUnavailableError
from commonground.governance import public as governance

from ..metrics import Direction, Period, compute, metric
from ..models.budget import BusinessCase
from ..periods import days_elapsed
from .money import DAYS_IN_YEAR, format_money, prorated
from .selectors import campaign_spend


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    case_id: int
    title: str
    subject: str  # "Request for Hotjar (in review)", "Campaign: Spring launch"
    subject_url: str
    effect_summary: str
    metric_label: str
    unit: str
    direction: str
    target: Decimal
    period_start: date
    period_end: date
    ended: bool  # the expected effect's period is over: the measured value is final
    measured: Decimal | None
    measured_reason: str  # why nothing was measured ("" when something was)
    estimated_cost: Decimal | None
    effort_days: Decimal | None
    risk_label: str
    actual_spend: Decimal | None
    spend_note: str

    @property
    def measured_label(self) -> str:
        return "Measured" if self.ended else "Measured so far"

    @property
    def met(self) -> bool | None:
        """Whether the measured value reached the target (respecting the direction), once
        the period is over; None before then or without a measurement."""
        if not self.ended or self.measured is None:
            return None
        if self.direction == Direction.LOWER:
            return self.measured <= self.target
        return self.measured >= self.target


def case_outcome(case: BusinessCase, *, today: date | None = None) -> CaseOutcome:
    today = today or timezone.localdate()
    definition = metric(case.metric)
    measured: Decimal | None = None
    reason = ""
    if today < case.period_start:
        reason = "the period has not begun"
    else:
        try:
            measured = compute(
                case.metric, case.params, Period(case.period_start, min(case.period_end, today))
            )
            reason = "" if measured is not None else "nothing to measure yet"
        except StoreUnavailableError:
            reason = "the analytics store is unreachable"
        except ValueError as error:  # MetricError, QueryError: the message says what is wrong
            reason = str(error)
    subject, url, spend, note = _subject_and_spend(case, today)
    return CaseOutcome(
        case_id=case.pk,
        title=case.title,
        subject=subject,
        subject_url=url,
        effect_summary=case.effect_summary,
        metric_label=definition.label,
        unit=definition.unit.value,
        direction=definition.direction.value,
        target=case.target_value,
        period_start=case.period_start,
        period_end=case.period_end,
        ended=today > case.period_end,
        measured=measured,
        measured_reason=reason,
        estimated_cost=case.estimated_cost,
        effort_days=case.effort_days,
        risk_label=case.get_risk_display() if case.risk else "",
        actual_spend=spend,
        spend_note=note,
    )


def _subject_and_spend(case: BusinessCase, today: date) -> tuple[str, str, Decimal | None, str]:
    if case.campaign is not None:
        return (
            f"Campaign: {case.campaign.name}",
            "",
            campaign_spend(case.campaign.utm_campaign),
            f"spend tagged {case.campaign.utm_campaign}",
        )
    found = governance.technology_request_summary(case.technology_request_id or 0)
    if found is None:
        return ("A technology request no longer there", "", None, "unknown")
    subject = f"{found.title} ({found.status_label})"
    if found.technology_status != "approved" or found.annual_cost is None:
        return (subject, found.url, None, "not yet an approved cost in the registry")
    days = days_elapsed(case.period_start, case.period_end, today)
    return (
        subject,
        found.url,
        prorated(found.annual_cost, days, int(DAYS_IN_YEAR)),
        f"the registry's {format_money(found.annual_cost)} a year over {days} days",
    )
