"""The event store: one interface, an embedded DuckDB backend by default (ClickHouse later).

Use :func:`get_event_store`; it is the one place a store client is constructed.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from .base import EVENT_COLUMNS, Event, EventStore, epoch_microseconds

__all__ = ["EVENT_COLUMNS", "Event", "EventStore", "epoch_microseconds", "get_event_store"]


@cache
def get_event_store() -> EventStore:
    config: dict[str, Any] = settings.EVENT_STORE
    backend = import_string(str(config["BACKEND"]))
    store: EventStore = backend(**dict(config.get("OPTIONS", {})))
    return store
