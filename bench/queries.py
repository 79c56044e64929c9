"""Dashboard query latency at 1M, 10M and 100M generated events, next to raw DuckDB.

For each scale: generated traffic (90 days, time-ordered) in a DuckDB file kept under
bench/results/ (made once, reused), left as the mover leaves a store at 15:00 UTC on the last
day: today's events up to now, visits closed through 35 minutes ago (the later ones open, in
visits_all), every earlier day rolled up, today not. Then every query the dashboard's default
view sends (dashboard.js: "30d" including today, the first tab of every panel, the graph and
its previous period, the speed summary, the property keys, realtime), each answered by the
query layer exactly as the dashboard asks it (approximate visitors, whole days from the
daily rollups, the rest raw) and, as the engine's ceiling, by a hand-written DuckDB query for
the same answer straight on the event and visit tables (visitors estimated with HyperLogLog,
as the dashboard's are). Median of 5 runs each, after one warm-up run. Then each query once
more as the dashboard sends it after a click on a source (a filter, so no rollup answers it),
next to its unfiltered time.

    .venv/bin/python bench/queries.py                # 1M and 10M
    .venv/bin/python bench/queries.py --scales 1M 10M 100M
"""

# ruff: noqa: S608  (the raw queries are constants; every value is a bound parameter)

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
# Its own data directory: the bench's site and goals stay out of the developer's database.
os.environ.setdefault("COMMONGROUND_DATA_DIR", str(RESULTS / "queries-data"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from commonground.analytics.eventstore.duckdb import DuckDBEventStore, pinned_read  # noqa: E402
from commonground.analytics.eventstore.generator import generate_traffic  # noqa: E402
from commonground.analytics.models import Goal, TrackedSite  # noqa: E402
from commonground.analytics.queries import (  # noqa: E402
    PropertyKeysQuery,
    PropertyKeysRunner,
    QueryRunner,
    Reader,
    StatsRunner,
    parse_query,
)

SITE = "bench.example"
SCALES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
TODAY = date(2026, 11, 22)  # the generated history's last day
NOW = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=15)
CLOSED_THROUGH = NOW - timedelta(minutes=35)  # as the mover leaves it (docs/architecture.md)
FIRST = TODAY - timedelta(days=29)  # "30d": the 30 days ending today
PREVIOUS_FIRST, PREVIOUS_LAST = FIRST - timedelta(days=30), FIRST - timedelta(days=1)
GOALS = ["Signup", "Purchase", "File Download", "Outbound Link: Click", "Form: Submission"]
SPEED = ["lcp_p75", "inp_p75", "cls_p75", "ttfb_p75"]
ROWS = 10  # dashboard.js ROWS_SHOWN


def _tab(dimension: str, metrics: list[str], **extra: Any) -> dict[str, Any]:
    """A breakdown tab's query as dashboard.js's tabQuery builds it."""
    return {
        "metrics": metrics,
        "dimensions": [dimension],
        "order_by": extra.pop("order_by", [[metrics[0], "desc"]]),
        "pagination": {"limit": ROWS, "offset": 0},
        "include": {"total_rows": True},
        **extra,
    }


_KPIS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]
# The default view's queries (dashboard.js), in the order the page sends them. The properties
# panel's breakdown is by the first key the property-keys query returns ({key}).
PANELS: dict[str, dict[str, Any]] = {
    "kpis": {"metrics": _KPIS, "include": {"comparison": "previous_period"}},
    "graph": {
        "metrics": ["visitors"],
        "dimensions": ["time:day"],
        "include": {"time_labels": True},
    },
    "graph (previous)": {
        "date_range": [PREVIOUS_FIRST.isoformat(), PREVIOUS_LAST.isoformat()],
        "metrics": ["visitors"],
        "dimensions": ["time:day"],
        "include": {"time_labels": True},
    },
    "sources": _tab("visit:source", ["visitors", "bounce_rate"]),
    "campaigns": _tab(
        "visit:utm_campaign",
        ["visitors", "bounce_rate"],
        filters=[["is_not", "visit:utm_campaign", [""]]],
    ),
    "pages": _tab("event:page", ["visitors", "pageviews"]),
    "locations": _tab("visit:country", ["visitors"]),
    "devices": _tab("visit:device", ["visitors"]),
    "goals": _tab("event:goal", ["visitors", "events", "conversion_rate"]),
    "property keys": {},  # PropertyKeysRunner, not a stats query
    "properties": _tab(
        "event:props:{key}",
        ["visitors", "events"],
        filters=[["is_not", "event:props:{key}", ["(none)"]]],
    ),
    "speed by page": _tab("event:page", ["pageviews", *SPEED], order_by=[["pageviews", "desc"]]),
    "speed summary": {"metrics": SPEED},
    "realtime": {"date_range": "realtime", "metrics": ["visitors"]},
    "realtime pages": {
        "date_range": "realtime",
        "metrics": ["visitors", "pageviews"],
        "dimensions": ["event:page"],
        "order_by": [["visitors", "desc"]],
        "pagination": {"limit": 5, "offset": 0},
    },
}


