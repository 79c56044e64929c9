"""Target formulas: only catalogue metrics, periods and a number; never code."""

from datetime import date
from decimal import Decimal

import pytest

from commonground.alignment.metrics import Period
from commonground.alignment.scorecard.targets import FormulaError, parse_formula

Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "reference", "base", "target"),
    [
        ("last quarter + 10%", Period(date(2026, 7, 1), date(2026, 9, 30)), 200, Decimal(220)),
        ("Last  Quarter", Period(date(2026, 7, 1), date(2026, 9, 30)), 200, Decimal(200)),
        ("previous period * 0.9", Period(date(2026, 7, 1), date(2026, 9, 30)), 50, Decimal(45)),
        ("last month - 5", Period(date(2026, 9, 1), date(2026, 9, 30)), 50, Decimal(45)),
        ("last year + 2.5%", Period(date(2025, 1, 1), date(2025, 12, 31)), 1000, Decimal(1025)),
        (
            "same period last year \u00d7 110%",
            Period(date(2025, 10, 1), date(2025, 12, 31)),
            10,
            11,
        ),
        ("previous period \u2212 1", Period(date(2026, 7, 1), date(2026, 9, 30)), 10, 9),
    ],
)
def test_formulas_resolve_against_the_right_period(text, reference, base, target) -> None:
    formula = parse_formula(text)
    assert formula.reference_period(Q4) == reference
    assert formula.apply(Decimal(base)) == Decimal(target)


def test_a_formula_may_name_another_catalogue_metric() -> None:
    formula = parse_formula("manual.check_in@last quarter + 1")
    assert formula.metric == "manual.check_in"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('id')", "Write a period"),
        ("last decade + 10%", "not a period"),
        ("nothing.here@last month", "not a metric in the catalogue"),
        ("last quarter + ten", "Write a period"),
        ("last quarter + 10% + 5", "Write a period"),
        ("x" * 500, "at most 200"),
        ("last quarter + 1e400", "Write a period"),
    ],
)
def test_anything_else_is_refused_with_what_is_allowed(text, message) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)
