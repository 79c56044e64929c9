"""The technology registry's yearly costs as IT's tool actuals: computed when read from
``governance.public``, never copied, so a registry change shows at once."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commonground.governance import public as governance

from ..models.budget import BudgetCategory, BudgetSide
from ..periods import days_elapsed
from .money import DAYS_IN_YEAR, format_money, prorated

# The line registry costs land on.
REGISTRY_SIDE = BudgetSide.IT
REGISTRY_CATEGORY = BudgetCategory.TOOLS


@dataclass(frozen=True, slots=True)
class RegistryActual:
    """One approved technology's cost over the days of a period that have begun."""

    technology_id: int
    name: str
    vendor: str
    annual_cost: Decimal
    days: int
    amount: Decimal  # annual_cost * days / 365, to the cent

    @property
    def description(self) -> str:
        return (
            f"{self.name}: {self.days} days of {format_money(self.annual_cost)} a year"
            " (from the registry)"
        )


def registry_actuals(*, first: date, last: date, today: date) -> list[RegistryActual]:
    """Each approved technology's cost over ``first``..``last`` up to ``today``: what has
    accrued by today, the whole span once it has passed (nothing before it starts)."""
    days = days_elapsed(first, last, today)
    if days == 0:
        return []
    return [
        RegistryActual(
            technology_id=cost.technology_id,
            name=cost.name,
            vendor=cost.vendor,
            annual_cost=cost.annual_cost,
            days=days,
            amount=prorated(cost.annual_cost, days, int(DAYS_IN_YEAR)),
        )
        for cost in governance.approved_technology_costs()
    ]


def registry_total(*, first: date, last: date, today: date) -> Decimal:
    return sum(
        (a.amount for a in registry_actuals(first=first, last=last, today=today)), Decimal(0)
    )
