"""The spool and the mover: every acknowledged event stored exactly once, crashes included."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.mover import VisitTracker, move_once
from commonground.analytics.ingest.spool import SpoolWriter, list_segments

BASE_TS = 1_795_000_000.0


def record(n: int, *, visitor: int = 1, ts: float | None = None) -> dict[str, object]:
    return {
        "site": "example.com",
        "ts": BASE_TS + n if ts is None else ts,
        "name": "pageview",
        "visitor_id": visitor,
        "hostname": "example.com",
        "pathname": f"/p/{n}",
        "props": {"n": str(n)},
    }


def stored_paths(store: DuckDBEventStore) -> list[str]:
    return [row[0] for row in store.query("SELECT pathname FROM events ORDER BY pathname")]


def test_everything_written_is_moved_once(tmp_path: Path, store: DuckDBEventStore) -> None:
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    for n in range(50):
        writer.append(record(n))
    visits = VisitTracker()
    assert move_once(store, spool, visits) == 50
    assert move_once(store, spool, visits) == 0
    for n in range(50, 60):
        writer.append(record(n))
    writer.close()
    assert move_once(store, spool, visits) == 10
    paths = stored_paths(store)
    assert len(paths) == len(set(paths)) == 60
    assert list_segments(spool) == [], "fully stored closed segments are deleted"
    assert store.checkpoints() == {}


def test_a_restarted_mover_does_not_store_twice(tmp_path: Path, store: DuckDBEventStore) -> None:
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    for n in range(20):
        writer.append(record(n))
    move_once(store, spool, VisitTracker())
    for n in range(20, 30):
        writer.append(record(n))
    fresh = VisitTracker()  # as after a restart
    move_once(store, spool, fresh)
    assert len(stored_paths(store)) == 30


def test_partial_last_line_waits_in_open_segment_and_is_dropped_when_closed(
    tmp_path: Path, store: DuckDBEventStore
) -> None:
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    writer.append(record(1))
    [segment] = list_segments(spool)
    with segment.path.open("ab") as handle:
        handle.write(b'{"site": "example.com", "ts": 1')  # a write cut short
    assert move_once(store, spool, VisitTracker()) == 1
    writer.close()
    assert move_once(store, spool, VisitTracker()) == 0
    assert stored_paths(store) == ["/p/1"]
    assert list_segments(spool) == []


def test_lines_that_are_not_events_are_skipped_and_the_rest_stored(
    tmp_path: Path, store: DuckDBEventStore
) -> None:
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    writer.append(record(1))
    not_events: list[dict[str, object]] = [
        {k: v for k, v in record(2).items() if k != "site"},  # a required field missing
        {**record(3), "visitor_id": "seven"},  # mistyped
        {**record(4), "visitor_id": 2**64},  # beyond a 64-bit column
        {**record(5), "ts": -1.0},  # before 1970
        {**record(6), "ts": 1e13},  # after the year 9999
        {**record(7), "props": {"plan": 3}},  # props are strings
        {**record(8), "lcp_ms": "fast"},
    ]
    for line in not_events:
        writer.append(line)
    with list_segments(spool)[0].path.open("ab") as handle:
        handle.write(b"not json at all\n[1, 2]\n")
    writer.append({**record(9), "session_id": 5, "from_a_newer_writer": "x"})
    writer.close()
    assert move_once(store, spool, VisitTracker()) == 2
    assert stored_paths(store) == ["/p/1", "/p/9"]
    [(session,)] = store.query("SELECT session_id FROM events WHERE pathname = '/p/9'")
    assert session != 5, "the mover assigns visits; a line cannot bring its own"
    assert list_segments(spool) == []


def test_a_pass_stops_at_what_was_written_when_it_began(
    tmp_path: Path, store: DuckDBEventStore
) -> None:
    # A writer that never pauses must not turn one pass into an endless chain of tiny
    # batches: lines written during a pass wait for the next one.
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    for n in range(5):
        writer.append(record(n))
    batches: list[int] = []
    insert_rows = store.insert_rows

    def insert_while_the_writer_goes_on(rows, **kwargs):  # type: ignore[no-untyped-def]
        batches.append(len(rows))
        insert_rows(rows, **kwargs)
        if len(batches) < 50:
            writer.append(record(100 + len(batches)))

    store.insert_rows = insert_while_the_writer_goes_on  # type: ignore[method-assign]
    assert move_once(store, spool, VisitTracker()) == 5
    assert batches == [5]
    assert move_once(store, spool, VisitTracker()) == 1
    writer.close()
    assert len(stored_paths(store)) == 6


def test_visits_end_after_30_minutes_of_inactivity(tmp_path: Path, store: DuckDBEventStore) -> None:
    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    for n, minute in enumerate([0, 10, 39, 80, 85]):
        writer.append(record(n, ts=BASE_TS + minute * 60))
    writer.append(record(99, visitor=2, ts=BASE_TS + 60))
    move_once(store, spool, VisitTracker())
    rows = store.query("SELECT pathname, session_id FROM events WHERE visitor_id = 1 ORDER BY ts")
    sessions = [session for _, session in rows]
    assert sessions[0] == sessions[1] == sessions[2]
    assert sessions[3] == sessions[4] != sessions[0]
    [(other,)] = store.query("SELECT session_id FROM events WHERE visitor_id = 2")
    assert other not in sessions


WRITER_SCRIPT = """
import sys
from commonground.analytics.ingest.spool import SpoolWriter
writer = SpoolWriter(sys.argv[1], rotate_seconds=0.05)
n = 0
while True:
    writer.append({"site": "example.com", "ts": 1795000000 + n, "name": "pageview",
                   "visitor_id": 7, "hostname": "example.com", "pathname": f"/{sys.argv[2]}/{n}"})
    print(n, flush=True)  # acknowledged: the write returned
    n += 1
