"""Per-key request limits for the Stats API: a burst limit per second and a limit per hour.

Counts live in the relational database, one row per key and period, raised by a single
``INSERT ... ON CONFLICT DO UPDATE`` that also starts a new window when the stored one has
passed. The statement is atomic on SQLite and PostgreSQL, so the limits hold exactly with any
number of server processes. (The default cache is a file cache, whose ``incr`` is a read and
a write and loses counts under concurrency.) One statement per period per request is little
next to the query the request runs.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from ..models import StatsApiRateWindow

DEFAULT_PER_HOUR = 600
DEFAULT_BURST_PER_SECOND = 10


@dataclass(frozen=True)
class Limit:
    period_seconds: int
    requests: int

    def window_start(self, now: float) -> int:
        return int(now // self.period_seconds) * self.period_seconds


def limits() -> tuple[Limit, Limit]:
    """Burst first: a refused burst then costs nothing of the hour's allowance."""
    return (
        Limit(1, getattr(settings, "STATS_API_BURST_PER_SECOND", DEFAULT_BURST_PER_SECOND)),
        Limit(3600, getattr(settings, "STATS_API_RATE_LIMIT_PER_HOUR", DEFAULT_PER_HOUR)),
    )


def _count_request(key_id: int, limit: Limit, window_start: int) -> int:
    """This request's number within the key's current window of ``limit``'s period."""
    table = connection.ops.quote_name(StatsApiRateWindow._meta.db_table)
    sql = (
        f"INSERT INTO {table} (key_id, period_seconds, window_start, count) "  # noqa: S608
        "VALUES (%s, %s, %s, 1) "
        "ON CONFLICT (key_id, period_seconds) DO UPDATE SET "
        f"count = CASE WHEN {table}.window_start = excluded.window_start "
        f"THEN {table}.count + 1 ELSE 1 END, "
        "window_start = excluded.window_start "
        "RETURNING count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_id, limit.period_seconds, window_start])
        (count,) = cursor.fetchone()
    return int(count)


def retry_after(key_id: int, *, now: float | None = None) -> int:
    """0 if the key may make this request (which is counted); else seconds to wait."""
    now = time.time() if now is None else now
    for limit in limits():
        if limit.requests <= 0:
            continue
        start = limit.window_start(now)
        if _count_request(key_id, limit, start) > limit.requests:
            return max(1, math.ceil(start + limit.period_seconds - now))
    return 0
