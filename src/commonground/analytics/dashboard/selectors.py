"""Reads the dashboard needs that the stats query vocabulary has no words for."""

from datetime import date, datetime, time, timedelta

from ..eventstore import get_query_client
from ..models import TrackedSite

MAX_PROPERTY_KEYS = 50

# Which custom-property keys exist is not a breakdown the Stats API v2 vocabulary can ask
# ("event:props:<key>" needs the key first), so the properties panel asks the store itself.
# DuckDB's dialect: this moves into the query layer when it learns ClickHouse.
_PROPERTY_KEYS_SQL = """
SELECT key, count(*) AS uses
FROM (SELECT unnest(map_keys(props)) AS key FROM events WHERE site = ? AND ts >= ? AND ts < ?)
GROUP BY key
ORDER BY uses DESC, key
LIMIT ?
"""


def property_keys(*, site: TrackedSite, first: date, last: date) -> list[str]:
    """The custom-property keys sent for ``site`` in the range, most used first.

    The store keeps UTC times; a day either side covers every time zone, and a key seen
    just outside the range costs nothing more than an empty table.
    """
    start = datetime.combine(first - timedelta(days=1), time.min)
    end = datetime.combine(last + timedelta(days=2), time.min)
    rows = get_query_client().query(
        _PROPERTY_KEYS_SQL, [site.domain, start, end, MAX_PROPERTY_KEYS]
    )
    return [str(key) for key, _ in rows]
