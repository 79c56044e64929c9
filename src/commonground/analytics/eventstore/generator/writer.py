"""The generator's writer: the traffic model's visits and events, in batches, bulk-loaded into
a DuckDB event store in time order, with their visits closed and days rolled up by the store."""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from .. import open_event_store
from ..base import EVENT_COLUMNS
from ..duckdb import DuckDBEventStore
from .traffic import (
    DEFAULT_PATHS,
    PLAN_PRICE,
    PURCHASE_KIND,
    IntArray,
    build_world,
    events_per_day,
    lookup_params,
    mean_events_per_visit,
    visits_then_events,
)

CHUNK_EVENTS = 1_000_000
GENERATOR_MEMORY_LIMIT = "2GB"  # DuckDB's share; it spills a busier range to disk
_US = 1_000_000

Progress = Callable[[int], None]


class StoreLockedError(RuntimeError):
    """Another process (usually the mover) holds the DuckDB file's write lock."""


# Strings are looked up in SQL from small integer codes: numpy only ever holds numbers.
# Only our own constants are formatted in; every value arrives as a bound parameter.
_INSERT_TEMPLATE = """
INSERT INTO events ({columns})
SELECT
    $site, make_timestamp(ts_us), $names[kind + 1], visitor_id, session_id, $site, pathname,
    CASE WHEN prev_path >= 0 THEN 'https://' || $site || $paths[prev_path + 1]
         ELSE $referrer_urls[referrer + 1] END,
    CASE WHEN campaign >= 0 THEN $campaign_sources[campaign + 1]
         ELSE $referrer_sources[referrer + 1] END,
    $referrer_channels[referrer + 1],
    $utm_sources[campaign + 2], $utm_mediums[campaign + 2], $utm_campaigns[campaign + 2],
    $search_terms[paid_term + 1], '', $click_ids[campaign + 2],
    $countries[place + 1], $regions[place + 1],
    $browsers[agent + 1], $browser_versions[agent + 1], $oses[agent + 1],
    $os_versions[agent + 1], $devices[agent + 1],
    CASE WHEN kind < 2 THEN MAP {{}}::MAP(VARCHAR, VARCHAR)
         WHEN $goal_keys[kind - 1] = 'path' THEN MAP([$goal_keys[kind - 1]], [pathname])
         ELSE MAP([$goal_keys[kind - 1]], [goal_value]) END,
    CASE WHEN kind = {purchase}
         THEN (CASE goal_value WHEN 'team' THEN {team} ELSE {business} END) END,
    CASE WHEN kind = {purchase} THEN 'EUR' ELSE '' END,
    kind <> 1,
    CASE WHEN kind = 1 THEN lcp END, CASE WHEN kind = 1 THEN inp END,
    CASE WHEN kind = 1 THEN cls END, CASE WHEN kind = 1 THEN ttfb END
FROM (
    SELECT *, $paths[path + 1] AS pathname,
        CASE WHEN kind >= 2
             THEN $goal_values[kind - 1][prop_value % len($goal_values[kind - 1]) + 1]
        END AS goal_value
    -- Sorted before the strings are made: a sort of numbers, not of whole event rows.
    FROM (SELECT * FROM generated_range ORDER BY ts_us, seq)
)
"""
# Only our own constants are put into the text; every value arrives as a bound parameter.
_INSERT_SQL = (
    _INSERT_TEMPLATE.replace("{columns}", ", ".join(EVENT_COLUMNS))
    .replace("{purchase}", str(PURCHASE_KIND))
    .replace("{team}", str(PLAN_PRICE["team"]))
    .replace("{business}", str(PLAN_PRICE["business"]))
    .replace("{{}}", "{}")
)


@dataclass(frozen=True, slots=True)
class _Batch:
    days: range  # the day range the batch's visits fall on
    events: int
    last_of_range: bool  # the range is complete once this batch is staged


def _batches(per_day: IntArray, chunk_events: int) -> list[_Batch]:
    """Consecutive days grouped into ranges of about ``chunk_events`` events (a busier day is
    a range of its own), each range cut into batches of at most ``chunk_events``."""
    found: list[_Batch] = []
    first = 0
    while first < len(per_day):
        last = first + 1
        total = int(per_day[first])
        while last < len(per_day) and total + int(per_day[last]) <= chunk_events:
            total += int(per_day[last])
            last += 1
        sizes = [min(chunk_events, total - done) for done in range(0, total, chunk_events)]
        found.extend(
            _Batch(range(first, last), size, index == len(sizes) - 1)
            for index, size in enumerate(sizes)
        )
        first = last
    return found


