"""Status is computed from the value so far against the pace the period requires, in both
directions, at the period's start, middle and end (alignment/scorecard/status.py)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from commonground.alignment.metrics import Accumulation, Direction, Period
from commonground.alignment.periods import elapsed_fraction, month_of, quarter_of
from commonground.alignment.scorecard.status import Status, judge

D = Decimal
CUMULATIVE, LEVEL = Accumulation.CUMULATIVE, Accumulation.LEVEL
HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


def status(value, target, *, direction, accumulation, fraction, baseline=None) -> Status:
    return judge(
        value=None if value is None else D(value),
        target=D(target),
        baseline=None if baseline is None else D(baseline),
        direction=direction,
        accumulation=accumulation,
        fraction=fraction,
        tolerance_percent=D(10),
    ).status


@pytest.mark.parametrize(
    ("fraction", "value", "expected"),
    [
        (0.0, 0, Status.ON_TRACK),  # start: nothing is due yet
        (0.5, 500, Status.ON_TRACK),  # middle: half of 1,000 due
        (0.5, 420, Status.AT_RISK),  # 80 behind, within 10% of 1,000
        (0.5, 350, Status.OFF_TRACK),  # 150 behind
        (1.0, 1000, Status.ON_TRACK),  # end: the whole target due
        (1.0, 950, Status.AT_RISK),
        (1.0, 800, Status.OFF_TRACK),
    ],
)
def test_cumulative_higher_is_better(fraction, value, expected) -> None:
    assert status(value, 1000, direction=HIGHER, accumulation=CUMULATIVE, fraction=fraction) == (
        expected
    )


@pytest.mark.parametrize(
    ("fraction", "value", "expected"),
    [
        (0.0, 0, Status.ON_TRACK),  # start: no allowance used
        (0.0, 8, Status.AT_RISK),  # a few violations on day one: within the tolerance
        (0.5, 50, Status.ON_TRACK),  # middle: half the allowance of 100
        (0.5, 58, Status.AT_RISK),
        (0.5, 75, Status.OFF_TRACK),
        (1.0, 100, Status.ON_TRACK),
        (1.0, 130, Status.OFF_TRACK),
    ],
)
def test_cumulative_lower_is_better(fraction, value, expected) -> None:
    assert status(value, 100, direction=LOWER, accumulation=CUMULATIVE, fraction=fraction) == (
        expected
    )


@pytest.mark.parametrize(
    ("fraction", "value", "expected"),
    [
        (0.0, 50, Status.ON_TRACK),  # start: due at the baseline of 50
        (0.0, 48.5, Status.ON_TRACK),  # better than the baseline already
        (0.0, 50.8, Status.AT_RISK),  # within 10% of the 10 points to cover
        (0.0, 52, Status.OFF_TRACK),
        (0.5, 45, Status.ON_TRACK),  # middle: due at 45 on the way from 50 to 40
        (0.5, 45.8, Status.AT_RISK),
        (0.5, 48, Status.OFF_TRACK),
        (1.0, 40, Status.ON_TRACK),  # end: the target itself
        (1.0, 40.5, Status.AT_RISK),
        (1.0, 44, Status.OFF_TRACK),
    ],
)
def test_level_lower_is_better_follows_the_line_from_baseline_to_target(
    fraction, value, expected
) -> None:
    # A bounce rate from 50% down to 40% over the period.
    assert (
        status(value, 40, baseline=50, direction=LOWER, accumulation=LEVEL, fraction=fraction)
        == expected
    )


@pytest.mark.parametrize(
    ("fraction", "value", "expected"),
    [
        (0.0, 2.0, Status.ON_TRACK),  # a conversion rate from 2% up to 3%
        (0.5, 2.5, Status.ON_TRACK),
        (0.5, 2.45, Status.AT_RISK),
        (0.5, 2.2, Status.OFF_TRACK),
        (1.0, 3.0, Status.ON_TRACK),
        (1.0, 2.7, Status.OFF_TRACK),
    ],
)
def test_level_higher_is_better(fraction, value, expected) -> None:
    assert (
        status(value, 3, baseline=2, direction=HIGHER, accumulation=LEVEL, fraction=fraction)
        == expected
    )


def test_a_level_without_baseline_is_judged_against_the_target_throughout() -> None:
    for fraction in (0.0, 0.5, 1.0):
        assert status(99, 100, direction=HIGHER, accumulation=LEVEL, fraction=fraction) == (
            Status.AT_RISK
        )
        assert status(100, 100, direction=HIGHER, accumulation=LEVEL, fraction=fraction) == (
            Status.ON_TRACK
        )


def test_nothing_measured_is_at_risk_with_the_reason() -> None:
    judgement = judge(
        value=None,
        target=D(3),
        baseline=None,
        direction=HIGHER,
        accumulation=LEVEL,
        fraction=0.3,
        tolerance_percent=D(10),
    )
    assert judgement.status is Status.AT_RISK
    assert "Nothing measured" in judgement.reason


def test_elapsed_fraction_at_start_middle_and_end_of_a_period() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30))

    def at(*args: int) -> float:
        return elapsed_fraction(period, timezone.make_aware(datetime(*args)))

    assert at(2026, 10, 31, 23, 0) == 0.0
    assert at(2026, 11, 1, 0, 0) == 0.0
    assert at(2026, 11, 16, 0, 0) == pytest.approx(0.5)
    assert at(2026, 12, 1, 0, 0) == 1.0
    assert at(2027, 1, 5, 0, 0) == 1.0


def test_months_and_quarters() -> None:
    assert month_of(date(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 2, 29))
    assert quarter_of(date(2026, 12, 3)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2026, 1, 1)) == Period(date(2026, 1, 1), date(2026, 3, 31))