"""


def test_kill_9_of_writers_and_mover_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    acknowledged: set[str] = set()
    db_path = tmp_path / "events.duckdb"
    for round_number in range(3):
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER_SCRIPT, str(spool), f"w{round_number}-{i}"],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        # A mover in another process, killed mid-way through its work.
        mover = subprocess.Popen(
            [sys.executable, "-c", MOVER_SCRIPT, str(spool), str(db_path)],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.8)
        for process in [*writers, mover]:
            os.kill(process.pid, signal.SIGKILL)
        for i, process in enumerate(writers):
            out, _ = process.communicate(timeout=10)
            acknowledged.update(f"/w{round_number}-{i}/{n}" for n in out.split())
        mover.wait(timeout=10)
    time.sleep(0.1)
    store = DuckDBEventStore(db_path)
    store.migrate()
    # Writers are dead now: their open segments count as abandoned right away.
    for path in spool.glob("*.open"):
        os.utime(path, (0, 0))
    move_once(store, spool, VisitTracker())
    paths = [row[0] for row in store.query("SELECT pathname FROM events")]
    store.close()
    assert len(acknowledged) > 100, "the writers barely ran"
    assert len(paths) == len(set(paths)), "an event was stored twice"
    missing = acknowledged - set(paths)
    assert not missing, f"{len(missing)} acknowledged events were lost"


MOVER_SCRIPT = """
import sys
from pathlib import Path
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.mover import VisitTracker, move_once
store = DuckDBEventStore(sys.argv[2])
store.migrate()
visits = VisitTracker()
while True:
    move_once(store, Path(sys.argv[1]), visits)
"""


def test_retention_keeps_the_configured_months(tmp_path: Path, store: DuckDBEventStore) -> None:
    from datetime import UTC, datetime, timedelta

    from commonground.analytics.eventstore.mover import enforce_retention

    spool = tmp_path / "spool"
    writer = SpoolWriter(spool)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    for n, days_ago in enumerate([10, 300, 700, 800]):
        writer.append(record(n, ts=(now - timedelta(days=days_ago)).timestamp()))
    writer.close()
    move_once(store, spool, VisitTracker())
    assert enforce_retention(store, months=25, now=now) == 1  # 800 days > 25 months
    assert sorted(stored_paths(store)) == ["/p/0", "/p/1", "/p/2"]
