"""The embedded DuckDB backend: one file, written by one process at a time."""

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from .base import EVENT_COLUMNS, EventStore
from .duckdb_schema import (
    CLOSE_VISITS_SQL,
    CUTOFF_VARIABLE,
    MIGRATIONS,
    PIN_CUTOFF_SQL,
    ROLL_UP_CLOSED_DAYS,
)
from .service import QueryService


@contextmanager
def pinned_read(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Where ``sql`` reads visits_all: one read transaction with the view's cutoff pinned to
    its snapshot's closed_through, so the open visits start exactly where the stored ones
    stop even while the mover closes more. Other reads run as they are (one statement is one
    snapshot already), without the statements this costs (0.6 ms a read, measured)."""
    if "visits_all" not in sql:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(PIN_CUTOFF_SQL)
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
    finally:
        # Unset again, so that a read that does not pin fails rather than reuse this cutoff.
        con.execute(f"RESET VARIABLE {CUTOFF_VARIABLE}")


# A batch reaches DuckDB as one column of JSON rows (see EventStore.insert_rows), registered
# as a view and parsed by DuckDB's JSON reader into typed columns: no Python object per value.
# With it the mover spends about 27 µs an event in all, against 79 when it built an Event per
# line and a numpy array per column (docs/architecture.md).
_ROW_TYPES = {
    "ts": "BIGINT",  # microseconds since the epoch
    "visitor_id": "BIGINT",
    "session_id": "BIGINT",
    "props": "MAP(VARCHAR, VARCHAR)",
    "revenue_amount": "DOUBLE",
    "interactive": "BOOLEAN",
    "lcp_ms": "DOUBLE",
    "inp_ms": "DOUBLE",
    "cls": "DOUBLE",
    "ttfb_ms": "DOUBLE",
}
_ROW_STRUCTURE = json.dumps({c: _ROW_TYPES.get(c, "VARCHAR") for c in EVENT_COLUMNS})
_BATCH_VIEW = "incoming_rows"


def _select_item(column: str) -> str:
    if column == "ts":
        return "make_timestamp(e.ts)"
    return f"e.{column}"


_INSERT_SQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 - constant SQL
    f"SELECT {', '.join(_select_item(c) for c in EVENT_COLUMNS)} "
    f"FROM (SELECT from_json(row, '{_ROW_STRUCTURE}') AS e FROM {_BATCH_VIEW})"
)


class DuckDBEventStore(EventStore):
    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        threads: int = 2,
        memory_limit: str | None = None,
    ) -> None:
        """``memory_limit`` (``"2GB"``) caps DuckDB's memory, which it spills beyond; by
        default DuckDB keeps written blocks cached up to 80% of the machine's memory."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        config: dict[str, str | bool | int | float | list[str]] = {"threads": threads}
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        self._con = duckdb.connect(str(self.path), read_only=read_only, config=config)

    def migrate(self) -> list[int]:
        with self._lock:
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
            )
            done = {
                row[0]
                for row in self._con.execute("SELECT version FROM schema_versions").fetchall()
            }
            applied = []
            for version, sql in enumerate(MIGRATIONS, start=1):
                if version in done:
                    continue
                with self._transaction_locked() as con:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_versions (version) VALUES (?)", [version])
                applied.append(version)
            return applied

    def insert_rows(
        self, rows: Sequence[bytes], *, checkpoint: tuple[str, int] | None = None
    ) -> None:
        batch = {"row": np.array([row.decode() for row in rows], dtype=object)}
        with self._lock, self._transaction_locked() as con:
            if rows:
                con.register(_BATCH_VIEW, batch)
                try:
                    con.execute(_INSERT_SQL)
                finally:
                    con.unregister(_BATCH_VIEW)
            if checkpoint is not None:
                con.execute(
                    "INSERT INTO spool_checkpoints VALUES (?, ?) "
                    "ON CONFLICT (segment) DO UPDATE SET byte_offset = excluded.byte_offset",
                    list(checkpoint),
                )

    def checkpoints(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute(
                "SELECT segment, byte_offset FROM spool_checkpoints"
            ).fetchall()
        return {segment: offset for segment, offset in rows}

    def forget_checkpoints(self, segments: Sequence[str]) -> None:
        if not segments:
            return
        with self._lock:
            self._con.execute(
                "DELETE FROM spool_checkpoints WHERE list_contains(?, segment)", [list(segments)]
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, pinned_read(self._con, sql) as con:
            return con.execute(sql, list(params)).fetchall()

    def closed_through(self) -> datetime:
        [(closed_through,)] = self.query("SELECT closed_through FROM visit_state")
        moment: datetime = closed_through
        return moment

    def latest_visits(self, *, since: datetime) -> list[tuple[str, int, datetime, int]]:
        rows = self.query(
            "SELECT site, visitor_id, max(ts), arg_max(session_id, ts) FROM events "
            "WHERE ts >= ? GROUP BY site, visitor_id",
            [since],
        )
        return [(site, vid, ts, session) for site, vid, ts, session in rows]

    def count_events(self, *, site: str) -> int:
        [(count,)] = self.query("SELECT count(*) FROM events WHERE site = ?", [site])
        return int(count)

    def delete_before(self, cutoff: datetime) -> int:
        with self._lock, self._transaction_locked() as con:
            row = con.execute("DELETE FROM events WHERE ts < ?", [_naive_utc(cutoff)]).fetchone()
            con.execute("DELETE FROM visits WHERE started_at < ?", [_naive_utc(cutoff)])
            # The cutoff's own day is partly deleted: its rollup goes too (answered raw).
            for table in ("daily_visits", "daily_events", "rolled_days"):
                con.execute(
                    f"DELETE FROM {table} WHERE day <= CAST(? AS DATE)",  # noqa: S608
                    [_naive_utc(cutoff)],
                )
        return int(row[0]) if row else 0

    def close_visits(self, *, through: datetime, since: datetime | None = None) -> int:
        end = _naive_utc(through)
        written = 0
        with self._lock, self._transaction_locked() as con:
            [(closed_through,)] = con.execute("SELECT closed_through FROM visit_state").fetchall()
            window_start = closed_through - timedelta(days=1)
            if since is not None:
                window_start = min(window_start, _naive_utc(since))
            for step_window, step_through in _close_steps(con, window_start, end):
                row = con.execute(
                    CLOSE_VISITS_SQL,
                    {
                        "window_start": step_window,
                        "through": step_through,
                        "known_since": step_window - timedelta(days=1),
                    },
                ).fetchone()
                written += int(row[0]) if row else 0
            self._advance_closed_through(con, end)
            [(closed_through,)] = con.execute("SELECT closed_through FROM visit_state").fetchall()
            bounds = {
                "day_start": datetime.combine(window_start.date(), datetime.min.time()),
                "through": closed_through,
            }
            for sql in ROLL_UP_CLOSED_DAYS:
                con.execute(sql, bounds)
        return written

    def _advance_closed_through(self, con: duckdb.DuckDBPyConnection, through: datetime) -> None:
        # Never backwards: visits closed once stay closed.
        con.execute(
            "UPDATE visit_state SET closed_through = greatest(closed_through, ?)", [through]
        )

    def query_service(self, path: Path, **options: Any) -> QueryService:
        return QueryService(self.cursor, path, read=pinned_read, **options)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new connection to the same database, for one reader thread (its own snapshot)."""
        with self._lock:
            return self._con.cursor()

    @contextmanager
    def bulk_transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store's connection inside one transaction, for bulk loads built elsewhere.

        Holds the store's lock throughout; commits when the block ends, rolls back if it
        raises. For writers such as the traffic generator that register whole columns.
        """
        with self._lock, self._transaction_locked() as con:
            yield con

    @contextmanager
    def _transaction_locked(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # The caller holds self._lock.
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._con.close()


# A long way to close (a store migrated with months of events, a mover stopped for days) is
# gone a week at a time, midnight to midnight: each step then aggregates about eight days of
# events, so memory stays bounded (at once, 10M events took 3.6 GB).
_CLOSE_STEP = timedelta(days=7)


def _close_steps(
    con: duckdb.DuckDBPyConnection, window_start: datetime, through: datetime
) -> list[tuple[datetime, datetime]]:
    """(window start, through) of each step of a close; one step unless the way is long."""
    if through - window_start <= _CLOSE_STEP:
        return [(window_start, through)]
    [(first,)] = con.execute(
        "SELECT min(ts) FROM events WHERE ts >= ? AND ts < ?", [window_start, through]
    ).fetchall()
    if first is None:
        return [(window_start, through)]
    steps = []
    boundary = datetime.combine(first.date(), datetime.min.time()) + _CLOSE_STEP
    while boundary < through:
        steps.append((window_start, boundary))
        # A visit lies within one UTC day: one not closed by a midnight ends after it.
        window_start = boundary - timedelta(days=1)
        boundary += _CLOSE_STEP
    steps.append((window_start, through))
    return steps


def _naive_utc(moment: datetime) -> datetime:
    """``moment`` as the store holds timestamps: UTC without a zone (naive means UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
