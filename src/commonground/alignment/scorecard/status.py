"""A goal's status, computed and never typed: the value so far against the pace the period
requires, respecting the metric's direction.

- Pace. For a metric that adds up over the period (CUMULATIVE: visitors, sends, pages
  published) the value due by now is the target times the elapsed share of the period: half
  way through a month, half the month's target. For a rate or a state (LEVEL: bounce rate,
  LCP p75, open requests) the value due is on the straight line from the goal's baseline (where
  the metric stood when the period began) to the target; without a baseline, the target itself.
- Band. A goal is *on track* when its value is at least as good as the value due, *at risk*
  when it is worse by no more than the tolerance (default 10%) of the distance to cover (the
  target for cumulative metrics, |target - baseline| for levels, |target| when there is no
  baseline), and *off track* beyond that.
- Direction. "Lower is better" mirrors every comparison: for a cumulative count such as CSP
  violations the target is an allowance, used up in step with the period.
- Edges. At the period's first moment nothing of a cumulative target is due yet, and a level is
  due at its baseline; at its end the whole target is due. A value that cannot be measured yet
  (a rate over no visits) is *at risk*, with the reason.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ..metrics import Accumulation, Direction


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}[self]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored status, or the value itself when it is none of ours."""
        try:
            return cls(value).label
        except ValueError:
            return value


@dataclass(frozen=True, slots=True)
class Judgement:
    status: Status
    expected: Decimal | None  # the value due by now
    reason: str


def judge(
    *,
    value: Decimal | None,
    target: Decimal | None,
    baseline: Decimal | None,
    direction: Direction,
    accumulation: Accumulation,
    fraction: float,
    tolerance_percent: Decimal,
) -> Judgement:
    """The status of a goal whose metric stands at ``value`` when ``fraction`` (0..1) of its
    period has passed."""
    if target is None:
        return Judgement(Status.AT_RISK, None, "The target cannot be computed yet.")
    share = Decimal(repr(min(max(fraction, 0.0), 1.0)))
    if accumulation is Accumulation.CUMULATIVE:
        expected = target * share
        distance = abs(target)
    elif baseline is None:
        expected = target
        distance = abs(target)
    else:
        expected = baseline + (target - baseline) * share
        distance = abs(target - baseline) or abs(target)
    if value is None:
        return Judgement(Status.AT_RISK, expected, "Nothing measured yet in this period.")
    band = distance * tolerance_percent / 100
    # Signed so that a positive gap is always "better than due", whatever the direction.
    gap = value - expected if direction is Direction.HIGHER else expected - value
    if gap >= 0:
        return Judgement(Status.ON_TRACK, expected, "At or ahead of the pace the period needs.")
    if -gap <= band:
        return Judgement(Status.AT_RISK, expected, "Behind the pace, within the tolerance.")
    return Judgement(Status.OFF_TRACK, expected, "Behind the pace by more than the tolerance.")
