"""Catalogue metrics from content: pages published, and how long their approval took."""

from decimal import Decimal
from statistics import median

from commonground.content import public as content

from ...periods import period_bounds
from ..base import (
    Accumulation,
    Direction,
    MetricDefinition,
    Params,
    Period,
    Unit,
    register,
)


def _pages_published(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    return Decimal(content.pages_first_published(start=start, end=end))


def _approval_lead_time(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    hours = [p.hours for p in content.approved_publications(start=start, end=end)]
    if not hours:
        return None
    return Decimal(repr(median(hours))).quantize(Decimal("0.1"))


register(
    MetricDefinition(
        key="content.pages_published",
        label="Pages published",
        definition=(
            "Pages first published in the period, from Wagtail's first-publication date: a "
            "page counts once, on its first publish; republishing it does not count again."
        ),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.CUMULATIVE,
        glossary_term="published-page",
        compute=_pages_published,
    )
)
register(
    MetricDefinition(
        key="content.approval_lead_time",
        label="Approval lead time",
        definition=(
            "The median hours from a page's submission to the moderation workflow to its "
            "publication, over the pages published after approval in the period (from "
            "Wagtail's workflow and page history). IT wants the review done; marketing wants "
            "it short: lower is better."
        ),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="approval-lead-time",
        compute=_approval_lead_time,
    )
)
