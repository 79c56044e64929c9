"""Visits: closed ones stored by close_visits, open ones computed by the visits_all view, both
equal to a plain computation from the events; written by the mover and the generator."""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command

from commonground.analytics.eventstore import Event, get_event_store
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.generator import generate_traffic
from commonground.analytics.eventstore.mover import VisitTracker, close_finished_visits, move_once
from commonground.analytics.ingest.spool import SpoolWriter

T0 = datetime(2026, 11, 20, 10, 0)  # naive: UTC, as the store gives it back
CLOSED_THROUGH = T0 + timedelta(hours=1)
VISIT_COLUMNS = (
    "site", "session_id", "visitor_id", "started_at", "ended_at", "hostname", "entry_page",
    "exit_page", "pageviews", "events", "is_bounce", "duration_s", "referrer",
    "referrer_source", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
    "utm_content", "click_id", "country", "region", "device", "browser", "browser_version",
    "os", "os_version",
)  # fmt: skip
FIRST_EVENT_COLUMNS = VISIT_COLUMNS[VISIT_COLUMNS.index("referrer") :]


def expected_visits(events: Sequence[Event]) -> dict[tuple[str, int], dict[str, Any]]:
    """Visits computed the plain way from ``events``, given in the order they were stored."""
    by_visit: dict[tuple[str, int], list[tuple[datetime, int, Event]]] = {}
    for stored_as, event in enumerate(events):
        by_visit.setdefault((event.site, event.session_id), []).append((event.ts, stored_as, event))
    visits = {}
    for key, members in by_visit.items():
        ordered = [event for _, _, event in sorted(members, key=lambda m: (m[0], m[1]))]
        first, last = ordered[0], ordered[-1]
        pageviews = [event for event in ordered if event.name == "pageview"]
        visit = {
            "site": first.site,
            "session_id": first.session_id,
            "visitor_id": first.visitor_id,
            "started_at": first.ts,
            "ended_at": last.ts,
            "hostname": first.hostname,
            "entry_page": (pageviews[0] if pageviews else first).pathname,
            "exit_page": (pageviews[-1] if pageviews else last).pathname,
            "pageviews": len(pageviews),
            "events": len(ordered),
            "is_bounce": len(pageviews) <= 1
            and not any(e.interactive and e.name != "pageview" for e in ordered),
            "duration_s": (last.ts - first.ts).total_seconds(),
        }
        visit.update({column: getattr(first, column) for column in FIRST_EVENT_COLUMNS})
        visits[key] = visit
    return visits


def stored_visits(store: DuckDBEventStore, table: str) -> dict[tuple[str, int], dict[str, Any]]:
    rows = store.query(f"SELECT {', '.join(VISIT_COLUMNS)} FROM {table}")  # noqa: S608
    found = {(row[0], row[1]): dict(zip(VISIT_COLUMNS, row, strict=True)) for row in rows}
    assert len(found) == len(rows), f"a visit appears twice in {table}"
    return found


def event(minute: float, session: int, **changes: Any) -> Event:
    values: dict[str, Any] = {
        "site": "example.com",
        "ts": T0 + timedelta(minutes=minute),
        "name": "pageview",
        "visitor_id": 100 + session,
        "session_id": session,
        "hostname": "example.com",
        "pathname": f"/s{session}/{minute:g}",
        "referrer": f"https://ref-{session}-{minute:g}.example/",
        "referrer_source": f"source-{minute:g}",
        "channel": "referral",
        "utm_source": f"u{minute:g}",
        "country": "NL",
        "region": "NL-NH",
        "browser": "Firefox",
        "browser_version": "133.0",
        "os": "Linux",
        "device": "desktop",
    }
    values.update(changes)
    return Event(**values)


