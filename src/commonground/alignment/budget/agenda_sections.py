"""The budget's sections of a review meeting's agenda: variances over the threshold and the
renewals due (both from the budget's own selectors, so the numbers are the budget page's)."""

from django.conf import settings
from django.urls import reverse

from ..periods import quarter_of
from ..reviews.agenda import AgendaContext, AgendaItem, Severity, agenda_section
from . import selectors
from .money import format_money


@agenda_section(key="budget-variances", title="Budget variances over the threshold", order=30)
def budget_variances(context: AgendaContext) -> list[AgendaItem]:
    quarter = quarter_of(context.today)
    threshold = settings.ALIGNMENT_VARIANCE_THRESHOLD_PERCENT
    items = []
    for line in selectors.variances(
        period_start=quarter.start,
        period_end=quarter.end,
        threshold_percent=threshold,
        today=context.today,
    ):
        share = (
            f"{'+' if line.variance > 0 else ''}{line.variance_percent:.0f}% against the pace"
            if line.variance_percent is not None
            else "spent where nothing was planned yet"
        )
        items.append(
            AgendaItem(
                title=line.label,
                detail=(
                    f"{format_money(line.actual)} spent, {format_money(line.expected_to_date)} "
                    f"due by now of {format_money(line.planned)} planned: {share}."
                ),
                url=reverse("alignment_budget_index"),
                severity=Severity.ATTENTION if line.over else Severity.INFO,
            )
        )
    return items


@agenda_section(key="renewals", title="Contract renewals in the next 90 days", order=60)
def renewals(context: AgendaContext) -> list[AgendaItem]:
    return [
        AgendaItem(
            title=f"{renewal.name} ({renewal.vendor})" if renewal.vendor else renewal.name,
            detail=(
                f"Renews on {renewal.renews_on:%-d %b %Y}, in {renewal.days_left} days, "
                f"at {format_money(renewal.annual_cost)} a year."
            ),
            url=reverse("alignment_budget_index"),
            severity=Severity.ATTENTION if renewal.days_left <= 30 else Severity.INFO,
        )
        for renewal in selectors.renewals_due(within_days=90, today=context.today)
    ]
