"""The test session's event store holding given events, owned and served by the real mover.

Events are written straight into the store file first (the mover is not running yet, so the
file is free), then the mover process starts and answers every other process's queries on
the session's socket, as it does in production. Each test uses a site of its own: the store
file is shared by the whole session.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from commonground.analytics.eventstore import Event, get_query_client
from commonground.analytics.eventstore.duckdb import DuckDBEventStore

from ..processes import Process, commonground, subprocess_env, wait_for


@contextmanager
def mover_serving(events: Sequence[Event], *, log_dir: Path) -> Iterator[Process]:
    store = DuckDBEventStore(Path(settings.EVENT_STORE["OPTIONS"]["path"]))
    try:
        store.migrate()
        store.insert_batch(events)
        # Closed as a bulk load of older events is: a mover of an earlier test may have
        # closed visits through a later time already, and would never look back at these.
        store.close_visits(
            through=datetime.now(UTC).replace(tzinfo=None), since=min(e.ts for e in events)
        )
    finally:
        store.close()
    with serving_mover(log_dir=log_dir) as mover:
        yield mover


@contextmanager
def serving_mover(*, log_dir: Path) -> Iterator[Process]:
    """The mover, answering queries on the session's store as written so far."""
    mover = Process(
        "mover",
        commonground("analytics_mover", "--interval", "0.2"),
        env=subprocess_env(),
        log_dir=log_dir,
    )
    try:
        wait_for(
            lambda: mover.assert_running() or "mover: answering queries" in mover.log_tail(),
            timeout=60,
        )
        yield mover
    finally:
        get_query_client().close()
        mover.stop()


Step = tuple[str, str] | tuple[str, str, dict[str, Any]]  # (name, path[, other Event fields])


def visit(site: str, start: datetime, visitor: int, source: str, steps: list[Step]) -> list[Event]:
    """One visit of ``visitor`` from ``source`` ("" for direct), an event every 30 seconds from
    ``start`` (naive UTC); like the mover, the visit's source is on its first event only."""
    return [
        Event(
            site=site,
            ts=start + timedelta(seconds=30 * index),
            name=step[0],
            visitor_id=visitor,
            session_id=visitor * 10,
            hostname=site,
            pathname=step[1],
            referrer_source=source if index == 0 else "",
            referrer=f"https://{source.lower().replace(' ', '')}.example/"
            if source and not index
            else "",
            **(step[2] if len(step) == 3 else {}),
        )
        for index, step in enumerate(steps)
    ]