@dataclass(frozen=True)
class Raw:
    """A hand-written query: its SQL over ``table``, in the period or the previous one."""

    select: str
    table: str
    tail: str = ""
    previous: bool = False
    realtime: bool = False

    def sql(self) -> str:
        column = "ts" if self.table == "events" else "started_at"
        start, end = ("$p_start", "$p_end") if self.previous else ("$start", "$end")
        if self.realtime:
            start, end = "$rt_start", "$rt_end"
        return (
            f"SELECT {self.select} FROM {self.table} "
            f"WHERE site = $site AND {column} >= {start} AND {column} < {end}{self.tail}"
        )


_HLL = "approx_count_distinct(visitor_id)"
_KPI_SQL = f"{_HLL}, count(*), sum(pageviews), sum(is_bounce::INT), sum(duration_s)"
_DAYS = f"date_trunc('day', started_at) d, {_HLL}"


def _breakdown(group: str, metrics: str, table: str, where: str = "") -> Raw:
    return Raw(
        f"{group} g, {metrics}, count(*) OVER () total_rows",
        table,
        f"{where} GROUP BY 1 ORDER BY 2 DESC LIMIT {ROWS}",
    )


_SPEED_SQL = (
    "quantile_cont(lcp_ms, 0.75), quantile_cont(inp_ms, 0.75), "
    "quantile_cont(cls, 0.75), quantile_cont(ttfb_ms, 0.75)"
)
# The same answers, hand-written for DuckDB: the engine's ceiling.
RAW: dict[str, list[Raw]] = {
    "kpis": [Raw(_KPI_SQL, "visits_all"), Raw(_KPI_SQL, "visits_all", previous=True)],
    "graph": [Raw(_DAYS, "visits_all", " GROUP BY 1 ORDER BY 1")],
    "graph (previous)": [Raw(_DAYS, "visits_all", " GROUP BY 1 ORDER BY 1", previous=True)],
    "sources": [_breakdown("referrer_source", f"{_HLL}, avg(is_bounce::INT)", "visits_all")],
    "campaigns": [
        _breakdown(
            "utm_campaign", f"{_HLL}, avg(is_bounce::INT)", "visits_all", " AND utm_campaign <> ''"
        )
    ],
    "pages": [_breakdown("pathname", f"{_HLL}, count(*)", "events", " AND name = 'pageview'")],
    "locations": [_breakdown("country", _HLL, "visits_all")],
    "devices": [_breakdown("device", _HLL, "visits_all")],
    "goals": [
        _breakdown("name", f"{_HLL}, count(*)", "events", " AND list_contains($goals, name)"),
        Raw(_HLL, "events"),  # the conversion rate's divisor
    ],
    "property keys": [
        Raw("unnest(map_keys(props)) k", "events", " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 50")
    ],
    "properties": [
        _breakdown("props[$key]", f"{_HLL}, count(*)", "events", " AND props[$key] IS NOT NULL")
    ],
    "speed by page": [
        Raw(
            f"pathname, count(*) FILTER (WHERE name = 'pageview') v, {_SPEED_SQL}, "
            "count(*) OVER () total_rows",
            "events",
            f" GROUP BY 1 ORDER BY 2 DESC LIMIT {ROWS}",
        )
    ],
    "speed summary": [Raw(_SPEED_SQL, "events")],
    "realtime": [Raw("count(DISTINCT visitor_id)", "events", realtime=True)],
    "realtime pages": [
        Raw(
            "pathname, count(DISTINCT visitor_id) v, count(*) FILTER (WHERE name = 'pageview')",
            "events",
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
            realtime=True,
        )
    ],
}


def _median_ms(action: Callable[[], Any], runs: int) -> float:
    action()  # warm: the first read of a cold file is the disk's figure, not the engine's
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _as_of_now(path: Path) -> None:
    """Leave the generated store as the mover would at NOW: nothing after now, visits
    closed through CLOSED_THROUGH (the rest open), today not rolled up."""
    naive_now, cutoff = NOW.replace(tzinfo=None), CLOSED_THROUGH.replace(tzinfo=None)
    with duckdb.connect(str(path)) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM events WHERE ts >= ?", [naive_now])
        con.execute("DELETE FROM visits WHERE ended_at >= ?", [cutoff])
        con.execute("UPDATE visit_state SET closed_through = ?", [cutoff])
        for table in ("daily_visits", "daily_events", "rolled_days"):
            con.execute(f"DELETE FROM {table} WHERE day >= ?", [TODAY])
        con.execute("COMMIT")
        con.execute("CHECKPOINT")


