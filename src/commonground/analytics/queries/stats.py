"""Answers a :class:`StatsQuery`: the main rows, the totals rates divide by, the comparison."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import Goal, Segment, TrackedSite, normalise_domain
from .catalogue import METRICS, Dimension, Level
from .compiler import NEEDS, GoalRule, Plan, check_goal_names, compile_plan
from .dates import Period, comparison_period, resolve, time_labels
from .request import (
    Condition,
    Filter,
    Junction,
    Negation,
    QueryError,
    SegmentRef,
    StatsQuery,
    _filter,
    conditions,
)

Reader = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
RATE_METRICS = frozenset({"bounce_rate", "conversion_rate", "percentage"})


@dataclass(frozen=True, slots=True)
class Row:
    dimensions: tuple[Any, ...]
    aggregates: dict[str, Any]
    total_rows: int


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
            children = tuple(_filter(f, f"{at} (segment {segment.pk})", 2) for f in stored)
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


def _empty(node: Filter) -> bool:
    return isinstance(node, Junction) and not node.children


def _has_goal(nodes: Sequence[Filter]) -> bool:
    return any(
        isinstance(node, Condition) and node.dimension.is_goal for node, _ in conditions(nodes)
    )


def _without_goal_filters(nodes: Sequence[Filter]) -> tuple[Filter, ...]:
    """What conversion rates divide by: the same filters without the top-level goal ones."""
    return tuple(
        node for node in nodes if not (isinstance(node, Condition) and node.dimension.is_goal)
    )


def run_stats(
    query: StatsQuery,
    *,
    reader: Reader,
    approximate: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The answer to ``query`` as JSON-ready data (see docs/api.md)."""
    now = now or datetime.now(UTC)
    site = site_context(query.site_id)
    query = expand_segments(query, query.site_id)
    check_goal_names(query.filters, site.goals)
    goal_dimension = any(d.is_goal for d in query.dimensions)
    if "conversion_rate" in query.metrics and not (goal_dimension or _has_goal(query.filters)):
        index = query.metrics.index("conversion_rate")
        raise QueryError(
            f"metrics[{index}]", "conversion_rate needs an event:goal dimension or filter"
        )
    first_day = _first_event_day(site, reader) if query.date_range == "all" else None
    period = resolve(query.date_range, site.zone, now=now, first_event_day=first_day)
    level = Level.EVENT if query.date_range == "realtime" else query.level
    if query.date_range == "realtime":
        for index, name in enumerate(query.metrics):
            if Level.EVENT not in METRICS[name].levels:
                raise QueryError(f"metrics[{index}]", f"{name} is not available in realtime")

    # Realtime counts are a handful of visitors over five minutes: exact costs nothing there,
    # and an estimate of 2 where 3 people are on the site is a visible error (HyperLogLog's
    # registers collide for tiny sets).
    exact = query.date_range == "realtime"
    runner = _Runner(query, site, level, reader, approximate and not exact)
    rows = runner.rows(period, query.filters, query.dimensions, paginate=True)
    results = [{"dimensions": runner.labels(row), "metrics": runner.metrics(row)} for row in rows]
    meta: dict[str, Any] = {}
    if query.total_rows:
        meta["total_rows"] = rows[0].total_rows if rows else 0
    time_dimension = next((d for d in query.dimensions if d.is_time), None)
    if query.time_labels and time_dimension is not None:
        meta["time_labels"] = time_labels(period, time_dimension.column, site.zone)
    if query.comparison:
        previous = comparison_period(period, query.comparison, site.zone)
        meta["comparison_date_range"] = [previous.first.isoformat(), previous.last.isoformat()]
        _add_comparison(runner, query, rows, results, previous, period, time_dimension)
    understood = dict(query.raw)
    understood["date_range"] = [period.first.isoformat(), period.last.isoformat()]
    return {"results": results, "meta": meta, "query": understood}


def _first_event_day(site: SiteContext, reader: Reader) -> date | None:
    rows = reader("SELECT min(ts) FROM events WHERE site = $1", [site.domain])
    first = rows[0][0] if rows else None
    if first is None:
        return None
    return (
        first.replace(tzinfo=UTC).astimezone(site.zone).date()
        if isinstance(first, datetime)
        else None
    )


