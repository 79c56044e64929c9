"""Benchmark: the traffic generator against DuckDB's own insert ceiling for the events table."""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

# The generator opens the store the settings configure (their backend, at the path given here).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.generator import generate_traffic

# The same rows with constant values: what the engine costs before any realism.
_CEILING_SQL = """
INSERT INTO events SELECT 'example.org', TIMESTAMP '2025-01-01' + to_microseconds(i),
    'pageview', i, i, 'example.org', '/', '', '', 'direct', '', '', '', '', '', '', 'NL', 'NL-NH',
    'Chrome', '131.0', 'Windows', '10', 'desktop', MAP {}::MAP(VARCHAR, VARCHAR), NULL, '', true,
    NULL, NULL, NULL, NULL
FROM range(?) t(i)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        generate_traffic(
            path=Path(tmp) / "generated.duckdb",
            site="example.org",
            events=args.events,
            days=args.days,
            end_day=date(2025, 6, 30),
        )
        generated = time.perf_counter() - started

        store = DuckDBEventStore(Path(tmp) / "ceiling.duckdb")
        store.migrate()
        store.close()
        con = duckdb.connect(str(Path(tmp) / "ceiling.duckdb"), config={"threads": 2})
        started = time.perf_counter()
        con.execute(_CEILING_SQL, [args.events])
        ceiling = time.perf_counter() - started
        con.close()
    print(
        f"generator: {args.events:,} events in {generated:.1f} s = {args.events / generated:,.0f}/s"
    )
    rate = args.events / ceiling
    print(f"ceiling  : {args.events:,} constant rows in {ceiling:.1f} s = {rate:,.0f}/s")
    print(f"realism overhead: {generated / ceiling:.2f}x the engine's own insert time")
    sys.exit(0)


if __name__ == "__main__":
    main()
