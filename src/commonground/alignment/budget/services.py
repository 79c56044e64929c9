"""The budget's writes: plan, entered actuals, campaigns, reallocations and business cases
(imported actuals are ``actuals_import.py``'s). Each checks the acting lead itself and writes
its audit entry in the same transaction.

Who may do what: a side's lead plans and enters actuals for their side's lines only; a
reallocation is proposed by either lead and accepted or rejected only by the OTHER side's
lead (four eyes); marketing's lead states a business case's expected effect, IT's lead its
cost, effort and risk. Everyone else reads.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from wagtail.log_actions import log

from commonground.governance import public as governance

from ..metrics import MetricError, metric
from ..models.budget import (
    Actual,
    BudgetLine,
    BudgetPeriod,
    BudgetSide,
    BusinessCase,
    Campaign,
    Reallocation,
)
from ..periods import Quarter
from ..sides import Party, User, led_party, require_lead
from . import finance_csv, selectors
from .money import format_money

LINE_PLAN = "alignment.budget.line_plan"
ACTUAL_ENTER = "alignment.budget.actual_enter"
CAMPAIGN_CREATE = "alignment.budget.campaign_create"
REALLOCATION_PROPOSE = "alignment.budget.reallocation_propose"
REALLOCATION_ACCEPT = "alignment.budget.reallocation_accept"
REALLOCATION_REJECT = "alignment.budget.reallocation_reject"
REALLOCATION_WITHDRAW = "alignment.budget.reallocation_withdraw"
CASE_OPEN = "alignment.budget.case_open"
CASE_ESTIMATE = "alignment.budget.case_estimate"

MAX_AMOUNT = Decimal("99999999999999")  # 14 digits before the point: MONEY's room


def _require_side_lead(user: User, side: str) -> Party:
    try:
        return require_lead(user, side)
    except PermissionDenied as error:
        label = BudgetSide(side).label if side in BudgetSide.values else side
        raise PermissionDenied(f"{error} (the {label} budget is the {label} Lead's).") from None


def _check_amount(field: str, amount: Decimal, *, positive: bool = False) -> None:
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise ValidationError({field: "Enter an amount below 100,000,000,000,000."})
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError({field: "Enter an amount with at most 4 decimals."})
    if positive and amount <= 0:
        raise ValidationError({field: "Enter an amount above 0."})


def _check_utm_campaign(utm_campaign: str) -> None:
    if not finance_csv.UTM_CAMPAIGN.match(utm_campaign):
        raise ValidationError(
            {"utm_campaign": "A UTM campaign may hold only letters, digits and . _ ~ + -"}
        )


def ensure_period(day: date) -> BudgetPeriod:
    """The budget period of the quarter ``day`` falls in, created when first planned."""
    quarter = Quarter.of(day)
    period, _ = BudgetPeriod.objects.get_or_create(
        start=quarter.start, defaults={"end": quarter.end, "name": quarter.name}
    )
    return period


def plan_line(
    *, user: User, day: date, side: str, category: str, planned: Decimal, note: str = ""
) -> BudgetLine:
    """Set the planned amount of ``side``'s ``category`` in the quarter of ``day``."""
    _require_side_lead(user, side)
    _check_amount("planned", planned)
    if planned < 0:
        raise ValidationError({"planned": "A plan cannot be below 0."})
    with transaction.atomic():
        period = ensure_period(day)
        line, _ = BudgetLine.objects.select_for_update().get_or_create(
            period=period, side=side, category=category, defaults={"updated_by": person(user)}
        )
        before = line.planned
        line.planned, line.note, line.updated_by = planned, note, person(user)
        _save_logged(
            line,
            action=LINE_PLAN,
            user=user,
            data={"period": period.name, "before": str(before), "planned": str(planned)},
        )
    return line


def person(user: User) -> Any:
    """``user`` to store as who did it (None for an anonymous caller, as in a script)."""
    return user if user.is_authenticated else None


def _save_logged(row: models.Model, *, action: str, user: User, data: dict[str, Any]) -> None:
    """Validate and save ``row`` and write its audit entry (inside the caller's transaction)."""
    row.full_clean()
    row.save()
    log(instance=row, action=action, user=user, data=data)


