"""Stats queries: metrics by dimensions, with the totals rates divide by and the comparison.

:class:`StatsRunner` answers a :class:`StatsQuery`; how each metric is worked out from the
store's aggregates is the catalogue's (:data:`.catalogue.METRICS`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .catalogue import ALL_VISITORS, BASE_VISITORS, METRICS, Aggregates, Dimension, Level
from .compiler import Plan, compile_plan
from .context import SiteContext, expand_segments, site_context
from .dates import Period, bucket_of, comparison_period, range_bounds, resolve, time_labels
from .goals import check_goal_names
from .request import Condition, Filter, QueryError, StatsQuery, conditions, parse_query
from .results import Comparison, MetricValue, StatsMeta, StatsResult, StatsRow
from .runner import Body, QueryRunner, Reader, register
from .sql import Statement

# Imported from here by the analytics facade and panels (the reader type, the site look-up).
__all__ = ["StatsRunner", "change", "metric_value"]


@dataclass(frozen=True, slots=True)
class Row:
    dimensions: tuple[Any, ...]
    aggregates: Aggregates
    total_rows: int


@register
class StatsRunner(QueryRunner[StatsQuery, StatsResult]):
    """Answers stats queries; ``approximate`` lets visitor counts be HyperLogLog estimates
    (never in realtime)."""

    kind = "stats"

    def __init__(self, *, approximate: bool = False) -> None:
        self.approximate = approximate

    def parse(self, body: Body) -> StatsQuery:
        return parse_query(body)

    def _compile(self, query: StatsQuery, reader: Reader, now: datetime) -> tuple[Statement, ...]:
        fetch, period, query = self._prepare(query, reader, now)
        plan = fetch.plan(period, query.filters, query.dimensions, fetch.aggregates, paginate=True)
        compiled = compile_plan(plan)
        return (Statement(compiled.sql, compiled.params),)

    def _prepare(
        self, query: StatsQuery, reader: Reader, now: datetime
    ) -> tuple["_Rows", Period, StatsQuery]:
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
        # Realtime counts are a handful of visitors over five minutes: exact costs nothing
        # there, and an estimate of 2 where 3 people are on the site is a visible error
        # (HyperLogLog's registers collide for tiny sets).
        exact = query.date_range == "realtime"
        return _Rows(query, site, level, reader, self.approximate and not exact), period, query

    def _run(self, query: StatsQuery, reader: Reader, now: datetime) -> StatsResult:
        fetch, period, query = self._prepare(query, reader, now)
        site = fetch.site
        rows = fetch.rows(period, query.filters, query.dimensions, paginate=True)
        answers = [StatsRow(fetch.labels(row), fetch.metrics(row)) for row in rows]
        time_dimension = next((d for d in query.dimensions if d.is_time), None)
        labelled = query.time_labels and time_dimension is not None
        meta = StatsMeta(
            total_rows=(rows[0].total_rows if rows else 0) if query.total_rows else None,
            time_labels=tuple(time_labels(period, time_dimension.column, site.zone))
            if labelled and time_dimension is not None
            else None,
            # The bucket still filling: a graph draws it as "so far", not as a drop.
            partial_time_label=bucket_of(now, time_dimension.column, site.zone)
            if labelled and time_dimension is not None and _running(period, now)
            else None,
        )
        if query.comparison:
            previous = comparison_period(
                period, query.comparison, site.zone, date_range=query.date_range, now=now
            )
            meta = replace(meta, comparison_date_range=range_bounds(previous, site.zone))
            answers = _compared(fetch, query, rows, answers, previous, period, time_dimension)
        understood = dict(query.raw)
        understood["date_range"] = [period.first.isoformat(), period.last.isoformat()]
        return StatsResult(tuple(answers), meta, understood)


def _running(period: Period, now: datetime) -> bool:
    moment = now.astimezone(UTC).replace(tzinfo=None)
    return period.start <= moment < period.end


def _has_goal(nodes: tuple[Filter, ...]) -> bool:
    return any(
        isinstance(node, Condition) and node.dimension.is_goal for node, _ in conditions(nodes)
    )


def _without_goal_filters(nodes: tuple[Filter, ...]) -> tuple[Filter, ...]:
    """What conversion rates divide by: the same filters without the top-level goal ones."""
    return tuple(
        node for node in nodes if not (isinstance(node, Condition) and node.dimension.is_goal)
    )


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


class _Rows:
    """Reads the rows of one stats query (and its helper queries) from the store."""

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
            needs += [n for n in METRICS[metric].needs if n not in needs]
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
        divisors = {METRICS[name].divisor for name in self.query.metrics}
        if ALL_VISITORS in divisors:
            total = self.rows(period, filters, (), paginate=False, aggregates=("visitors",))
            everyone = int(total[0].aggregates.get("visitors") or 0)
            rows = [replace(r, aggregates={**r.aggregates, ALL_VISITORS: everyone}) for r in rows]
        if BASE_VISITORS in divisors:
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
                        BASE_VISITORS: base.get(tuple(r.dimensions[i] for i in kept), 0),
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

    def labels(self, row: Row) -> tuple[Any, ...]:
        return tuple(
            _label(value, dim)
            for value, dim in zip(row.dimensions, self.query.dimensions, strict=True)
        )

    def metrics(self, row: Row) -> tuple[MetricValue, ...]:
        return tuple(metric_value(name, row.aggregates) for name in self.query.metrics)


def _label(value: Any, dim: Dimension) -> Any:
    if dim.is_time and isinstance(value, datetime):
        if dim.column == "hour":
            return value.strftime("%Y-%m-%d %H:00:00")
        return value.date().isoformat()
    if dim.is_time and isinstance(value, date):
        return value.isoformat()
    return value


def metric_value(name: str, aggregates: Aggregates) -> MetricValue:
    """One metric of an answer row, from the row's aggregates; rounded as METRICS says."""
    return METRICS[name].value(aggregates)


