"""The mover: the one process that writes the event store, moving spool lines into it.

Each batch is stored with its spool checkpoint in one transaction (exactly-once). Visits
(sessions) are assigned here, in arrival order: a visitor's events belong to one visit until
30 minutes pass without one. After a restart the state is rebuilt from the store itself, so
replayed lines get the same visit as before.
"""

import hashlib
import logging
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .eventstore import Event, EventStore
from .spool import Segment, list_segments, read_records

logger = logging.getLogger(__name__)

VISIT_TIMEOUT = timedelta(minutes=30)
_EVENT_FIELDS = {f.name for f in fields(Event)}


class VisitTracker:
    """Which visit each visitor is in; one entry per visitor seen in the last 30 minutes."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], tuple[datetime, int]] = {}

    def load(self, store: EventStore, *, now: datetime) -> None:
        rows = store.query(
            "SELECT site, visitor_id, max(ts), arg_max(session_id, ts) FROM events "
            "WHERE ts >= ? GROUP BY site, visitor_id",
            [(now - VISIT_TIMEOUT).replace(tzinfo=None)],
        )
        self._last = {(site, vid): (ts, session) for site, vid, ts, session in rows}

    def visit_for(self, site: str, visitor_id: int, ts: datetime) -> int:
        key = (site, visitor_id)
        last = self._last.get(key)
        if last is not None and ts - last[0] <= VISIT_TIMEOUT and ts >= last[0] - VISIT_TIMEOUT:
            session = last[1]
        else:
            digest = hashlib.blake2b(
                f"{site}\x00{visitor_id}\x00{ts.isoformat()}".encode(), digest_size=8
            ).digest()
            session = int.from_bytes(digest, "big") >> 1
        self._last[key] = (max(ts, last[0]) if last else ts, session)
        return session

    def forget_before(self, cutoff: datetime) -> None:
        self._last = {k: v for k, v in self._last.items() if v[0] >= cutoff}


def event_from_record(record: dict[str, Any], visits: VisitTracker) -> Event | None:
    """The event for one spool line, or None for a line that is not an event."""
    try:
        ts = datetime.fromtimestamp(float(record["ts"]), UTC).replace(tzinfo=None)
        values = {k: record[k] for k in _EVENT_FIELDS.intersection(record)}
        values["ts"] = ts
        values["session_id"] = visits.visit_for(record["site"], int(record["visitor_id"]), ts)
        return Event(**values)
    except (KeyError, TypeError, ValueError):
        logger.warning("mover: skipped a spool line that is not an event")
        return None


def move_once(store: EventStore, spool_dir: Path, visits: VisitTracker) -> int:
    """Move everything complete in the spool into the store; returns how many events."""
    moved = 0
    checkpoints = store.checkpoints()
    segments = list_segments(spool_dir)
    for segment in segments:
        offset = checkpoints.get(segment.name, 0)
        while True:
            records, new_offset = read_records(segment, offset)
            if new_offset == offset:
                break
            events = [e for e in (event_from_record(r, visits) for r in records) if e]
            store.insert_batch(events, checkpoint=(segment.name, new_offset))
            moved += len(events)
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


def enforce_retention(store: EventStore, *, months: int, now: datetime | None = None) -> int:
    """Delete events older than ``months`` months (30.44 days each); returns how many."""
    now = now or datetime.now(UTC)
    return store.delete_before(now - timedelta(days=round(months * 30.44)))
