"""The store's query service: other processes read the event store through the one that owns it.

A DuckDB file can be open in one process only once that process writes to it, and the mover
writes all the time. So the mover also answers read queries for everyone else (web workers
drawing dashboards, the Stats API, commands) over a Unix socket in the data directory, each
query on its own DuckDB cursor: a consistent snapshot that never waits for the mover's
batches and never blocks them. The socket is the app's own (mode 0600): queries come from
the query layer, never from users, and only single SELECT statements are run.

Wire format, both ways: a 4-byte big-endian length, then a msgpack map. A request is
``{"sql": str, "params": list}``; an answer ``{"rows": [[...], ...]}`` or
``{"error": str, "kind": "refused" | "query" | "timeout"}``. Values whose type msgpack does
not keep (naive timestamps, dates, decimals, big integers, intervals, UUIDs) travel as
extension types, so rows come back as DuckDB gave them.
"""

import contextlib
import datetime as dt
import os
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import msgspec

MAX_FRAME_BYTES = 64 << 20  # an answer larger than this is refused: page through it instead
MAX_ROWS = 100_000
MAX_CONNECTIONS = 256
_HEADER = struct.Struct(">I")

# Extension codes for the values msgpack would otherwise flatten to strings. A timestamp's
# ISO text carries its offset when it has one, so naive and aware ones share a code.
_DATETIME, _DATE, _DECIMAL, _BIG_INT, _INTERVAL, _UUID = range(1, 7)


class StoreUnavailableError(RuntimeError):
    """The process that owns the event store is not answering."""


class StoreQueryError(RuntimeError):
    """The store refused or failed a query; ``kind`` says which ("refused", "query", "timeout")."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


# --- values --------------------------------------------------------------------------------


def _wrap(value: Any) -> Any:
    if value is None or isinstance(value, bool | float | str | bytes):
        return value
    if isinstance(value, int):
        if -(2**63) <= value < 2**64:
            return value
        return msgspec.msgpack.Ext(_BIG_INT, str(value).encode())
    if isinstance(value, dt.datetime):
        return msgspec.msgpack.Ext(_DATETIME, value.isoformat().encode())
    if isinstance(value, dt.date):
        return msgspec.msgpack.Ext(_DATE, value.isoformat().encode())
    if isinstance(value, Decimal):
        return msgspec.msgpack.Ext(_DECIMAL, str(value).encode())
    if isinstance(value, dt.timedelta):
        micros = value // dt.timedelta(microseconds=1)
        return msgspec.msgpack.Ext(_INTERVAL, str(micros).encode())
    if isinstance(value, uuid.UUID):
        return msgspec.msgpack.Ext(_UUID, value.bytes)
    if isinstance(value, dict):
        return {_wrap(k): _wrap(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wrap(v) for v in value]
    return str(value)  # anything else DuckDB may return (e.g. a time of day), as text


def _unwrap(code: int, data: memoryview) -> Any:
    if code == _UUID:  # 16 raw bytes, not text
        return uuid.UUID(bytes=bytes(data))
    text = bytes(data).decode()
    if code == _DATETIME:
        return dt.datetime.fromisoformat(text)
    if code == _DATE:
        return dt.date.fromisoformat(text)
    if code == _DECIMAL:
        return Decimal(text)
    if code == _BIG_INT:
        return int(text)
    if code == _INTERVAL:
        return dt.timedelta(microseconds=int(text))
    raise ValueError(f"unknown extension type {code}")


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(ext_hook=_unwrap).decode


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    payload = _encode(message)
    if len(payload) > MAX_FRAME_BYTES:
        payload = _encode(
            {"error": "the answer is too large; ask for fewer rows", "kind": "refused"}
        )
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _receive(sock: socket.socket) -> Any:
    header = _read_exactly(sock, _HEADER.size)
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        raise ValueError(f"a frame of {size} bytes is over the limit")
    return _decode(_read_exactly(sock, size))


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# --- the service, in the process that owns the store ------------------------------------------


# (cursor, sql) -> the context a query runs in (see duckdb.pinned_read)
ReadContext = Callable[
    [duckdb.DuckDBPyConnection, str],
    contextlib.AbstractContextManager[duckdb.DuckDBPyConnection],
]


def _as_it_is(cursor: duckdb.DuckDBPyConnection, sql: str) -> contextlib.nullcontext[Any]:
    return contextlib.nullcontext(cursor)


class QueryService:
    """Answers read queries over a Unix socket at ``path``, each client on its own cursor
    from ``open_cursor`` (see :meth:`DuckDBEventStore.cursor`), each query inside the
    store's ``read`` context (see :func:`duckdb.pinned_read`)."""

    def __init__(
        self,
        open_cursor: Callable[[], duckdb.DuckDBPyConnection],
        path: Path,
        *,
        read: ReadContext = _as_it_is,
        threads: int = 2,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.timeout_seconds = timeout_seconds
        self._open_cursor = open_cursor
        self._read = read
        # Clients keep their connection (one per web worker thread), so each connection has
        # a thread of its own that mostly waits; the queries running at once are bounded.
        self._running = threading.BoundedSemaphore(threads)
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by an owner that died: only one mover runs at a time
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.path))
        except OSError as error:
            listener.close()
            raise OSError(
                f"cannot listen on {self.path} ({error}); a Unix socket path must be under "
                "108 bytes, so keep COMMONGROUND_DATA_DIR short"
            ) from error
        os.chmod(self.path, 0o600)
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, name="store-accept", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            if not self._connections.acquire(blocking=False):
                with client, contextlib.suppress(OSError):
                    _send(client, {"error": "too many connections", "kind": "refused"})
                continue
            threading.Thread(
                target=self._serve, args=(client,), name="store-client", daemon=True
            ).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            cursor = self._open_cursor()  # its own snapshot, independent of the mover's
        except BaseException:
            self._connections.release()
            client.close()
            raise
        try:
            with client:
                while not self._stopped.is_set():
                    try:
                        request = _receive(client)
                    except (ConnectionError, OSError):
                        return
                    except (ValueError, msgspec.MsgspecError):
                        answer = {"error": "the request is not a valid frame", "kind": "refused"}
                        with contextlib.suppress(OSError):
                            _send(client, answer)
                        return
                    with self._running:
                        answer = self._answer(cursor, request)
                    try:
                        _send(client, answer)
                    except OSError:
                        return  # the client went away
        finally:
            cursor.close()
            self._connections.release()

    def _answer(self, cursor: duckdb.DuckDBPyConnection, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("sql"), str):
            return {"error": "a request is a map with the SQL text under 'sql'", "kind": "refused"}
        sql: str = request["sql"]
        params = request.get("params") or []
        if not isinstance(params, list):
            return {"error": "'params' must be a list", "kind": "refused"}
        try:
            statements = cursor.extract_statements(sql)
        except duckdb.Error as error:
            return {"error": str(error), "kind": "query"}
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            return {"error": "only one SELECT statement is answered", "kind": "refused"}
        timer = threading.Timer(self.timeout_seconds, cursor.interrupt)
        timer.start()
        try:
            with self._read(cursor, sql):
                cursor.execute(sql, params)
                rows = cursor.fetchmany(MAX_ROWS + 1)
        except duckdb.InterruptException:
            return {
                "error": f"the query took longer than {self.timeout_seconds:g} s",
                "kind": "timeout",
            }
        except duckdb.Error as error:
            return {"error": str(error), "kind": "query"}
        finally:
            timer.cancel()
        if len(rows) > MAX_ROWS:
            return {"error": f"over {MAX_ROWS} rows; ask for fewer", "kind": "refused"}
        return {"rows": [[_wrap(v) for v in row] for row in rows]}