def mixed_events() -> list[list[Event]]:
    """Batches of events, stored in this order, ``CLOSED_THROUGH`` falling among them."""
    tie = T0 + timedelta(minutes=30)
    return [
        [
            # 1: closed, two pages and a goal.
            event(0, 1, pathname="/home"),
            event(5, 1, pathname="/pricing"),
            event(6, 1, name="Signup", pathname="/pricing"),
            # 2: straddles closed_through, so it is still open.
            event(50, 2, pathname="/blog/"),
            # 3: only custom events: no pageview, not a bounce.
            event(10, 3, name="File Download", pathname="/docs/"),
            event(12, 3, name="Outbound Link: Click", pathname="/docs/api/"),
            # 4: one page and a non-interactive event: a bounce.
            event(20, 4, pathname="/about/"),
            event(21, 4, name="Web Vitals", interactive=False, pathname="/about/"),
            # 5: ties. A custom event stored before a pageview at the first instant: it is
            # the first event (its source), the pageview the entry page. Two pageviews at
            # the last instant: the one stored last is the exit page.
            event(0, 5, ts=tie, name="Signup", pathname="/z-signup", referrer="https://first/"),
            event(0, 5, ts=tie, pathname="/z-entry", referrer="https://second/"),
            event(0, 5, ts=tie, pathname="/a-entry-not", referrer="https://third/"),
        ],
        [
            event(70, 2, pathname="/blog/post/"),
            event(40, 5, pathname="/z-exit-not"),
            event(40, 5, pathname="/a-exit"),
            # 6: a non-interactive event only: no pageview, a bounce.
            event(45, 6, name="Web Vitals", interactive=False, pathname="/slow/"),
            # 7: entirely after closed_through.
            event(65, 7, pathname="/late/"),
            event(66, 7, pathname="/later/"),
            # The same session id on another site: a visit of its own, closed.
            event(2, 7, site="other.example", hostname="other.example", pathname="/o/"),
        ],
    ]


def stored_events(store: DuckDBEventStore) -> list[Event]:
    columns = [
        "site", "ts", "name", "visitor_id", "session_id", "hostname", "pathname", "referrer",
        "referrer_source", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
        "utm_content", "click_id", "country", "region", "browser", "browser_version", "os",
        "os_version", "device", "interactive",
    ]  # fmt: skip
    rows = store.query(f"SELECT {', '.join(columns)} FROM events ORDER BY rowid")  # noqa: S608
    return [Event(**dict(zip(columns, row, strict=True))) for row in rows]


@pytest.fixture
def mixed(store: DuckDBEventStore) -> list[Event]:
    batches = mixed_events()
    for batch in batches:
        store.insert_batch(batch)
    return [e for batch in batches for e in batch]


def closed_through(store: DuckDBEventStore) -> datetime:
    [(value,)] = store.query("SELECT closed_through FROM visit_state")
    return value


def test_the_view_has_the_table_columns_and_a_new_store_has_closed_nothing(
    store: DuckDBEventStore,
) -> None:
    def described(name: str) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in store.query(f"DESCRIBE {name}")]

    assert [name for name, _ in described("visits")] == list(VISIT_COLUMNS)
    assert described("visits_all") == described("visits")
    assert closed_through(store) == datetime(1970, 1, 1)
    assert store.query("SELECT count(*) FROM visit_state") == [(1,)]


def test_visits_all_equals_visits_computed_from_the_events(
    store: DuckDBEventStore, mixed: list[Event]
) -> None:
    expected = expected_visits(mixed)
    assert len(expected) == 8
    assert stored_visits(store, "visits_all") == expected, "all open before any close"

    assert store.close_visits(through=CLOSED_THROUGH) == 6
    closed = stored_visits(store, "visits")
    assert set(closed) == {
        ("example.com", 1), ("example.com", 3), ("example.com", 4), ("example.com", 5),
        ("example.com", 6), ("other.example", 7),
    }  # fmt: skip
    assert stored_visits(store, "visits_all") == expected

    # The cases the fixture was built for, spelled out.
    tied = expected["example.com", 5]
    assert (tied["referrer"], tied["entry_page"], tied["exit_page"]) == (
        "https://first/",
        "/z-entry",
        "/a-exit",
    )
    assert tied["pageviews"] == 4 and tied["duration_s"] == 600.0
    custom_only = expected["example.com", 3]
    assert custom_only["pageviews"] == 0 and not custom_only["is_bounce"]
    assert (custom_only["entry_page"], custom_only["exit_page"]) == ("/docs/", "/docs/api/")
    assert expected["example.com", 4]["is_bounce"] and expected["example.com", 6]["is_bounce"]
    assert not expected["example.com", 1]["is_bounce"]

    store.close_visits(through=T0 + timedelta(hours=3))
    assert stored_visits(store, "visits") == expected
    assert stored_visits(store, "visits_all") == expected