class _Runner:
    def __init__(
        self,
        query: StatsQuery,
        site: SiteContext,
        level: Level,
        reader: Reader,
        approximate: bool,
    ) -> None:
        self.query = query
        self.site = site
        self.level = level
        self.reader = reader
        self.approximate = approximate
        needs: list[str] = []
        for metric in query.metrics:
            needs += [n for n in NEEDS[metric] if n not in needs]
        self.aggregates = tuple(needs)
        self.order_in_python = any(name == "conversion_rate" for name, _ in query.order_by)
        self._rolled_days: dict[Period, tuple[tuple[datetime, datetime], ...]] = {}

    def plan(
        self,
        period: Period,
        filters: tuple[Filter, ...],
        dimensions: tuple[Dimension, ...],
        aggregates: tuple[str, ...],
        *,
        paginate: bool,
    ) -> Plan:
        return Plan(
            query=self.query,
            site=self.site.domain,
            period=period,
            zone=self.site.zone.key,
            goals=self.site.goals,
            level=self.level,
            approximate=self.approximate,
            aggregates=aggregates,
            dimensions=dimensions,
            filters=filters,
            order_in_sql=not self.order_in_python,
            paginate=paginate,
            rolled=self._rolled(period) if not filters and len(dimensions) <= 1 else (),
        )

    def _rolled(self, period: Period) -> tuple[tuple[datetime, datetime], ...]:
        """The whole UTC days of ``period`` that are rolled up, as runs of days."""
        if period not in self._rolled_days:
            first = datetime.combine(period.start.date(), time())
            if first < period.start:
                first += timedelta(days=1)
            until = datetime.combine(period.end.date(), time())
            rows = (
                self.reader(
                    "SELECT day FROM rolled_days WHERE site = $1 AND day >= $2 AND day < $3 "
                    "ORDER BY day",
                    [self.site.domain, first.date(), until.date()],
                )
                if first < until
                else []
            )
            runs: list[tuple[datetime, datetime]] = []
            for (day,) in rows:
                start = datetime.combine(day, time())
                if runs and runs[-1][1] == start:
                    runs[-1] = (runs[-1][0], start + timedelta(days=1))
                else:
                    runs.append((start, start + timedelta(days=1)))
            self._rolled_days[period] = tuple(runs)
        return self._rolled_days[period]

    def rows(
        self,
        period: Period,
        filters: tuple[Filter, ...],
        dimensions: tuple[Dimension, ...],
        *,
        paginate: bool,
        aggregates: tuple[str, ...] | None = None,
    ) -> list[Row]:
        """The answer's rows; ``aggregates`` given: a plain helper query (no divisors)."""
        compiled = compile_plan(
            self.plan(period, filters, dimensions, aggregates or self.aggregates, paginate=paginate)
        )
        width = compiled.dimension_count
        rows = []
        for raw in self.reader(compiled.sql, compiled.params):
            values = dict(
                zip(compiled.aggregates, raw[width : width + len(compiled.aggregates)], strict=True)
            )
            total = int(raw[-1]) if width else 1
            rows.append(Row(tuple(raw[:width]), values, total))
        if not dimensions and not rows:
            rows = [Row((), {}, 1)]
        if aggregates is None:
            rows = self._with_divisors(rows, period, filters, dimensions)
        if self.order_in_python and dimensions:
            rows = self._sorted(rows)
            if paginate:
                rows = rows[self.query.offset : self.query.offset + self.query.limit]
        return rows

    def _with_divisors(
        self,
        rows: list[Row],
        period: Period,
        filters: tuple[Filter, ...],
        dimensions: tuple[Dimension, ...],
    ) -> list[Row]:
        """Adds the visitors that percentage and conversion_rate divide by to every row."""
        wanted = set(self.query.metrics)
        if "percentage" in wanted:
            total = self.rows(period, filters, (), paginate=False, aggregates=("visitors",))
            everyone = int(total[0].aggregates.get("visitors") or 0)
            rows = [replace(r, aggregates={**r.aggregates, "_all": everyone}) for r in rows]
        if "conversion_rate" in wanted:
            kept = tuple(i for i, d in enumerate(dimensions) if not d.is_goal)
            base_rows = self.rows(
                period,
                _without_goal_filters(filters),
                tuple(dimensions[i] for i in kept),
                paginate=False,
                aggregates=("visitors",),
            )
            base = {r.dimensions: int(r.aggregates.get("visitors") or 0) for r in base_rows}
            rows = [
                replace(
                    r,
                    aggregates={
                        **r.aggregates,
                        "_base": base.get(tuple(r.dimensions[i] for i in kept), 0),
                    },
                )
                for r in rows
            ]
        return rows

    def _sorted(self, rows: list[Row]) -> list[Row]:
        names = [d.name for d in self.query.dimensions]
        ordered = list(rows)
        for name, direction in reversed(self.query.order_by):
            ordered.sort(
                key=lambda row, name=name: self._sort_key(row, name, names),  # type: ignore[misc]
                reverse=direction == "desc",
            )
        return ordered

    def _sort_key(self, row: Row, name: str, names: list[str]) -> Any:
        if name in names:
            return row.dimensions[names.index(name)]
        value = self.metrics(row)[self.query.metrics.index(name)]
        return -1 if value is None else value

    def labels(self, row: Row) -> list[Any]:
        return [
            _label(value, dim)
            for value, dim in zip(row.dimensions, self.query.dimensions, strict=True)
        ]

    def metrics(self, row: Row) -> list[Any]:
        return [metric_value(name, row.aggregates) for name in self.query.metrics]