# --- the client, in every other process -------------------------------------------------------


class QueryClient:
    """Reads the event store through the service; one connection per thread, reused."""

    def __init__(self, path: Path, *, timeout_seconds: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout_seconds = timeout_seconds
        self._local = threading.local()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows as tuples, as :meth:`EventStore.query` gives them."""
        request = {"sql": sql, "params": [_wrap(p) for p in params]}
        for attempt in (1, 2):  # a reused connection may have been closed by a restart
            sock = self._socket()
            try:
                _send(sock, request)
                answer = _receive(sock)
                break
            except TimeoutError as error:  # slow, not gone: asking again would not help
                self._forget_socket()
                raise StoreUnavailableError(
                    f"the event store did not answer within {self.timeout_seconds:g} s"
                ) from error
            except (ConnectionError, OSError) as error:
                self._forget_socket()
                if attempt == 2:
                    raise StoreUnavailableError(self._unavailable(error)) from error
        if "error" in answer:
            raise StoreQueryError(answer["error"], answer.get("kind", "query"))
        return [tuple(row) for row in answer["rows"]]

    def _socket(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "socket", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout_seconds)
            try:
                sock.connect(str(self.path))
            except OSError as error:
                sock.close()
                raise StoreUnavailableError(self._unavailable(error)) from error
            self._local.socket = sock
        return sock

    def _forget_socket(self) -> None:
        sock = getattr(self._local, "socket", None)
        if sock is not None:
            sock.close()
        self._local.socket = None

    def _unavailable(self, error: BaseException) -> str:
        return (
            f"the event store does not answer at {self.path} ({error}); it is served by the "
            "mover: is `commonground run` (or `analytics_mover`) running?"
        )

    def close(self) -> None:
        self._forget_socket()