def test_a_filtered_read_sees_the_open_visits_and_an_unpinned_one_fails(
    store: DuckDBEventStore, mixed: list[Event]
) -> None:
    store.close_visits(through=CLOSED_THROUGH)
    expected = expected_visits(mixed)
    since = T0 + timedelta(minutes=20)
    wanted = sorted(
        key
        for key, v in expected.items()
        if v["site"] == "example.com" and v["started_at"] >= since
    )
    assert any(v["ended_at"] >= CLOSED_THROUGH for k, v in expected.items() if k in wanted)
    # A filter on the view reaches its open part too (where it once cost a scan of every
    # event); the cutoff it uses is pinned by the read.
    rows = store.query(
        "SELECT site, session_id FROM visits_all WHERE site = ? AND started_at >= ? ORDER BY 2",
        ["example.com", since],
    )
    assert rows == wanted
    # Read without pinned_read (a raw cursor, as a DuckDB shell would), the view refuses
    # rather than answer without its open visits.
    with pytest.raises(duckdb.InvalidInputException, match="pinned_read"):
        store.cursor().execute("SELECT count(*) FROM visits_all").fetchall()


def test_closing_is_idempotent_and_never_writes_a_visit_twice(
    store: DuckDBEventStore, mixed: list[Event]
) -> None:
    assert store.close_visits(through=CLOSED_THROUGH) == 6
    assert store.close_visits(through=CLOSED_THROUGH) == 0
    assert store.close_visits(through=T0) == 0
    assert closed_through(store) == CLOSED_THROUGH, "never moves backwards"
    # Late events: one for a visit already closed (its row stays as it was), one that is a
    # visit of its own and is written by the next close.
    store.insert_batch([event(8, 1, pathname="/straggler"), event(30, 8, pathname="/new")])
    assert store.close_visits(through=CLOSED_THROUGH + timedelta(minutes=1)) == 1
    visits = stored_visits(store, "visits")
    assert visits["example.com", 1] == expected_visits(mixed)["example.com", 1]
    assert ("example.com", 8) in visits
    assert stored_visits(store, "visits_all").keys() == {*expected_visits(mixed), *visits}


