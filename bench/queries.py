"""Dashboard query latency at 1M, 10M and 100M generated events, next to raw DuckDB.

For each scale: generated traffic (90 days, time-ordered, visits closed) in a DuckDB file
kept under bench/results/ (made once, reused), then every query of the dashboard's default
view (30 days ending yesterday, with the previous period for comparison), each answered by
the query layer exactly as the dashboard asks it (whole days from the daily rollups, the
rest raw with estimated visitors) and, as the engine's ceiling, by hand-written DuckDB
queries for the same breakdown straight on the visit and event tables (visitors estimated
with HyperLogLog). Median of 5 runs each.

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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
# Its own data directory: the bench's site and goals stay out of the developer's database.
os.environ.setdefault("COMMONGROUND_DATA_DIR", str(RESULTS / "queries-data"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from commonground.analytics.eventstore.duckdb import MIGRATIONS  # noqa: E402
from commonground.analytics.generator import generate_traffic  # noqa: E402
from commonground.analytics.models import Goal, TrackedSite  # noqa: E402
from commonground.analytics.queries import parse_query  # noqa: E402
from commonground.analytics.queries.stats import run_stats  # noqa: E402

SITE = "bench.example"
SCALES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
END_DAY = date(2026, 11, 22)
NOW = datetime.combine(END_DAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=1)
FIRST, LAST = END_DAY - timedelta(days=29), END_DAY
PREVIOUS_FIRST, PREVIOUS_LAST = FIRST - timedelta(days=30), FIRST - timedelta(days=1)
GOALS = ["Signup", "Purchase", "File Download", "Outbound Link: Click", "Form: Submission"]

# The dashboard's default view (dashboard.js): the first tab of every card.
PANELS: dict[str, dict[str, Any]] = {
    "kpis": {
        "metrics": [
            "visitors",
            "visits",
            "pageviews",
            "views_per_visit",
            "bounce_rate",
            "visit_duration",
        ],
        "include": {"comparison": "previous_period"},
    },
    "graph": {
        "metrics": ["visitors"],
        "dimensions": ["time:day"],
        "include": {"comparison": "previous_period", "time_labels": True},
    },
    "sources": {
        "metrics": ["visitors", "bounce_rate"],
        "dimensions": ["visit:source"],
        "pagination": {"limit": 9},
    },
    "pages": {
        "metrics": ["visitors", "pageviews"],
        "dimensions": ["event:page"],
        "pagination": {"limit": 9},
    },
    "countries": {
        "metrics": ["visitors"],
        "dimensions": ["visit:country"],
        "pagination": {"limit": 9},
    },
    "devices": {
        "metrics": ["visitors"],
        "dimensions": ["visit:device"],
        "pagination": {"limit": 9},
    },
    "goals": {"metrics": ["visitors", "events", "conversion_rate"], "dimensions": ["event:goal"]},
    "page_speed": {"metrics": ["lcp_p75", "inp_p75", "cls_p75", "ttfb_p75"]},
}

_TOP = " GROUP BY 1 ORDER BY v DESC LIMIT 9"


def _sql(select: str, table: str, tail: str = "", *, previous: bool = False) -> str:
    """A hand-written query over the period (or the previous one), straight on the tables."""
    column = "ts" if table == "events" else "started_at"
    window = f"site = $site AND {column} >= $start AND {column} < $end"
    if previous:
        window = window.replace("$", "$p_")
    return f"SELECT {select} FROM {table} WHERE {window}{tail}"


_KPIS = (
    "approx_count_distinct(visitor_id), count(*), sum(pageviews), sum(pageviews) / count(*), "
    "avg(is_bounce::INT), avg(duration_s)"
)
_DAYS = "date_trunc('day', started_at + to_seconds($offset)) d, approx_count_distinct(visitor_id)"
_BY_DAY = " GROUP BY 1 ORDER BY 1"
# The same answers, hand-written for DuckDB: the engine's ceiling.
RAW: dict[str, list[str]] = {
    "kpis": [_sql(_KPIS, "visits_all"), _sql(_KPIS, "visits_all", previous=True)],
    "graph": [
        _sql(_DAYS, "visits_all", _BY_DAY),
        _sql(_DAYS, "visits_all", _BY_DAY, previous=True),
    ],
    "sources": [
        _sql(
            "referrer_source, approx_count_distinct(visitor_id) v, avg(is_bounce::INT)",
            "visits_all",
            _TOP,
        )
    ],
    "pages": [
        _sql(
            "pathname, approx_count_distinct(visitor_id) v, count(*)",
            "events",
            " AND name = 'pageview'" + _TOP,
        )
    ],
    "countries": [_sql("country, approx_count_distinct(visitor_id) v", "visits_all", _TOP)],
    "devices": [_sql("device, approx_count_distinct(visitor_id) v", "visits_all", _TOP)],
    "goals": [
        _sql(
            "name, approx_count_distinct(visitor_id), count(*)",
            "events",
            " AND list_contains($goals, name) GROUP BY 1",
        ),
        _sql("approx_count_distinct(visitor_id)", "events"),
    ],
    "page_speed": [
        _sql(
            "quantile_cont(lcp_ms, 0.75), quantile_cont(inp_ms, 0.75), "
            "quantile_cont(cls, 0.75), quantile_cont(ttfb_ms, 0.75)",
            "events",
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


def _store(scale: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"queries-{scale}.duckdb"
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as con:
            events = con.execute("SELECT count(*) FROM events").fetchone()
            version = con.execute("SELECT max(version) FROM schema_versions").fetchone()
        if events == (SCALES[scale],) and version == (len(MIGRATIONS),):
            return path
        path.unlink()
    print(f"generating {scale} events into {path} (once) ...", flush=True)
    started = time.perf_counter()
    generate_traffic(path=path, site=SITE, events=SCALES[scale], days=90, end_day=END_DAY)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def _site() -> None:
    site, _ = TrackedSite.objects.get_or_create(domain=SITE, defaults={"name": "Bench"})
    for name in GOALS:
        Goal.objects.get_or_create(
            site=site, display_name=name, defaults={"kind": Goal.Kind.EVENT, "event_name": name}
        )


def _raw_params() -> dict[str, Any]:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time())

    return {
        "site": SITE,
        "start": midnight(FIRST),
        "end": midnight(LAST + timedelta(days=1)),
        "p_site": SITE,
        "p_start": midnight(PREVIOUS_FIRST),
        "p_end": midnight(PREVIOUS_LAST + timedelta(days=1)),
        "offset": 0,
        "goals": GOALS,
    }


def bench_scale(scale: str, runs: int) -> list[tuple[str, float, float]]:
    path = _store(scale)
    con = duckdb.connect(str(path), read_only=True)

    def reader(sql: str, params: Any) -> list[tuple[Any, ...]]:
        return con.execute(sql, list(params)).fetchall()

    params = _raw_params()
    rows = []
    for name, body in PANELS.items():
        query = parse_query(
            {"site_id": SITE, "date_range": [FIRST.isoformat(), LAST.isoformat()], **body}
        )

        def engine(query: Any = query) -> Any:
            return run_stats(query, reader=reader, approximate=True, now=NOW)

        def raw(name: str = name) -> None:
            for sql in RAW[name]:
                used = {k: v for k, v in params.items() if f"${k}" in sql}
                con.execute(sql, used).fetchall()

        rows.append((name, _median_ms(engine, runs), _median_ms(raw, runs)))
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["1M", "10M"], choices=list(SCALES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _site()
    for scale in args.scales:
        rows = bench_scale(scale, args.runs)
        print(f"\n{scale} events, 30 days + previous 30, median of {args.runs} (ms)")
        print(f"{'panel':<12} {'query layer':>12} {'raw DuckDB':>11} {'ratio':>6}")
        for name, engine, raw in rows:
            print(f"{name:<12} {engine:>12.1f} {raw:>11.1f} {engine / raw:>6.2f}")
        total_engine = sum(r[1] for r in rows)
        total_raw = sum(r[2] for r in rows)
        print(
            f"{'dashboard':<12} {total_engine:>12.1f} {total_raw:>11.1f} "
            f"{total_engine / total_raw:>6.2f}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