def enter_actual(
    *,
    user: User,
    line: BudgetLine,
    day: date,
    amount: Decimal,
    description: str,
    utm_campaign: str = "",
) -> Actual:
    """Record money spent on ``line`` on ``day`` (negative for a credit note)."""
    _require_side_lead(user, line.side)
    _check_amount("amount", amount)
    if amount == 0:
        raise ValidationError({"amount": "Enter an amount other than 0."})
    if not line.period.start <= day <= line.period.end:
        raise ValidationError(
            {"day": f"{day:%d %B %Y} is outside the line's period, {line.period.name}."}
        )
    if utm_campaign:
        _check_utm_campaign(utm_campaign)
    with transaction.atomic():
        actual = Actual(
            line=line,
            day=day,
            amount=amount,
            description=description,
            utm_campaign=utm_campaign,
            source=Actual.Source.ENTERED,
            entered_by=person(user),
        )
        _save_logged(
            actual,
            action=ACTUAL_ENTER,
            user=user,
            data={"line": str(line), "amount": str(amount), "day": day.isoformat()},
        )
    return actual


# --- campaigns ----------------------------------------------------------------------------


def create_campaign(
    *,
    user: User,
    name: str,
    utm_campaign: str,
    site: str,
    goal_name: str,
    start: date,
    end: date,
) -> Campaign:
    """A campaign of marketing's, tracked by its ``utm_campaign`` code."""
    _require_side_lead(user, BudgetSide.MARKETING)
    _check_utm_campaign(utm_campaign)
    with transaction.atomic():
        campaign = Campaign(
            name=name,
            utm_campaign=utm_campaign,
            site=site.strip().lower(),
            goal_name=goal_name,
            start=start,
            end=end,
            created_by=person(user),
        )
        _save_logged(
            campaign,
            action=CAMPAIGN_CREATE,
            user=user,
            data={"utm_campaign": utm_campaign, "site": campaign.site},
        )
    return campaign


# --- reallocations ------------------------------------------------------------------------


def _remaining_refusal(line: BudgetLine, amount: Decimal) -> ValidationError | None:
    remaining = selectors.line_summary(line).remaining
    if amount <= remaining:
        return None
    return ValidationError(
        {
            "amount": (
                f"Only {format_money(remaining)} of {line} is left to move (its plan less what"
                f" was spent); {format_money(amount)} is more than that."
            )
        }
    )


def propose_reallocation(
    *, user: User, from_line: BudgetLine, to_line: BudgetLine, amount: Decimal, case: str
) -> Reallocation:
    """A lead's proposal to move ``amount`` of plan from one line to another; the other
    side's lead decides it."""
    party = led_party(user)
    if party is None:
        raise PermissionDenied("Only the Marketing Lead or the IT Lead may propose a move.")
    _check_amount("amount", amount, positive=True)
    if from_line.pk == to_line.pk:
        raise ValidationError({"to_line": "Choose two different lines."})
    if from_line.period_id != to_line.period_id:
        raise ValidationError({"to_line": "Both lines must be of the same quarter."})
    if not case.strip():
        raise ValidationError({"case": "Say why: the other lead decides on this case."})
    if (refusal := _remaining_refusal(from_line, amount)) is not None:
        raise refusal
    with transaction.atomic():
        reallocation = Reallocation.objects.create(
            from_line=from_line,
            to_line=to_line,
            amount=amount,
            case=case.strip(),
            proposed_by=person(user),
            proposer_side=party.value,
        )
        log(
            instance=reallocation,
            action=REALLOCATION_PROPOSE,
            user=user,
            data={"from": str(from_line), "to": str(to_line), "amount": str(amount)},
        )
    return reallocation


def _pending(reallocation_id: int) -> Reallocation:
    reallocation = (
        Reallocation.objects.select_for_update()
        .select_related("from_line__period", "to_line__period")
        .get(pk=reallocation_id)
    )
    if reallocation.status != Reallocation.Status.PENDING:
        raise ValidationError(
            f"This proposal is {reallocation.get_status_display().lower()} already."
        )
    return reallocation


