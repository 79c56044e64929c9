"""Which custom-property keys a site's events carry in a period, most used first.

The stats vocabulary breaks down by ``event:props:<key>`` but cannot list the keys; the
properties panel asks this first. Built as a SQLGlot tree like every other insight.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlglot import exp

from .compiler import DIALECT, Parameters
from .dates import resolve
from .stats import Reader, site_context

MAX_PROPERTY_KEYS = 50


def run_property_keys(
    site_id: str,
    date_range: str | tuple[date, date],
    *,
    reader: Reader,
    limit: int = MAX_PROPERTY_KEYS,
    now: datetime | None = None,
) -> list[str]:
    site = site_context(site_id)
    period = resolve(date_range, site.zone, now=now or datetime.now(UTC))
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
    query = (
        exp.select("key")
        .from_(exp.Subquery(this=keys, alias="k"))
        .group_by("key")
        .order_by(exp.Ordered(this=uses, desc=True), "key")
        .limit(params.add(limit))
    )
    return [str(key) for (key,) in reader(query.sql(dialect=DIALECT), params.values)]
