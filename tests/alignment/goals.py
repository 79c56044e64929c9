"""Goals for tests, made through the scorecard's service as a lead makes them: on a manual
check-in series, so they need no event store."""

from decimal import Decimal
from typing import Any

from django.utils import timezone

from commonground.alignment.scorecard import services


def manual_goal(
    lead: Any,
    *,
    name: str = "Brand awareness",
    side: str = "marketing",
    series: str = "brand-awareness",
    period_kind: str = "quarter",
    target: str | int = 40,
    reason: str = "",
) -> services.Outcome:
    """The outcome of ``lead`` making the goal: the goal itself, or for a joint one the
    proposal awaiting the other lead."""
    return services.create_goal(
        user=lead,
        spec=services.GoalSpec(
            name=name,
            side=side,
            metric="manual.check_in",
            params={"series": series},
            period_kind=period_kind,
            period_start=timezone.localdate(),
            target_value=Decimal(target),
        ),
        reason=reason,
    )
