"""What every insight starts from: the tracked site a query names (its time zone and goals),
and the query's saved segments replaced by their filters."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import Goal, Segment, TrackedSite, normalise_domain
from .catalogue import Level
from .dates import resolve
from .goals import GoalRule
from .plan import Plan
from .request import (
    Filter,
    Junction,
    Negation,
    QueryError,
    SegmentRef,
    StatsQuery,
    conditions,
    parse_filter,
)


@dataclass(frozen=True, slots=True)
class SiteContext:
    domain: str
    zone: ZoneInfo
    goals: tuple[GoalRule, ...]


def site_context(site_id: str) -> SiteContext:
    """The tracked site a query names, with its time zone and goals.

    One query (the site joined with its goals): every insight starts here, and the second
    round trip was a third of a realtime query's time."""
    rows = list(
        TrackedSite.objects.filter(domain=normalise_domain(site_id))
        .order_by("goals__display_name")
        .values_list(
            "domain",
            "time_zone",
            "goals__display_name",
            "goals__kind",
            "goals__event_name",
            "goals__page_path",
        )
    )
    if not rows:
        raise QueryError("site_id", f"no tracked site {site_id!r}")
    domain, time_zone = rows[0][0], rows[0][1]
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    goals = tuple(
        GoalRule(
            name=name,
            event_name=event_name if kind == Goal.Kind.EVENT else "",
            page_pattern=page_path if kind == Goal.Kind.PAGE else "",
        )
        for _, _, name, kind, event_name, page_path in rows
        if name is not None  # a site without goals: one row of NULLs
    )
    return SiteContext(domain, zone, goals)


def expand_segments(query: StatsQuery, site_id: str) -> StatsQuery:
    """Saved segments replaced by their filters (a segment's filters hold no segment)."""

    def expand(node: Filter, at: str) -> Filter:
        if isinstance(node, SegmentRef):
            segment = Segment.objects.filter(
                pk=node.segment_id, site__domain=normalise_domain(site_id)
            ).first()
            if segment is None:
                raise QueryError(f"{at}[2][0]", f"the site has no segment {node.segment_id}")
            stored = segment.filters if isinstance(segment.filters, list) else []
            children = tuple(parse_filter(f, f"{at} (segment {segment.pk})", 2) for f in stored)
            if any(isinstance(inner, SegmentRef) for inner, _ in conditions(children)):
                raise QueryError(at, "a segment cannot contain a segment")
            return Junction("and", children)
        if isinstance(node, Junction):
            return Junction(
                node.operator,
                tuple(expand(c, f"{at}[1][{i}]") for i, c in enumerate(node.children)),
            )
        if isinstance(node, Negation):
            return Negation(expand(node.child, f"{at}[1]"))
        return node

    filters = tuple(expand(f, f"filters[{i}]") for i, f in enumerate(query.filters))
    return replace(query, filters=tuple(f for f in filters if not _empty(f)))


def _empty(node: Filter) -> bool:
    return isinstance(node, Junction) and not node.children


def event_plan(
    site: SiteContext, site_id: str, date_range: Any, filters: tuple[Filter, ...], now: datetime
) -> Plan:
    """A plan over events for insights other than stats (funnels, journeys): their period,
    and their filters with saved segments expanded."""
    query = expand_segments(
        StatsQuery(site_id=site_id, date_range="day", metrics=("visits",), filters=filters),
        site_id,
    )
    return Plan(
        query=query,
        site=site.domain,
        period=resolve(date_range, site.zone, now=now),
        zone=site.zone.key,
        goals=site.goals,
        level=Level.EVENT,
        filters=query.filters,
    )
