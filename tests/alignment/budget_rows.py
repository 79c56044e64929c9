"""Budget rows for the budget tests, made through the services as the admin makes them."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from commonground.alignment.budget import services
from commonground.alignment.models import BudgetLine
from commonground.alignment.periods import Quarter


def this_quarter() -> Quarter:
    return Quarter.of(timezone.localdate())


def planned_line(
    lead: AbstractUser, side: str, category: str, amount: str, *, day: date | None = None
) -> BudgetLine:
    return services.plan_line(
        user=lead,
        day=day or timezone.localdate(),
        side=side,
        category=category,
        planned=Decimal(amount),
    )
