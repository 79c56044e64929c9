"""The ``money`` filter: an amount with the configured currency."""

from decimal import Decimal

from django import template

from ..budget.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    return format_money(amount)