def change(name: str, current: MetricValue, previous: MetricValue) -> float | None:
    """How a metric moved: points for rates, per cent otherwise (None when it was 0)."""
    if current is None or previous is None:
        return None
    if METRICS[name].is_rate:
        return round(float(current) - float(previous), 1)
    if not previous:
        return None
    return round((float(current) - float(previous)) / float(previous) * 100, 1)


def _compared(
    fetch: _Rows,
    query: StatsQuery,
    rows: list[Row],
    answers: list[StatsRow],
    previous: Period,
    period: Period,
    time_dimension: Dimension | None,
) -> list[StatsRow]:
    """``answers`` with their rows in the ``previous`` period (time buckets matched by
    position, the first day with the first day; other rows by their dimensions)."""
    filters = query.filters
    # Only the rows on this page are compared: ask for exactly their values.
    for index, dim in enumerate(query.dimensions):
        if dim.is_time or not rows:
            continue
        values = tuple(sorted({str(row.dimensions[index]) for row in rows}))
        filters = (*filters, Condition("is", dim, values))
    before = fetch.rows(previous, filters, query.dimensions, paginate=False)
    if time_dimension is not None:
        position = query.dimensions.index(time_dimension)
        current_labels = time_labels(period, time_dimension.column, fetch.site.zone)
        previous_labels = time_labels(previous, time_dimension.column, fetch.site.zone)
        shift = dict(zip(current_labels, previous_labels, strict=False))
        by_key = {fetch.labels(row): row for row in before}
        compared = []
        for answer in answers:
            key = list(answer.dimensions)
            key[position] = shift.get(key[position], "")
            compared.append(_with_comparison(fetch, query, answer, by_key.get(tuple(key)), key))
        return compared
    by_dims = {row.dimensions: row for row in before}
    return [
        _with_comparison(fetch, query, answer, by_dims.get(row.dimensions), answer.dimensions)
        for row, answer in zip(rows, answers, strict=True)
    ]


def _with_comparison(
    fetch: _Rows,
    query: StatsQuery,
    answer: StatsRow,
    previous: Row | None,
    dimensions: Sequence[Any],
) -> StatsRow:
    if previous is None:
        metrics = tuple(metric_value(name, {}) for name in query.metrics)
    else:
        metrics = fetch.metrics(previous)
    if previous is None or not any(previous.aggregates.get(n) for n in fetch.aggregates):
        # Nothing to compare with (before the site's first visit, say): no figure may claim a
        # change, not even a rate (0% then would make any bounce rate now a rise).
        moved: tuple[float | None, ...] = tuple(None for _ in query.metrics)
    else:
        moved = tuple(
            change(name, now, before)
            for name, now, before in zip(query.metrics, answer.metrics, metrics, strict=True)
        )
    return replace(answer, comparison=Comparison(tuple(dimensions), metrics, moved))
