"""Catalogue metrics from budget: spend against plan per side (and category)."""

from decimal import ROUND_HALF_UP, Decimal

from ...budget.selectors import spend_and_plan
from ...models.budget import BudgetCategory, BudgetSide
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


def _spend_vs_plan(params: Params, period: Period) -> Decimal | None:
    side = params.get("side", "")
    category = params.get("category", "")
    if side not in BudgetSide.values:
        raise MetricError("params.side", "choose marketing or it")
    if category and category not in BudgetCategory.values:
        raise MetricError("params.category", f"no budget category {category!r}")
    actual, plan = spend_and_plan(
        side=side, category=category or None, first=period.start, last=period.end
    )
    if plan == 0:
        return None
    return (actual / plan).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


register(
    MetricDefinition(
        key="budget.spend_vs_plan",
        label="Spend vs plan",
        definition=(
            "What a side spent (entered and imported actuals, and on IT's tools line the "
            "registry's yearly costs accrued per day) divided by its plan for the same days "
            "so far: 1.0 is on plan, 1.2 is 20% over. Inside a running quarter the plan is "
            "prorated to the days begun."
        ),
        unit=Unit.RATIO,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="budget-variance",
        compute=_spend_vs_plan,
        parameters=(
            Parameter(
                "side",
                "Side",
                choices=lambda: [(s.value, s.label) for s in BudgetSide],
            ),
            Parameter(
                "category",
                "Category",
                required=False,
                help="Leave empty for the side's whole budget.",
                choices=lambda: (
                    [("", "All categories")] + [(c.value, c.label) for c in BudgetCategory]
                ),
            ),
        ),
    )
)
