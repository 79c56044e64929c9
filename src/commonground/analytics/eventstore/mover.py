"""The mover: the one process that writes the event store, moving spool lines into it.

Each batch is stored with its spool checkpoint in one transaction (exactly-once). Visits
(sessions) are assigned here, in arrival order: a visitor's events belong to one visit until
30 minutes pass without one. After a restart the state is rebuilt from the store itself, so
replayed lines get the same visit as before. About once a minute, visits that can no longer
grow are closed: written to the store's visit table (:func:`close_finished_visits`).
"""

import hashlib
import logging
from dataclasses import MISSING, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import msgspec

from ..ingest.spool import Segment, list_segments, read_lines
from .base import Event, EventStore, epoch_microseconds

logger = logging.getLogger(__name__)

VISIT_TIMEOUT = timedelta(minutes=30)
# A visit is closed once its last event is this old: the timeout, and five minutes for
# events still on their way through the spool (ingest stamps an event when it arrives).
VISIT_CLOSE_DELAY = VISIT_TIMEOUT + timedelta(minutes=5)
_VISIT_TIMEOUT_US = VISIT_TIMEOUT // timedelta(microseconds=1)
_BIGINT = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
# From 1970 to the end of year 9999, in seconds: what every store's timestamps can hold.
_SECONDS = Annotated[float, msgspec.Meta(ge=0, lt=253_402_300_800)]


def _spooled_event_type() -> type[msgspec.Struct]:
    """A spool line's shape, derived from :class:`Event`, as a msgspec type that validates
    a line while decoding it: ``ts`` is in seconds, and ``session_id`` (given by the mover)
    may be absent. Fields the line has and Event has not are dropped."""
    specs: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for f in fields(Event):
        kind: Any = {"ts": _SECONDS, "visitor_id": _BIGINT, "session_id": _BIGINT}.get(
            f.name, f.type
        )
        if f.name == "session_id":
            default: Any = 0
        elif f.default_factory is not MISSING:
            default = msgspec.field(default_factory=f.default_factory)
        else:
            default = f.default
        specs.append((f.name, kind, default) if default is not MISSING else (f.name, kind))
    return msgspec.defstruct("SpooledEvent", specs, kw_only=True)


_SpooledEvent = _spooled_event_type()
_decode_line = msgspec.json.Decoder(_SpooledEvent).decode
_encode_row = msgspec.json.Encoder().encode


class VisitTracker:
    """Which visit each visitor is in; one entry per visitor whose visit is still open (not
    closed in the store), so an event after a visit was closed starts a new one.

    Times are microseconds since the epoch, as in the store's rows.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], tuple[int, int]] = {}

    def load(self, store: EventStore, *, now: datetime) -> None:
        """The open visits' visitors, from the store (after a restart)."""
        closed_through = store.closed_through()
        # A visit lies within one UTC day: a store that has not closed visits for longer
        # (one migrated just now) has nothing older that could still grow.
        naive_now = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
        since = max(closed_through, naive_now - timedelta(days=1))
        self._last = {
            (site, vid): (epoch_microseconds(ts), session)
            for site, vid, ts, session in store.latest_visits(since=since)
        }

    def visit_for(self, site: str, visitor_id: int, ts: int) -> int:
        key = (site, visitor_id)
        last = self._last.get(key)
        if last is not None and abs(ts - last[0]) <= _VISIT_TIMEOUT_US:
            session = last[1]
        else:
            digest = hashlib.blake2b(
                f"{site}\x00{visitor_id}\x00{ts}".encode(), digest_size=8
            ).digest()
            session = int.from_bytes(digest, "big") >> 1
        self._last[key] = (max(ts, last[0]) if last else ts, session)
        return session

    def forget_before(self, cutoff: datetime) -> None:
        limit = epoch_microseconds(cutoff)
        self._last = {k: v for k, v in self._last.items() if v[0] >= limit}


def row_from_line(line: bytes, visits: VisitTracker) -> bytes | None:
    """The store's JSON row for one spool line, or None for a line that is not an event."""
    try:
        event: Any = _decode_line(line)
        event.ts = round(event.ts * 1_000_000)
        event.session_id = visits.visit_for(event.site, event.visitor_id, event.ts)
        return _encode_row(event)
    except (msgspec.MsgspecError, ValueError):  # not JSON, a field missing or mistyped
        logger.warning("mover: skipped a spool line that is not an event")
        return None


def move_once(store: EventStore, spool_dir: Path, visits: VisitTracker) -> int:
    """Move everything complete in the spool into the store; returns how many events."""
    moved = 0
    checkpoints = store.checkpoints()
    segments = list_segments(spool_dir)
    for segment in segments:
        offset = checkpoints.get(segment.name, 0)
        # Up to what the segment held when the pass began: against a writer that never stops,
        # chasing its newest lines would make a pass of many tiny batches, each paying for a
        # transaction. What comes later is the next pass's one large batch.
        size = segment.size()
        while offset < size:
            lines, new_offset = read_lines(segment, offset)
            if new_offset == offset:
                break
            rows = [row for row in (row_from_line(line, visits) for line in lines) if row]
            store.insert_rows(rows, checkpoint=(segment.name, new_offset))
            moved += len(rows)
            offset = new_offset
        _delete_if_done(store, segment, offset)
    return moved


def _delete_if_done(store: EventStore, segment: Segment, offset: int) -> None:
    if not segment.closed:
        return
    path = segment.path
    if path.exists() and path.stat().st_size <= offset:
        path.unlink()
        store.forget_checkpoints([segment.name])


def close_finished_visits(store: EventStore, visits: VisitTracker, *, now: datetime) -> int:
    """Store the visits whose last event is over :data:`VISIT_CLOSE_DELAY` old and forget
    their visitors, so a later event of theirs starts a new visit instead of changing a
    closed one. Returns how many visits were written."""
    through = now - VISIT_CLOSE_DELAY
    written = store.close_visits(through=through)
    visits.forget_before(through)
    return written


def enforce_retention(store: EventStore, *, months: int, now: datetime | None = None) -> int:
    """Delete events (and visits) older than ``months`` months (30.44 days each); returns
    how many events."""
    now = now or datetime.now(UTC)
    return store.delete_before(now - timedelta(days=round(months * 30.44)))