def test_a_close_that_fails_before_commit_leaves_nothing(
    store: DuckDBEventStore, mixed: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("crashed between the insert and the commit")

    monkeypatch.setattr(store, "_advance_closed_through", crash)
    with pytest.raises(RuntimeError, match="crashed"):
        store.close_visits(through=CLOSED_THROUGH)
    assert store.query("SELECT count(*) FROM visits") == [(0,)]
    assert closed_through(store) == datetime(1970, 1, 1)
    assert stored_visits(store, "visits_all") == expected_visits(mixed)
    monkeypatch.undo()
    assert store.close_visits(through=CLOSED_THROUGH) == 6


def test_a_long_way_to_close_is_gone_in_steps_without_losing_a_visit(
    store: DuckDBEventStore,
) -> None:
    # Three weeks never closed (a store migrated with its history): closed a week at a time,
    # with visits just either side of every midnight.
    events = []
    for day in range(22):
        midnight = datetime(2026, 10, 1) + timedelta(days=day)
        for n, (start, end) in enumerate(
            [(timedelta(0), timedelta(minutes=10)), (timedelta(hours=11), timedelta(hours=11)),
             (timedelta(hours=23, minutes=50), timedelta(days=1, microseconds=-1))]
        ):  # fmt: skip
            session = day * 10 + n
            events += [replace(event(0, session), ts=midnight + at) for at in (start, end)]
    store.insert_batch(events)
    assert store.close_visits(through=datetime(2026, 10, 23)) == 66
    assert stored_visits(store, "visits") == expected_visits(events)
    assert stored_visits(store, "visits_all") == expected_visits(events)
    # Every closed day is rolled up once: 22 days of three visits each.
    assert store.query("SELECT count(*), count(DISTINCT day) FROM rolled_days") == [(22, 22)]
    assert store.query("SELECT sum(visits) FROM daily_visits WHERE dimension = ''") == [(66,)]
    store.close_visits(through=datetime(2026, 10, 24))
    assert store.query("SELECT sum(visits) FROM daily_visits WHERE dimension = ''") == [(66,)]


def test_retention_deletes_visits_that_started_before_the_cutoff(
    store: DuckDBEventStore, mixed: list[Event]
) -> None:
    store.close_visits(through=T0 + timedelta(hours=3))
    cutoff = T0 + timedelta(minutes=15)
    store.delete_before(cutoff.replace(tzinfo=UTC))
    kept = {key for key, visit in expected_visits(mixed).items() if visit["started_at"] >= cutoff}
    assert set(stored_visits(store, "visits")) == kept
    assert store.query("SELECT min(ts) >= ? FROM events", [cutoff]) == [(True,)]


def test_retention_deletes_the_rollups_of_the_days_it_reaches(store: DuckDBEventStore) -> None:
    day = datetime(2026, 10, 1)
    store.insert_batch(
        [replace(event(0, n), ts=day + timedelta(days=n, hours=9)) for n in range(4)]
    )
    store.close_visits(through=day + timedelta(days=4))
    assert store.query("SELECT count(*) FROM rolled_days") == [(4,)]
    # The cutoff's own day loses some events: its rollup goes and that day is answered raw.
    store.delete_before((day + timedelta(days=1, hours=12)).replace(tzinfo=UTC))
    for table in ("rolled_days", "daily_visits", "daily_events"):
        assert store.query(f"SELECT min(day) FROM {table}") == [(date(2026, 10, 3),)]  # noqa: S608


# --- The mover ---

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def spooled(minutes_ago: float, visitor: int, path: str) -> dict[str, object]:
    return {
        "site": "example.com",
        "ts": (NOW - timedelta(minutes=minutes_ago)).timestamp(),
        "name": "pageview",
        "visitor_id": visitor,
        "hostname": "example.com",
        "pathname": path,
    }


def append(spool: Path, lines: Iterable[dict[str, object]]) -> None:
    writer = SpoolWriter(spool)
    for line in lines:
        writer.append(line)
    writer.close()


def sessions_of(store: DuckDBEventStore, visitor: int) -> list[int]:
    rows = store.query("SELECT session_id FROM events WHERE visitor_id = ? ORDER BY ts", [visitor])
    return [row[0] for row in rows]


def test_the_mover_closes_finished_visits_and_starts_new_ones_after(
    tmp_path: Path, store: DuckDBEventStore
) -> None:
    spool = tmp_path / "spool"
    append(spool, [spooled(180, 1, "/a"), spooled(175, 1, "/b"), spooled(10, 2, "/c")])
    visits = VisitTracker()
    assert move_once(store, spool, visits) == 3
    assert close_finished_visits(store, visits, now=NOW) == 1
    [first_visit] = set(sessions_of(store, 1))
    assert set(stored_visits(store, "visits")) == {("example.com", first_visit)}
    assert stored_visits(store, "visits_all") == expected_visits(stored_events(store))

    # An event within 30 minutes of a closed visit's last one, arriving after it was closed,
    # starts a visit of its own instead of changing the stored one.
    append(spool, [spooled(170, 1, "/late")])
    move_once(store, spool, visits)
    first, late = sessions_of(store, 1)[1:]
    assert first == first_visit != late
    assert close_finished_visits(store, visits, now=NOW) == 1
    assert stored_visits(store, "visits_all") == expected_visits(stored_events(store))

    # After a restart the open visit goes on; a new event of the closed visitor does not.
    restarted = VisitTracker()
    restarted.load(store, now=NOW)
    append(spool, [spooled(5, 2, "/d"), spooled(165, 1, "/later")])
    move_once(store, spool, restarted)
    assert len(set(sessions_of(store, 2))) == 1
    assert sessions_of(store, 1)[-1] not in {first, late}
    close_finished_visits(store, restarted, now=NOW + timedelta(hours=1))
    assert stored_visits(store, "visits") == expected_visits(stored_events(store))


def test_the_mover_command_closes_visits(tmp_path: Path, settings) -> None:
    now = datetime.now(UTC)
    settings.ANALYTICS_SPOOL_DIR = tmp_path / "spool"
    settings.EVENT_STORE = {**settings.EVENT_STORE, "OPTIONS": {"path": str(tmp_path / "e.db")}}
    lines = [
        {**spooled(0, 1, "/old"), "ts": (now - timedelta(hours=2)).timestamp()},
        {**spooled(0, 2, "/new"), "ts": (now - timedelta(minutes=1)).timestamp()},
    ]
    append(settings.ANALYTICS_SPOOL_DIR, lines)
    get_event_store.cache_clear()
    try:
        call_command("analytics_mover", "--once")
    finally:
        get_event_store.cache_clear()
    store = DuckDBEventStore(tmp_path / "e.db")
    try:
        assert [v["entry_page"] for v in stored_visits(store, "visits").values()] == ["/old"]
        assert {v["entry_page"] for v in stored_visits(store, "visits_all").values()} == {
            "/old",
            "/new",
        }
    finally:
        store.close()


# --- The generator ---


def generate(path: Path, **changes: Any) -> int:
    options: dict[str, Any] = {
        "path": path, "site": "example.org", "events": 30_000, "days": 4,
        "end_day": date(2025, 6, 30), "seed": 5, "chunk_events": 3_000,
    }  # fmt: skip
    options.update(changes)
    return generate_traffic(**options)


def test_generated_events_are_in_time_order_with_their_visits_stored(tmp_path: Path) -> None:
    # 3,000-event chunks: a day's events come in several batches, staged before storing.
    generate(tmp_path / "g.duckdb")
    store = DuckDBEventStore(tmp_path / "g.duckdb")
    try:
        assert store.query(
            "SELECT count(*) FROM (SELECT ts < lag(ts) OVER (ORDER BY rowid) AS back "
            "FROM events) WHERE back"
        ) == [(0,)]
        assert store.query("SELECT count(*) FROM events") == [(30_000,)]
        assert closed_through(store) == datetime(2025, 7, 1)
        visits = stored_visits(store, "visits")
        assert visits == expected_visits(stored_events(store))
        assert stored_visits(store, "visits_all") == visits, "nothing left open"
        assert store.query(
            "SELECT count(*) FROM (SELECT visitor_id FROM events GROUP BY visitor_id "
            "HAVING count(DISTINCT ts::DATE) > 1)"
        ) == [(0,)], "a visitor id never spans two UTC days"
        [(repeat,)] = store.query(
            "SELECT count(*) - count(DISTINCT visitor_id) FROM visits WHERE site = 'example.org'"
        )
        assert repeat > 0, "some visitors come back the same day"
    finally:
        store.close()


def visit_checksum(path: Path) -> list[tuple[Any, ...]]:
    store = DuckDBEventStore(path)
    try:
        return store.query("SELECT count(*), sum(hash(COLUMNS(*))) FROM visits")
    finally:
        store.close()


def test_the_same_seed_gives_the_same_visits(tmp_path: Path) -> None:
    sums = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(tmp_path / f"{name}.duckdb", seed=seed)
        sums.append(visit_checksum(tmp_path / f"{name}.duckdb"))
    assert sums[0] == sums[1] != sums[2]


def test_history_generated_into_a_store_that_closed_later_visits_is_stored_too(
    tmp_path: Path,
) -> None:
    # A store the mover has used: visits closed up to now, long after the generated period.
    path = tmp_path / "used.duckdb"
    store = DuckDBEventStore(path)
    store.migrate()
    recent = datetime(2026, 11, 20, 9, 0)
    store.insert_batch([replace(event(0, 1), ts=recent)])
    store.close_visits(through=recent + timedelta(hours=1))
    store.close()
    generate(path, events=5_000, chunk_events=2_000)
    store = DuckDBEventStore(path)
    try:
        assert closed_through(store) == recent + timedelta(hours=1)
        assert stored_visits(store, "visits") == expected_visits(stored_events(store))
        assert len(stored_visits(store, "visits")) > 1_000
    finally:
        store.close()