def decide_reallocation(
    *, user: User, reallocation_id: int, accept: bool, note: str = ""
) -> Reallocation:
    """Accept (moving the planned amounts, in this one transaction) or reject a proposal;
    only the lead of the side that did not propose it may."""
    with transaction.atomic():
        reallocation = _pending(reallocation_id)
        proposer = Party(reallocation.proposer_side)
        party = led_party(user)
        if party is None:
            raise PermissionDenied("Only the Marketing Lead or the IT Lead may decide a move.")
        if party is proposer:
            raise PermissionDenied(
                f"{proposer.label} proposed this move: only the {proposer.other.label} Lead"
                " may accept or reject it (four eyes)."
            )
        if accept:
            # Both lines locked in one order, so two decisions cannot interleave.
            lines = {
                line.pk: line
                for line in BudgetLine.objects.select_for_update()
                .select_related("period")
                .filter(pk__in=[reallocation.from_line_id, reallocation.to_line_id])
                .order_by("pk")
            }
            source, target = lines[reallocation.from_line_id], lines[reallocation.to_line_id]
            if (refusal := _remaining_refusal(source, reallocation.amount)) is not None:
                raise refusal
            source.planned -= reallocation.amount
            target.planned += reallocation.amount
            source.save(update_fields=["planned", "updated_at"])
            target.save(update_fields=["planned", "updated_at"])
        reallocation.status = (
            Reallocation.Status.ACCEPTED if accept else Reallocation.Status.REJECTED
        )
        reallocation.decided_by = person(user)
        reallocation.decided_at = timezone.now()
        reallocation.decision_note = note
        reallocation.save()
        log(
            instance=reallocation,
            action=REALLOCATION_ACCEPT if accept else REALLOCATION_REJECT,
            user=user,
            data={"amount": str(reallocation.amount), "note": note},
        )
    return reallocation


def withdraw_reallocation(*, user: User, reallocation_id: int) -> Reallocation:
    """The proposing side's lead takes a pending proposal back."""
    with transaction.atomic():
        reallocation = _pending(reallocation_id)
        _require_side_lead(user, reallocation.proposer_side)
        reallocation.status = Reallocation.Status.WITHDRAWN
        reallocation.decided_by, reallocation.decided_at = person(user), timezone.now()
        reallocation.save()
        log(instance=reallocation, action=REALLOCATION_WITHDRAW, user=user, data={})
    return reallocation


# --- business cases -----------------------------------------------------------------------


def open_business_case(
    *,
    user: User,
    title: str,
    technology_request_id: int | None,
    campaign: Campaign | None,
    metric_key: str,
    params: dict[str, str],
    target_value: Decimal,
    period_start: date,
    period_end: date,
    effect_summary: str = "",
) -> BusinessCase:
    """Marketing's case for a technology request or a campaign: the effect it expects, as a
    target on a catalogue metric over a period."""
    _require_side_lead(user, BudgetSide.MARKETING)
    if (technology_request_id is None) == (campaign is None):
        raise ValidationError({"subject": "Choose a technology request or a campaign."})
    if technology_request_id is not None and (
        governance.technology_request_summary(technology_request_id) is None
    ):
        raise ValidationError({"subject": "There is no such technology request."})
    try:
        definition = metric(metric_key)
        checked = definition.check_params(params)
    except MetricError as error:
        field = "metric" if error.field == "metric" else "params"
        raise ValidationError({field: error.message}) from None
    for parameter in definition.parameters:
        given = checked.get(parameter.name, "")
        if given and parameter.choices is not None:
            allowed = {value for value, _ in parameter.choices()}
            if given not in allowed:
                raise ValidationError(
                    {
                        "params": f"{parameter.label} cannot be {given[:40]!r}; one of "
                        + ", ".join(sorted(v for v in allowed if v))
                    }
                )
    _check_amount("target_value", target_value)
    if period_end < period_start:
        raise ValidationError({"period_end": "The period must end after it starts."})
    with transaction.atomic():
        case = BusinessCase(
            title=title,
            technology_request_id=technology_request_id,
            campaign=campaign,
            metric=metric_key,
            params=checked,
            target_value=target_value,
            period_start=period_start,
            period_end=period_end,
            effect_summary=effect_summary,
            created_by=person(user),
        )
        _save_logged(case, action=CASE_OPEN, user=user, data={"metric": metric_key})
    return case


def estimate_business_case(
    *,
    user: User,
    case_id: int,
    estimated_cost: Decimal,
    effort_days: Decimal,
    risk: str,
    notes: str = "",
) -> BusinessCase:
    """IT's estimate of what the case costs, the effort it takes and its risk."""
    _require_side_lead(user, BudgetSide.IT)
    _check_amount("estimated_cost", estimated_cost)
    with transaction.atomic():
        case = BusinessCase.objects.select_for_update().get(pk=case_id)
        case.estimated_cost, case.effort_days, case.risk = estimated_cost, effort_days, risk
        case.estimate_notes, case.estimated_by = notes, person(user)
        _save_logged(
            case,
            action=CASE_ESTIMATE,
            user=user,
            data={"cost": str(estimated_cost), "effort_days": str(effort_days), "risk": risk},
        )
    return case
