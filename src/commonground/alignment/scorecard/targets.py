"""Goal targets written as formulas on another period ("last quarter + 10%"), parsed by a small
grammar of our own: a formula may name only catalogue metrics, periods and a number, so
nothing in it is ever evaluated as code.

    formula   := reference [operator amount]
    reference := [metric "@"] period        e.g. "last quarter", "analytics.visits@last month"
    period    := previous period | last month | last quarter | last year | same period last year
    operator  := + | - | * | x  (and the minus and multiplication signs)
    amount    := number [%]                  "+ 10%" adds a tenth; "* 0.9" keeps nine tenths

Periods are calendar periods before the goal's own period starts ("last quarter" of a goal for
2026-10-01..2026-12-31 is 2026-07-01..2026-09-30, "last year" the calendar year before the one
it starts in: 2025); "previous period" is the same number of days just before it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from ..metrics import MetricError, Period
from ..metrics.base import metric as catalogue_metric
from ..periods import month_of, quarter_of, year_of

MAX_LENGTH = 200


def _previous_period(period: Period) -> Period:
    return period.shifted_back()


def _last_month(period: Period) -> Period:
    return month_of(period.start - timedelta(days=1))


def _last_quarter(period: Period) -> Period:
    return quarter_of(period.start - timedelta(days=1))


def _last_year(period: Period) -> Period:
    return year_of(date(period.start.year - 1, 1, 1))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _same_period_last_year(period: Period) -> Period:
    return Period(_year_before(period.start), _year_before(period.end))


PERIODS: dict[str, Callable[[Period], Period]] = {
    "previous period": _previous_period,
    "last month": _last_month,
    "last quarter": _last_quarter,
    "last year": _last_year,
    "same period last year": _same_period_last_year,
}
# The minus and multiplication signs people paste from documents count as - and *.
MINUS_SIGN, TIMES_SIGN = "\u2212", "\u00d7"
OPERATORS = {"+": "+", "-": "-", MINUS_SIGN: "-", "*": "*", "x": "*", TIMES_SIGN: "*"}

_FORMULA = re.compile(
    r"""^\s*
    (?:(?P<metric>[a-z_]+\.[a-z0-9_]+)\s*@\s*)?
    (?P<period>[a-z ]+?)
    \s*(?:(?P<operator>[-+*x\u00d7\u2212])\s*(?P<amount>\d{1,12}(?:[.,]\d{1,6})?)\s*(?P<percent>%)?)?
    \s*$""",
    re.VERBOSE,
)


class FormulaError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Formula:
    text: str
    metric: str | None  # None: the goal's own metric
    period: str  # a key of PERIODS
    operator: str | None  # "+", "-", "*"
    amount: Decimal | None
    percent: bool

    def reference_period(self, period: Period) -> Period:
        return PERIODS[self.period](period)

    def apply(self, reference: Decimal) -> Decimal:
        if self.operator is None or self.amount is None:
            return reference
        if self.operator == "*":  # "* 0.9" and "* 90%" both keep nine tenths
            return reference * (self.amount / 100 if self.percent else self.amount)
        change = reference * self.amount / 100 if self.percent else self.amount
        return reference + change if self.operator == "+" else reference - change


def parse_formula(text: str) -> Formula:
    """The formula ``text``, or FormulaError saying what is wrong and what is allowed."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"A formula has at most {MAX_LENGTH} characters.")
    normalised = " ".join(text.lower().split())
    found = _FORMULA.match(normalised)
    allowed = ", ".join(f'"{name}"' for name in PERIODS)
    if found is None:
        raise FormulaError(
            f'Write a period, optionally followed by + - or * and a number, e.g. "last quarter '
            f'+ 10%" or "previous period * 0.9". Periods: {allowed}.'
        )
    period = found["period"].strip()
    if period not in PERIODS:
        raise FormulaError(f'"{period}" is not a period the formula knows. Periods: {allowed}.')
    metric = found["metric"]
    if metric is not None:
        try:
            catalogue_metric(metric)
        except MetricError:
            raise FormulaError(f'"{metric}" is not a metric in the catalogue.') from None
    amount = None
    if found["amount"] is not None:
        try:
            amount = Decimal(found["amount"].replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise FormulaError(f'"{found["amount"]}" is not a number.') from None
    operator = OPERATORS[found["operator"]] if found["operator"] else None
    return Formula(text, metric, period, operator, amount, bool(found["percent"]))
