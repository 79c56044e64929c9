"""Template tags of alignment's pages: numbers in their metric's unit, status badges, and
sparklines drawn on the server as SVG (no script, readable without colour)."""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..budget.money import format_money
from ..scorecard.status import Status

register = template.Library()

STATUS_CLASSES = {
    "on_track": "cg-status cg-status--on",
    "at_risk": "cg-status cg-status--risk",
    "off_track": "cg-status cg-status--off",
}


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def metric_value(value: Decimal | float | None, unit: str = "") -> str:
    """``value`` as people read it in ``unit``: 42.1%, 2,310 ms, 0.081, EUR 1,250.00."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if unit == "percent":
        return f"{_grouped(number, 1)}%"
    if unit in {"ms"}:
        return f"{_grouped(number, 0)} ms"
    if unit == "s":
        return f"{_grouped(number, 0)} s"
    if unit == "hours":
        return f"{_grouped(number, 1)} h"
    if unit == "working days":
        return f"{_grouped(number, 1)} working days"
    if unit == "score":
        return _grouped(number, 3)
    if unit == "money":
        return format_money(number)
    if unit == "ratio":
        return f"{_grouped(number * 100, 1)}% of plan"
    if unit == "yes/no":
        return "yes" if number else "no"
    # Counts: whole numbers from 100 on (4,775 visits due by now, not 4,774.65).
    places = 0 if number == number.to_integral_value() or abs(number) >= 100 else 2
    return _grouped(number, places)


@register.simple_tag
def status_badge(status: str) -> SafeString:
    return format_html(
        '<span class="{}" data-status="{}">{}</span>',
        STATUS_CLASSES.get(status, "cg-status"),
        status,
        Status.label_of(status),
    )


@register.simple_tag
def sparkline(
    trend: Sequence[tuple[date, Any, str]], width: int = 120, height: int = 28
) -> SafeString:
    """The goal's daily values as a line, its last point marked in its status."""
    points = [(day, Decimal(str(v))) for day, v, _ in trend if v is not None]
    if len(points) < 2:
        return format_html('<span class="cg-sparkline-empty">{}</span>', "not enough days yet")
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or Decimal(1)
    step = Decimal(width - 4) / (len(points) - 1)
    coordinates = [
        (
            Decimal(2) + step * index,
            Decimal(height - 3) - (value - low) / span * Decimal(height - 6),
        )
        for index, (_, value) in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    last_x, last_y = coordinates[-1]
    first_day, last_day = points[0][0], points[-1][0]
    description = (
        f"{len(points)} days from {first_day:%d %b} to {last_day:%d %b}: "
        f"from {points[0][1].normalize():f} to {points[-1][1].normalize():f}"
    )
    status = trend[-1][2]
    return format_html(
        '<svg class="cg-sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}"><polyline points="{line}" /><circle class="{dot}" cx="{x}" '
        'cy="{y}" r="2.5" /></svg>',
        w=width,
        h=height,
        label=description,
        line=line,
        dot=f"cg-sparkline-dot cg-sparkline-dot--{status}",
        # Formatted here: format_html escapes its arguments to strings first, so a format
        # spec such as ".1f" in the template string would meet a string, not a number.
        x=f"{last_x:.1f}",
        y=f"{last_y:.1f}",
    )


@register.simple_tag
def status_history(trend: Sequence[tuple[date, Any, str]]) -> SafeString:
    """The days the status changed, oldest first: "1 Oct on track → 14 Oct at risk"."""
    changes: list[tuple[date, str]] = []
    for day, _, status in trend:
        if not changes or changes[-1][1] != status:
            changes.append((day, status))
    if not changes:
        return format_html("{}", "—")
    return format_html_join(
        " → ",
        '<span class="cg-history-step">{} {}</span>',
        ((f"{day:%d %b}", Status.label_of(status)) for day, status in changes),
    )
