"""The durable spool: acknowledged events wait here, one line each, until the mover stores them.

Each server process appends to its own segment file with one ``write`` per event, and the
ingest endpoint answers 2xx only after that write returned: the event is then in the
kernel's page cache and survives ``kill -9`` of any of our processes. Segments are named
``<start ns>-<pid>.open`` while written and renamed to ``.closed`` when rotated; a segment
whose writer died is closed by the mover. Only the mover reads or deletes segments.
"""

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode

OPEN_SUFFIX = ".open"
CLOSED_SUFFIX = ".closed"


class SpoolWriter:
    """Appends records for one process; safe to share between threads, re-opens after fork."""

    def __init__(
        self, directory: Path, *, rotate_seconds: float = 30.0, rotate_bytes: int = 16 << 20
    ) -> None:
        self.directory = Path(directory)
        self.rotate_seconds = rotate_seconds
        self.rotate_bytes = rotate_bytes
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        self._path: Path | None = None
        self._opened_at = 0.0
        self._written = 0

    def append(self, record: dict[str, Any]) -> None:
        line = _encode(record) + b"\n"
        with self._lock:
            fd = self._segment_fd(len(line))
            written = os.write(fd, line)
            if written != len(line):
                # A short write leaves a partial line; the mover drops it. Refuse the event.
                self._rotate()
                raise OSError("short write to the spool")
            self._written += written

    def _segment_fd(self, incoming: int) -> int:
        now = time.monotonic()
        if self._fd is not None and self._pid == os.getpid():
            too_old = now - self._opened_at > self.rotate_seconds
            if not too_old and self._written + incoming <= self.rotate_bytes:
                return self._fd
            self._rotate()
        elif self._fd is not None:
            self._fd = None  # inherited from the parent process: never write to its segment
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._path = self.directory / f"{time.time_ns()}-{self._pid}{OPEN_SUFFIX}"
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._opened_at = now
        self._written = 0
        return self._fd

    def _rotate(self) -> None:
        if self._fd is None or self._path is None:
            return
        os.close(self._fd)
        self._fd = None
        with contextlib.suppress(FileNotFoundError):
            self._path.rename(self._path.with_suffix(CLOSED_SUFFIX))

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._rotate()


@dataclass(frozen=True)
class Segment:
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def closed(self) -> bool:
        return self.path.suffix == CLOSED_SUFFIX

    @property
    def writer_pid(self) -> int:
        return int(self.path.stem.rsplit("-", 1)[1])

    def current_path(self) -> Path:
        """Where the segment is now: an open one may have been closed since it was listed."""
        return self.path if self.path.exists() else self.path.with_suffix(CLOSED_SUFFIX)

    def size(self) -> int:
        """Bytes written so far (0 once the segment is gone)."""
        try:
            return self.current_path().stat().st_size
        except FileNotFoundError:
            return 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_segments(directory: Path, *, abandoned_after: float = 5.0) -> list[Segment]:
    """Segments oldest first; an open segment whose writer is gone is closed on the way."""
    segments = []
    now = time.time()
    for path in sorted(Path(directory).glob("*-*.*")):
        if path.suffix not in (OPEN_SUFFIX, CLOSED_SUFFIX):
            continue
        segment = Segment(path)
        if not segment.closed and not _pid_alive(segment.writer_pid):
            with contextlib.suppress(FileNotFoundError):
                if now - path.stat().st_mtime >= abandoned_after:
                    closed = path.with_suffix(CLOSED_SUFFIX)
                    path.rename(closed)
                    segment = Segment(closed)
        segments.append(segment)
    return segments


def read_lines(
    segment: Segment, offset: int, *, max_bytes: int = 4 << 20
) -> tuple[list[bytes], int]:
    """Complete lines after ``offset``; returns them and the offset after them.

    A trailing line without its newline is left for later, or, in a closed segment, is the
    remnant of a write that was never acknowledged and is skipped.
    """
    with segment.current_path().open("rb") as handle:
        handle.seek(offset)
        chunk = handle.read(max_bytes)
    end = chunk.rfind(b"\n")
    if end < 0:
        skip_remnant = segment.closed and len(chunk) < max_bytes
        return [], offset + (len(chunk) if skip_remnant else 0)
    lines = chunk[: end + 1].splitlines()
    new_offset = offset + end + 1
    if segment.closed and len(chunk) < max_bytes and end + 1 < len(chunk):
        new_offset = offset + len(chunk)  # drop the unacknowledged remnant
    return lines, new_offset
