"""The manual metric: values typed in as check-ins, for what the product cannot see (brand
awareness from a survey, analyst rankings, an NPS from another tool)."""

from decimal import Decimal

from ...models import CheckIn
from ..base import (
    Accumulation,
    Direction,
    MetricDefinition,
    Parameter,
    Params,
    Period,
    Unit,
    register,
)


def _series_choices() -> list[tuple[str, str]]:
    names = CheckIn.objects.order_by("series").values_list("series", flat=True).distinct()
    return [(name, name) for name in names]


def _latest_check_in(params: Params, period: Period) -> Decimal | None:
    latest = (
        CheckIn.objects.filter(series=params["series"], day__gte=period.start, day__lte=period.end)
        .order_by("-day", "-created_at")
        .values_list("value", flat=True)
        .first()
    )
    return latest


_SERIES = Parameter(
    "series",
    "Check-in series",
    help="A short name such as brand-awareness; check-ins are typed into it.",
    choices=_series_choices,
)

for _key, _label, _direction in (
    ("manual.check_in", "Manual check-in (higher is better)", Direction.HIGHER),
    ("manual.check_in_lower", "Manual check-in (lower is better)", Direction.LOWER),
):
    register(
        MetricDefinition(
            key=_key,
            label=_label,
            definition=(
                "The latest value typed into a check-in series within the period, for numbers "
                "the product cannot measure itself (e.g. brand awareness from a quarterly "
                "survey, incidents reported by a vendor)."
            ),
            unit=Unit.COUNT,
            direction=_direction,
            accumulation=Accumulation.LEVEL,
            glossary_term="scorecard",
            compute=_latest_check_in,
            parameters=(_SERIES,),
        )
    )
