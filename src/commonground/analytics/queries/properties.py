"""Which custom-property keys a site's events carry in a period, most used first.

The stats vocabulary breaks down by ``event:props:<key>`` but cannot list the keys; the
properties panel asks this first. Built as a SQLGlot tree like every other insight.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlglot import exp

from .context import site_context
from .dates import resolve
from .request import QueryError, decode_body, parse_date_range
from .results import PropertyKeys
from .runner import Body, QueryRunner, Reader, register
from .sql import DIALECT, Parameters, Statement

MAX_PROPERTY_KEYS = 50


class PropertyKeysBody(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str
    date_range: str | list[str]
    limit: int = MAX_PROPERTY_KEYS


@dataclass(frozen=True, slots=True)
class PropertyKeysQuery:
    site_id: str
    date_range: str | tuple[date, date]
    limit: int = MAX_PROPERTY_KEYS


def parse_property_keys(body: Body) -> PropertyKeysQuery:
    raw = decode_body(body, PropertyKeysBody)
    if not 1 <= raw.limit <= MAX_PROPERTY_KEYS:
        raise QueryError("limit", f"between 1 and {MAX_PROPERTY_KEYS} keys")
    return PropertyKeysQuery(raw.site_id, parse_date_range(raw.date_range), raw.limit)


@register
class PropertyKeysRunner(QueryRunner[PropertyKeysQuery, PropertyKeys]):
    kind = "property_keys"

    def parse(self, body: Body) -> PropertyKeysQuery:
        return parse_property_keys(body)

    def _compile(
        self, query: PropertyKeysQuery, reader: Reader, now: datetime
    ) -> tuple[Statement, ...]:
        site = site_context(query.site_id)
        period = resolve(query.date_range, site.zone, now=now)
        params = Parameters()
        keys = (
            exp.select(exp.alias_(exp.Explode(this=exp.MapKeys(this=exp.column("props"))), "key"))
            .from_("events")
            .where(
                exp.and_(
                    exp.column("site").eq(params.add(site.domain)),
                    exp.column("ts") >= params.add(period.start),
                    exp.column("ts") < params.add(period.end),
                )
            )
        )
        uses: Any = exp.func("count", exp.Star())
        query_sql = (
            exp.select("key")
            .from_(exp.Subquery(this=keys, alias="k"))
            .group_by("key")
            .order_by(exp.Ordered(this=uses, desc=True), "key")
            .limit(params.add(query.limit))
        )
        return (Statement(query_sql.sql(dialect=DIALECT), params.values),)

    def _run(self, query: PropertyKeysQuery, reader: Reader, now: datetime) -> PropertyKeys:
        [statement] = self._compile(query, reader, now)
        return PropertyKeys(tuple(str(key) for (key,) in reader(statement.sql, statement.params)))
