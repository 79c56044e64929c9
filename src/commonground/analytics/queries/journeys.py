"""Journeys: the most common paths into and out of a page, within a visit.

For every pageview of the page, the pages viewed just before it (up to ``depth``) and just
after it, in the same visit; a visit that began on the page comes from "(entrance)", one that
ended there goes to "(exit)". Counted in visits (distinct visits taking that path) and
visitors. Only pageviews inside the period are seen.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlglot import exp

from .conditions import filter_condition
from .context import event_plan, site_context
from .dates import Period
from .request import Filter, QueryError, decode_body, parse_date_range, parse_filter
from .results import JourneyPath, JourneyResult
from .runner import Body, QueryRunner, Reader, register
from .sql import DIALECT, Parameters, Statement

DIRECTIONS = (("into", "lag"), ("out_of", "lead"))  # the answer's key, the window function
ENTRANCE, EXIT = "(entrance)", "(exit)"
MAX_DEPTH = 3


class JourneyBody(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str
    date_range: str | list[str]
    page: str
    depth: int = 2
    limit: int = 10
    filters: list[Any] = []


@dataclass(frozen=True, slots=True)
class JourneyQuery:
    site_id: str
    date_range: Any
    page: str
    depth: int
    limit: int
    filters: tuple[Filter, ...]


def parse_journey(body: Body) -> JourneyQuery:
    raw = decode_body(body, JourneyBody)
    if not raw.page.startswith("/"):
        raise QueryError("page", "a path starts with /")
    if not 1 <= raw.depth <= MAX_DEPTH:
        raise QueryError("depth", f"between 1 and {MAX_DEPTH} pages")
    if not 1 <= raw.limit <= 100:
        raise QueryError("limit", "between 1 and 100 paths")
    filters = tuple(parse_filter(f, f"filters[{i}]", 1) for i, f in enumerate(raw.filters))
    return JourneyQuery(
        raw.site_id, parse_date_range(raw.date_range), raw.page, raw.depth, raw.limit, filters
    )


@register
class JourneyRunner(QueryRunner[JourneyQuery, JourneyResult]):
    kind = "journey"

    def parse(self, body: Body) -> JourneyQuery:
        return parse_journey(body)

    def _compile(self, query: JourneyQuery, reader: Reader, now: datetime) -> tuple[Statement, ...]:
        """The paths into the page, then those out of it."""
        return self._planned(query, now)[0]

    def _run(self, query: JourneyQuery, reader: Reader, now: datetime) -> JourneyResult:
        statements, period = self._planned(query, now)
        into, out_of = (
            tuple(
                JourneyPath(
                    tuple(_path(row[: query.depth], query.page, direction)),
                    int(row[query.depth]),
                    int(row[query.depth + 1]),
                )
                for row in reader(statement.sql, statement.params)
            )
            for statement, (direction, _) in zip(statements, DIRECTIONS, strict=True)
        )
        return JourneyResult(
            query.page, (period.first.isoformat(), period.last.isoformat()), into, out_of
        )

    def _planned(
        self, journey: JourneyQuery, now: datetime
    ) -> tuple[tuple[Statement, ...], Period]:
        site = site_context(journey.site_id)
        plan = event_plan(site, journey.site_id, journey.date_range, journey.filters, now)
        period = plan.period
        statements = []
        for _, function in DIRECTIONS:
            params = Parameters()
            where = [
                exp.column("site").eq(params.add(site.domain)),
                exp.column("name").eq(exp.Literal.string("pageview")),
                exp.column("ts") >= params.add(period.start),
                exp.column("ts") < params.add(period.end),
                *(filter_condition(f, plan, params) for f in plan.filters),
            ]
            window = exp.Window(
                partition_by=[exp.column("session_id")],
                order=exp.Order(expressions=[exp.Ordered(this=exp.column("ts"))]),
            )
            steps = [
                exp.alias_(
                    exp.Window(
                        this=exp.func(function, exp.column("pathname"), exp.Literal.number(n)),
                        partition_by=window.args["partition_by"],
                        order=window.args["order"].copy(),
                    ),
                    f"p{n}",
                )
                for n in range(1, journey.depth + 1)
            ]
            views = (
                exp.select("session_id", "visitor_id", "pathname", *steps)
                .from_("events")
                .where(exp.and_(*where))
            )
            columns = [f"p{n}" for n in range(1, journey.depth + 1)]
            query = (
                exp.select(
                    *columns,
                    exp.alias_(
                        exp.func("count", exp.Distinct(expressions=[exp.column("session_id")])),
                        "visits",
                    ),
                    exp.alias_(
                        exp.func("count", exp.Distinct(expressions=[exp.column("visitor_id")])),
                        "visitors",
                    ),
                )
                .from_(exp.Subquery(this=views, alias="v"))
                .where(exp.column("pathname").eq(params.add(journey.page)))
                .group_by(*columns)
                .order_by(
                    exp.Ordered(this=exp.column("visits"), desc=True),
                    *(exp.Ordered(this=exp.column(c), nulls_first=True) for c in columns),
                )
                .limit(params.add(journey.limit))
            )
            statements.append(Statement(query.sql(dialect=DIALECT), params.values))
        return tuple(statements), period


def _path(steps: tuple[Any, ...], page: str, direction: str) -> list[str]:
    """The pages in the order they were seen, ending (into) or starting (out of) at ``page``."""
    path: list[str] = []
    for step in steps:
        if step is None:
            path.append(ENTRANCE if direction == "into" else EXIT)
            break
        path.append(str(step))
    if direction == "into":
        return [*reversed(path), page]
    return [page, *path]
