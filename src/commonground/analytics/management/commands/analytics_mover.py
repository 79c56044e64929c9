"""Run the mover: the single writer of the event store, fed from the spool."""

import signal
import threading
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from commonground.analytics.eventstore import get_event_store
from commonground.analytics.eventstore.mover import (
    VisitTracker,
    close_finished_visits,
    enforce_retention,
    move_once,
)

CLOSE_VISITS_EVERY_S = 60.0


class Command(BaseCommand):
    help = "Move acknowledged events from the spool into the event store until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="move what is there and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        store = get_event_store()
        store.migrate()
        visits = VisitTracker()
        visits.load(store, now=datetime.now(UTC))
        spool_dir = settings.ANALYTICS_SPOOL_DIR
        # The store's owner answers everyone else's queries (dashboards, the Stats API).
        service = None if options["once"] else store.query_service(settings.ANALYTICS_STORE_SOCKET)
        if service is not None:
            try:
                service.start()
            except OSError as error:
                # Moving acknowledged events matters more than answering dashboards.
                self.stderr.write(f"mover: not answering queries: {error}")
                service = None
            else:
                self.stdout.write(f"mover: answering queries on {service.path}")
        self.stdout.write(f"mover: moving events from {spool_dir} into the event store")
        next_retention = 0.0
        next_close = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() >= next_retention:
                    # Retention runs here: only the mover may write to the store.
                    deleted = enforce_retention(store, months=settings.ANALYTICS_RETENTION_MONTHS)
                    if deleted:
                        self.stdout.write(f"mover: retention deleted {deleted} events")
                    next_retention = time.monotonic() + 24 * 3600
                started = time.monotonic()
                moved = move_once(store, spool_dir, visits)
                if options["once"] or time.monotonic() >= next_close:
                    # After a pass: everything that reached the spool by now is stored.
                    closed = close_finished_visits(store, visits, now=datetime.now(UTC))
                    next_close = time.monotonic() + CLOSE_VISITS_EVERY_S
                if options["once"]:
                    self.stdout.write(f"mover: moved {moved} events, closed {closed} visits")
                    break
                # Busy or not, one pass per interval: under load each pass then moves one
                # interval's worth of events in a few large batches instead of many small
                # ones, and the per-batch cost (a transaction, a checkpoint) stays small.
                stop.wait(max(0.0, options["interval"] - (time.monotonic() - started)))
        finally:
            if service is not None:
                service.stop()
            store.close()
