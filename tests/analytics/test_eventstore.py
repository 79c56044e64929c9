"""The event-store contract, run against every backend that can run here (DuckDB today)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commonground.analytics.eventstore import Event, EventStore
from commonground.analytics.eventstore.duckdb import DuckDBEventStore

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_event(n: int, **changes: object) -> Event:
    values: dict[str, object] = {
        "site": "example.com",
        "ts": (T0 + timedelta(minutes=n)).replace(tzinfo=None),
        "name": "pageview",
        "visitor_id": 1000 + n % 7,
        "session_id": 5000 + n % 3,
        "hostname": "example.com",
        "pathname": f"/page-{n % 4}",
        "props": {"plan": "pro"} if n % 2 else {},
        "revenue_amount": 9.5 if n == 3 else None,
        "lcp_ms": 1234.5 if n == 5 else None,
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["duckdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    backend = DuckDBEventStore(tmp_path / "events.duckdb")
    backend.migrate()
    yield backend
    backend.close()


def test_migrate_is_idempotent(store: EventStore) -> None:
    assert store.migrate() == []


def test_inserted_events_come_back_with_every_field(store: EventStore) -> None:
    events = [make_event(n) for n in range(10)]
    store.insert_batch(events)
    rows = store.query("SELECT pathname, props, revenue_amount, lcp_ms FROM events ORDER BY ts")
    assert len(rows) == 10
    assert rows[1][0] == "/page-1"
    assert rows[1][1] == {"plan": "pro"}
    assert rows[3][2] == 9.5
    assert rows[5][3] == 1234.5
    assert rows[0][1] == {}


def test_checkpoint_commits_with_the_batch(store: EventStore) -> None:
    store.insert_batch([make_event(1)], checkpoint=("segment-a", 120))
    store.insert_batch([make_event(2)], checkpoint=("segment-a", 240))
    store.insert_batch([], checkpoint=("segment-b", 10))
    assert store.checkpoints() == {"segment-a": 240, "segment-b": 10}
    store.forget_checkpoints(["segment-a"])
    assert store.checkpoints() == {"segment-b": 10}


def test_a_failed_batch_stores_nothing_and_keeps_the_checkpoint(store: EventStore) -> None:
    store.insert_batch([make_event(1)], checkpoint=("segment-a", 100))
    bad = make_event(2, pathname=None)  # violates NOT NULL
    with pytest.raises(Exception):  # noqa: B017 - any backend error will do
        store.insert_batch([make_event(3), bad], checkpoint=("segment-a", 300))
    assert store.query("SELECT count(*) FROM events") == [(1,)]
    assert store.checkpoints() == {"segment-a": 100}


def test_retention_deletes_only_older_events(store: EventStore) -> None:
    store.insert_batch([make_event(n) for n in range(10)])
    deleted = store.delete_before(T0 + timedelta(minutes=4))
    assert deleted == 4
    assert store.query("SELECT min(ts) FROM events")[0][0] == (T0 + timedelta(minutes=4)).replace(
        tzinfo=None
    )


def test_events_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    first = DuckDBEventStore(path)
    first.migrate()
    first.insert_batch([make_event(n) for n in range(3)], checkpoint=("s", 3))
    first.close()
    second = DuckDBEventStore(path)
    assert second.migrate() == []
    assert second.query("SELECT count(*) FROM events") == [(3,)]
    assert second.checkpoints() == {"s": 3}
    second.close()