def _label(value: Any, dim: Dimension) -> Any:
    if dim.is_time and isinstance(value, datetime):
        if dim.column == "hour":
            return value.strftime("%Y-%m-%d %H:00:00")
        return value.date().isoformat()
    if dim.is_time and isinstance(value, date):
        return value.isoformat()
    return value


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


def metric_value(name: str, aggregates: dict[str, Any]) -> Any:
    """One metric of an answer row, from the row's aggregates; rounded as METRICS says."""
    a = aggregates
    value: Any
    if name in ("visitors", "visits", "pageviews", "events"):
        return int(a.get(name) or 0)
    if name == "views_per_visit":
        value = _ratio(a.get("pageviews"), a.get("visits"))
    elif name == "bounce_rate":
        value = _ratio(a.get("bounces"), a.get("visits"))
        value = None if value is None else value * 100
    elif name == "visit_duration":
        value = _ratio(a.get("duration"), a.get("visits"))
    elif name == "percentage":
        value = _ratio(a.get("visitors"), a.get("_all"))
        value = None if value is None else value * 100
    elif name == "conversion_rate":
        value = _ratio(a.get("visitors"), a.get("_base"))
        value = None if value is None else value * 100
    elif name == "revenue":
        value = float(a.get("revenue") or 0)
    else:
        value = a.get(name)
        if value is None:
            return None
        value = float(value)
    if value is None:
        value = 0.0
    decimals = METRICS[name].decimals
    if decimals == 0:
        return round(value)
    return round(value, decimals or 0)


def change(name: str, current: Any, previous: Any) -> float | None:
    """How a metric moved: points for rates, per cent otherwise (None when it was 0)."""
    if current is None or previous is None:
        return None
    if name in RATE_METRICS:
        return round(float(current) - float(previous), 1)
    if not previous:
        return None
    return round((float(current) - float(previous)) / float(previous) * 100, 1)


def _add_comparison(
    runner: _Runner,
    query: StatsQuery,
    rows: list[Row],
    results: list[dict[str, Any]],
    previous: Period,
    period: Period,
    time_dimension: Dimension | None,
) -> None:
    filters = query.filters
    # Only the rows on this page are compared: ask for exactly their values.
    for index, dim in enumerate(query.dimensions):
        if dim.is_time or not rows:
            continue
        values = tuple(sorted({str(row.dimensions[index]) for row in rows}))
        filters = (*filters, Condition("is", dim, values))
    before = runner.rows(previous, filters, query.dimensions, paginate=False)
    if time_dimension is not None:
        # Time buckets are matched by position: the first day with the first day.
        position = query.dimensions.index(time_dimension)
        current_labels = time_labels(period, time_dimension.column, runner.site.zone)
        previous_labels = time_labels(previous, time_dimension.column, runner.site.zone)
        shift = dict(zip(current_labels, previous_labels, strict=False))
        by_key = {tuple(runner.labels(row)): row for row in before}
        for result in results:
            key = list(result["dimensions"])
            key[position] = shift.get(key[position], "")
            _attach(runner, query, result, by_key.get(tuple(key)), key)
        return
    by_dims = {row.dimensions: row for row in before}
    for row, result in zip(rows, results, strict=True):
        match = by_dims.get(row.dimensions)
        _attach(runner, query, result, match, list(result["dimensions"]))


def _attach(
    runner: _Runner,
    query: StatsQuery,
    result: dict[str, Any],
    previous: Row | None,
    dimensions: list[Any],
) -> None:
    if previous is None:
        metrics = [metric_value(name, {}) for name in query.metrics]
    else:
        metrics = runner.metrics(previous)
    result["comparison"] = {
        "dimensions": dimensions,
        "metrics": metrics,
        "change": [
            change(name, now, before)
            for name, now, before in zip(query.metrics, result["metrics"], metrics, strict=True)
        ],
    }
