"""Enqueue periodic tasks (scheduled publishing, housekeeping) for the task worker."""

import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from commonground.core.tasks import prune_page_cache_index, publish_scheduled_pages

logger = logging.getLogger("commonground.scheduler")


class Command(BaseCommand):
    help = "Run the scheduler: enqueue periodic background tasks until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between checks (default: SCHEDULER_INTERVAL_SECONDS).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue one round and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.SCHEDULER_INTERVAL_SECONDS
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"scheduler: checking go-live and expiry times every {interval:g}s")
        last_prune = 0.0
        while not stop.is_set():
            close_old_connections()
            try:
                publish_scheduled_pages.enqueue()
                if time.monotonic() - last_prune > 3600:
                    prune_page_cache_index.enqueue()
                    last_prune = time.monotonic()
            except Exception:
                # A database hiccup must not stop scheduling; the next round retries.
                logger.exception("scheduler: could not enqueue periodic tasks")
            if options["once"]:
                break
            stop.wait(interval)