def _store(scale: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"queries-{scale}.duckdb"
    if path.exists():
        store = DuckDBEventStore(path)  # a store of an older schema is migrated, as in use
        store.migrate()
        store.close()
        with duckdb.connect(str(path), read_only=True) as con:
            [(closed,)] = con.execute("SELECT closed_through FROM visit_state").fetchall()
            [(latest,)] = con.execute("SELECT max(ts) FROM events").fetchall()
        if latest is not None and latest.date() == TODAY:
            if closed != CLOSED_THROUGH.replace(tzinfo=None):
                _as_of_now(path)  # generated by an earlier version of this bench
            return path
        path.unlink()
    print(f"generating {scale} events into {path} (once) ...", flush=True)
    started = time.perf_counter()
    generate_traffic(path=path, site=SITE, events=SCALES[scale], days=90, end_day=TODAY)
    _as_of_now(path)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def _site() -> None:
    site, _ = TrackedSite.objects.get_or_create(domain=SITE, defaults={"name": "Bench"})
    for name in GOALS:
        Goal.objects.get_or_create(
            site=site, display_name=name, defaults={"kind": Goal.Kind.EVENT, "event_name": name}
        )


def _raw_params(key: str) -> dict[str, Any]:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time())

    naive_now = NOW.replace(tzinfo=None)
    return {
        "site": SITE,
        "start": midnight(FIRST),
        "end": midnight(TODAY + timedelta(days=1)),
        "p_start": midnight(PREVIOUS_FIRST),
        "p_end": midnight(PREVIOUS_LAST + timedelta(days=1)),
        "rt_start": naive_now - timedelta(minutes=5),
        "rt_end": naive_now + timedelta(seconds=1),
        "goals": GOALS,
        "key": key,
    }


def _with_key(body: dict[str, Any], key: str) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{key}", key)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    filled: dict[str, Any] = fill(body)
    return filled


# What the dashboard adds to every query after a click on a source (no rollup holds it).
CLICKED = ["is", "visit:source", ["Google"]]


def _answer(runner: QueryRunner[Any, Any], query: object, reader: Reader) -> object:
    """The answer as the dashboard's endpoint sends it (the JSON-ready data)."""
    return runner.run(query, reader=reader, now=NOW).as_json()


def bench_scale(scale: str, runs: int) -> tuple[int, list[tuple[str, float, float, float]]]:
    path = _store(scale)
    store = DuckDBEventStore(path, read_only=True)
    [(events,)] = store.query("SELECT count(*) FROM events")
    # The reader the query layer gets: the store's pinned read, as the mover's service does.
    reader = store.query
    property_keys = PropertyKeysQuery(SITE, "30d")
    [key, *_] = PropertyKeysRunner().run(property_keys, reader=reader, now=NOW).keys
    params = _raw_params(key)
    raw_con = store.cursor()
    rows = []
    for name, panel in PANELS.items():
        engine: Callable[[], Any]
        filtered: Callable[[], Any]
        if name == "property keys":  # its endpoint takes no filters
            engine = filtered = partial(_answer, PropertyKeysRunner(), property_keys, reader)
        else:
            body = _with_key({"site_id": SITE, "date_range": "30d", **panel}, key)
            clicked = {**body, "filters": [*body.get("filters", []), CLICKED]}
            engine, filtered = (
                partial(_answer, StatsRunner(approximate=True), parse_query(b), reader)
                for b in (body, clicked)
            )

        def raw(name: str = name) -> None:
            for part in RAW[name]:
                sql = part.sql()
                with pinned_read(raw_con, sql):  # visits_all's cutoff, as every read pins it
                    raw_con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
                    raw_con.fetchall()

        rows.append(
            (name, _median_ms(engine, runs), _median_ms(raw, runs), _median_ms(filtered, runs))
        )
    raw_con.close()
    store.close()
    return events, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["1M", "10M"], choices=list(SCALES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _site()
    for scale in args.scales:
        events, rows = bench_scale(scale, args.runs)
        print(
            f"\n{scale} ({events:,} events up to {NOW:%Y-%m-%d %H:%M} UTC), the default view "
            f"(30d with comparison), median of {args.runs} (ms)"
        )
        print(
            f"{'query':<17} {'query layer':>12} {'raw DuckDB':>11} {'ratio':>6}"
            f" {'source filter':>14} {'vs unfiltered':>14}"
        )
        for name, engine, raw, filtered in rows:
            print(
                f"{name:<17} {engine:>12.1f} {raw:>11.1f} {engine / raw:>6.2f}"
                f" {filtered:>14.1f} {filtered / engine:>14.2f}"
            )
        total_engine = sum(r[1] for r in rows)
        total_raw = sum(r[2] for r in rows)
        total_filtered = sum(r[3] for r in rows)
        print(
            f"{'whole dashboard':<17} {total_engine:>12.1f} {total_raw:>11.1f} "
            f"{total_engine / total_raw:>6.2f} {total_filtered:>14.1f}"
            f" {total_filtered / total_engine:>14.2f}"
        )
        worst = max(rows, key=lambda r: r[1] / r[2])
        print(f"highest ratio: {worst[0]} at {worst[1] / worst[2]:.2f}x its raw ceiling")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
