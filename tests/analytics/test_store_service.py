"""Other processes read the event store through its owner, the mover, while it writes."""

import datetime as dt
import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from commonground.analytics.eventstore import (
    QueryClient,
    StoreQueryError,
    StoreUnavailableError,
    get_query_client,
)
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.ingest.spool import SpoolWriter

from ..processes import Process, commonground, subprocess_env, wait_for
from .test_eventstore import make_event

# High bits set in every byte: a UUID's 16 raw bytes are not UTF-8 text.
WIDE_UUID = uuid.UUID("f0e1d2c3-b4a5-9687-f8e9-dacbbcad9e8f")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DuckDBEventStore, QueryClient]]:
    store = DuckDBEventStore(tmp_path / "events.duckdb")
    store.migrate()
    store.insert_batch([make_event(n) for n in range(10)])
    service = store.query_service(tmp_path / "events.sock", timeout_seconds=1.0)
    service.start()
    client = QueryClient(service.path)
    yield store, client
    client.close()
    service.stop()
    store.close()


def test_rows_come_back_as_the_store_gives_them(served) -> None:
    store, client = served
    sql = "SELECT pathname, ts, props, revenue_amount, visitor_id FROM events ORDER BY ts"
    assert client.query(sql) == store.query(sql)
    [row] = client.query(
        "SELECT ?::TIMESTAMP, ?::DATE, 1.25::DECIMAL(5, 2), 2::HUGEINT << 80, "
        "INTERVAL 90 SECOND, ?::UUID, [1, 2], NULL",
        [dt.datetime(2026, 11, 20, 12, 30, 0, 5), dt.date(2026, 11, 20), WIDE_UUID],
    )
    assert row == (
        dt.datetime(2026, 11, 20, 12, 30, 0, 5),
        dt.date(2026, 11, 20),
        Decimal("1.25"),
        2 << 80,
        dt.timedelta(seconds=90),
        WIDE_UUID,
        [1, 2],
        None,
    )


def test_only_one_select_is_answered(served) -> None:
    store, client = served
    for sql in (
        "DELETE FROM events",
        "SELECT 1; DELETE FROM events",
        "DROP TABLE events",
        "COPY events TO '/tmp/events.csv'",
        "INSERT INTO events SELECT * FROM events",
    ):
        with pytest.raises(StoreQueryError) as refused:
            client.query(sql)
        assert refused.value.kind == "refused", sql
    assert store.query("SELECT count(*) FROM events") == [(10,)]


def test_a_bad_query_names_the_problem_and_the_connection_goes_on(served) -> None:
    _, client = served
    with pytest.raises(StoreQueryError, match="no_such_column") as failed:
        client.query("SELECT no_such_column FROM events")
    assert failed.value.kind == "query"
    with pytest.raises(StoreQueryError):
        client.query("SELEKT 1")
    assert client.query("SELECT count(*) FROM events") == [(10,)]


def test_a_query_that_runs_too_long_is_stopped(served) -> None:
    _, client = served
    with pytest.raises(StoreQueryError, match="longer than 1 s") as slow:
        client.query("SELECT count(*) FROM range(1000000000000)")
    assert slow.value.kind == "timeout"
    assert client.query("SELECT 1") == [(1,)]


def test_garbage_on_the_socket_is_refused_and_others_are_served(served, tmp_path) -> None:
    _, client = served
    for garbage in (b"\x00\x00\x00\x03abc", struct.pack(">I", 1 << 31), b"\x00\x00\x00\x01\xc1"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.settimeout(5)
            raw.connect(str(tmp_path / "events.sock"))
            raw.sendall(garbage)
            raw.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := raw.recv(4096):  # the answer, then the service closes
                answer += chunk
        (size,) = struct.unpack(">I", answer[:4])
        assert msgspec.msgpack.decode(answer[4 : 4 + size]) == {
            "error": "the request is not a valid frame",
            "kind": "refused",
        }, garbage
    assert client.query("SELECT count(*) FROM events") == [(10,)]


def test_readers_see_whole_batches_while_the_owner_writes(served) -> None:
    store, client = served
    done = threading.Event()

    def write() -> None:
        for batch in range(20):
            store.insert_batch([make_event(1000 + batch * 50 + n) for n in range(50)])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    counts = []
    while not done.is_set():
        counts.append(client.query("SELECT count(*) FROM events")[0][0])
    writer.join()
    counts.append(client.query("SELECT count(*) FROM events")[0][0])
    assert counts == sorted(counts), "a reader never sees fewer events than before"
    assert all((count - 10) % 50 == 0 for count in counts), "never half a batch"
    assert counts[-1] == 1010


def test_without_the_mover_the_error_says_what_to_start(tmp_path) -> None:
    client = QueryClient(tmp_path / "nobody-here.sock")
    with pytest.raises(StoreUnavailableError, match="analytics_mover"):
        client.query("SELECT 1")


@pytest.mark.slow
def test_the_running_mover_answers_other_processes(tmp_path, settings) -> None:
    SpoolWriter(settings.ANALYTICS_SPOOL_DIR).append(
        {
            "site": "example.com",
            "ts": 1_795_000_000.0,
            "name": "pageview",
            "visitor_id": 1,
            "hostname": "example.com",
            "pathname": "/served/",
        }
    )
    mover = Process(
        "mover",
        commonground("analytics_mover", "--interval", "0.2"),
        env=subprocess_env(),
        log_dir=tmp_path,
    )
    client = get_query_client()
    try:
        wait_for(lambda: "mover: moving events" in mover.log_tail(), timeout=60)
        rows = wait_for(
            lambda: client.query("SELECT pathname FROM events WHERE pathname = '/served/'"),
            timeout=10,
        )
        assert rows == [("/served/",)]
    finally:
        client.close()
        mover.stop()
    with pytest.raises(StoreUnavailableError):
        client.query("SELECT 1")


def test_a_socket_path_too_long_is_refused_with_advice(tmp_path) -> None:
    store = DuckDBEventStore(tmp_path / "events.duckdb")
    try:
        service = store.query_service(tmp_path / ("d" * 120) / "events.sock")
        with pytest.raises(OSError, match="COMMONGROUND_DATA_DIR short"):
            service.start()
    finally:
        store.close()


def test_clients_that_keep_their_connection_do_not_starve_others(served) -> None:
    # Every web worker thread keeps a connection open; more of them than query threads
    # must all be answered, and one more client after them too.
    _, first = served
    path = first.path
    clients = [QueryClient(path, timeout_seconds=5) for _ in range(6)]
    try:
        for client in clients:
            assert client.query("SELECT count(*) FROM events") == [(10,)]
        answers: list[object] = []

        def ask(client: QueryClient) -> None:
            answers.append(client.query("SELECT count(*) FROM events"))

        threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert answers == [[(10,)]] * 6
        assert first.query("SELECT 1") == [(1,)]
    finally:
        for client in clients:
            client.close()
