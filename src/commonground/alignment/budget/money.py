"""Amounts in the one configured currency (``settings.ALIGNMENT_CURRENCY``): how they are
rounded, shown and prorated, always as Decimal."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)  # a yearly cost accrues 1/365 a day, leap years included


def currency() -> str:
    return str(settings.ALIGNMENT_CURRENCY)


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (as invoices round)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None) -> str:
    """``amount`` as people read it: "1,234.50 EUR", "-80.00 EUR", "—" for no amount."""
    if amount is None:
        return "—"
    rounded = cents(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{abs(rounded):,.2f} {currency()}"


def prorated(amount: Decimal, part: int, whole: int) -> Decimal:
    """``amount`` * ``part`` / ``whole`` (days), to the cent; 0 for no part."""
    if part <= 0 or whole <= 0:
        return Decimal(0)
    return cents(amount * Decimal(part) / Decimal(whole))


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal, None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
