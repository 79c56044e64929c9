"""Enqueue periodic tasks (scheduled publishing, housekeeping) for the task worker."""

import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("commonground.scheduler")


class Command(BaseCommand):
    help = (
        "Run the scheduler: enqueue the tasks in PERIODIC_TASKS for the worker, each at its "
        "interval, until stopped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between scheduled-publishing checks (default: 15).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue every task once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        periodic = dict(settings.PERIODIC_TASKS)
        if options["interval"]:
            periodic["commonground.core.tasks.publish_scheduled_pages"] = options["interval"]
        tasks = [(import_string(path), float(seconds)) for path, seconds in periodic.items()]
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(
            "scheduler: " + ", ".join(f"{task.name} every {seconds:g}s" for task, seconds in tasks)
        )
        due = [0.0] * len(tasks)
        while not stop.is_set():
            close_old_connections()
            now = time.monotonic()
            for index, (task, seconds) in enumerate(tasks):
                if now < due[index]:
                    continue
                try:
                    task.enqueue()
                    due[index] = now + seconds
                except Exception:
                    # A database hiccup must not stop scheduling; the next round retries.
                    logger.exception("scheduler: could not enqueue %s", task.name)
            if options["once"]:
                break
            stop.wait(max(0.2, min(due) - time.monotonic()))
