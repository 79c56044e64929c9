"""The event store: one interface, an embedded DuckDB backend by default (ClickHouse later).

:func:`open_event_store` is the one place a store is opened, as EVENT_STORE configures it;
:func:`get_event_store` is the mover's (the one writer's) store, and one-off work while no
mover runs (the traffic generator, the demo's history) opens its own. Every other process
reads through :func:`get_query_client`.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from .base import EVENT_COLUMNS, Event, EventStore, epoch_microseconds
from .service import QueryClient, StoreQueryError, StoreUnavailableError

__all__ = [
    "EVENT_COLUMNS",
    "Event",
    "EventStore",
    "QueryClient",
    "StoreQueryError",
    "StoreUnavailableError",
    "epoch_microseconds",
    "get_event_store",
    "get_query_client",
    "open_event_store",
]


def open_event_store(**options: Any) -> EventStore:
    """A new store of the configured backend (EVENT_STORE), ``options`` replacing its OPTIONS
    where given (another file, ``read_only``, a memory limit); the caller closes it."""
    config: dict[str, Any] = settings.EVENT_STORE
    backend = import_string(str(config["BACKEND"]))
    store: EventStore = backend(**{**dict(config.get("OPTIONS", {})), **options})
    return store


@cache
def get_event_store() -> EventStore:
    return open_event_store()


@cache
def get_query_client() -> QueryClient:
    """How every process but the mover reads the store: through the mover's query service."""
    return QueryClient(settings.ANALYTICS_STORE_SOCKET)