def generate_traffic(
    *,
    path: str | Path,
    site: str,
    events: int,
    days: int,
    end_day: date,
    seed: int = 1,
    paths: Sequence[str] = DEFAULT_PATHS,
    chunk_events: int = CHUNK_EVENTS,
    progress: Progress | None = None,
) -> int:
    """Write exactly ``events`` events of ``site`` over the ``days`` days ending on ``end_day``,
    in time order, and their visits.

    Deterministic for a given seed (and chunk size). Returns the number of events written.
    Raises :class:`StoreLockedError` when another process has the store open for writing.
    """
    if events < 0 or days < 1 or chunk_events < 1:
        raise ValueError("events must be >= 0, days and chunk_events >= 1")
    world = build_world(days=days, end_day=end_day, paths=paths or DEFAULT_PATHS, seed=seed)
    per_visit = mean_events_per_visit(seed, world)
    first_midnight = datetime.combine(world.first_day, datetime.min.time())  # naive: UTC
    first_us = (first_midnight - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    try:
        # It only ever works on the latest range, so what DuckDB would cache beyond that is
        # of no use: at 100M events it grew to 7 GB.
        opened = open_event_store(path=path, memory_limit=GENERATOR_MEMORY_LIMIT)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise StoreLockedError(str(error)) from error
        raise
    if not isinstance(opened, DuckDBEventStore):  # the bulk load is DuckDB's SQL
        opened.close()
        raise ValueError("the traffic generator writes into a DuckDB event store only")
    store = opened
    try:
        store.migrate()
        params = lookup_params(world, site)
        rng = np.random.default_rng([seed, 2])
        batches = _batches(events_per_day(world, events), chunk_events)
        with store.bulk_transaction() as con:
            con.execute(_STAGING_TABLE_SQL)
        numbered = 0

        def make_batch(batch: _Batch) -> dict[str, npt.NDArray[Any]]:
            nonlocal numbered
            want = batch.events
            columns = visits_then_events(rng, world, int(want / per_visit * 1.04) + 8, batch.days)
            while len(columns["kind"]) < want:  # rare: a small batch that came out short
                more = visits_then_events(rng, world, int(want / per_visit * 0.2) + 8, batch.days)
                columns = {k: np.concatenate([columns[k], more[k]]) for k in columns}
            # Cutting the batch mid-visit only shortens its last visit.
            made = {k: v[:want] for k, v in columns.items()}
            made["ts_us"] = first_us + (made.pop("ts_s") * _US).astype(np.int64)
            # Breaks ties in ts when the range is sorted, so a seed gives the same order too.
            made["seq"] = np.arange(numbered, numbered + want, dtype=np.int64)
            numbered += want
            return made

        written = 0
        # numpy builds the next batch while DuckDB (which releases the GIL) stores this one;
        # one worker keeps the random stream in order, so a seed still gives the same events.
        with ThreadPoolExecutor(max_workers=1) as builder:
            pending = builder.submit(make_batch, batches[0]) if batches else None
            for index, batch in enumerate(batches):
                assert pending is not None
                columns = pending.result()
                if index + 1 < len(batches):
                    pending = builder.submit(make_batch, batches[index + 1])
                _stage(store, columns)
                if batch.last_of_range:
                    _store_range(store, params, first_midnight, batch.days)
                written += batch.events
                if progress is not None:
                    progress(batch.events)
        return written
    finally:
        store.close()


# A day range's events, staged until the range is complete. Declared, not created from a
# batch's columns: in DuckDB 2.0.0 a table made by CREATE TABLE AS and filled with over one
# row group in the same transaction reads back empty after the commit.
_STAGING_TABLE_SQL = """
CREATE OR REPLACE TEMP TABLE generated_range (
    ts_us BIGINT, seq BIGINT, kind BIGINT, visitor_id BIGINT, session_id BIGINT, path BIGINT,
    prev_path BIGINT, referrer BIGINT, campaign BIGINT, paid_term BIGINT, agent BIGINT,
    place BIGINT, prop_value BIGINT, lcp DOUBLE, inp DOUBLE, cls DOUBLE, ttfb DOUBLE
)
"""


def _stage(store: DuckDBEventStore, columns: dict[str, npt.NDArray[Any]]) -> None:
    """Add a batch to the range being built; whole numpy columns, not Event objects (~50x)."""
    with store.bulk_transaction() as con:
        con.register("generated_events", columns)
        con.execute("INSERT INTO generated_range BY NAME SELECT * FROM generated_events")
        con.unregister("generated_events")


def _store_range(
    store: DuckDBEventStore, params: dict[str, Any], first_midnight: datetime, days: range
) -> None:
    """Move a complete day range into the events in time order, then store its visits.

    Ranges follow one another in time, so the whole table ends up in time order as real
    ingest leaves it (zone maps prune date ranges), while only one range is ever sorted.
    """
    with store.bulk_transaction() as con:
        con.execute(_INSERT_SQL, params)
        # Made anew rather than emptied: DuckDB does not give a temporary table's deleted
        # rows' memory back.
        con.execute(_STAGING_TABLE_SQL)
    # Every visit lies within its day, so the range's visits are complete.
    store.close_visits(
        since=first_midnight + timedelta(days=days.start),
        through=first_midnight + timedelta(days=days.stop),
    )
