"""The event store: one interface, an embedded DuckDB backend by default (ClickHouse later).

:func:`get_event_store` is the one place a store is opened; only the mover (the one writer)
opens an embedded store. Every other process reads through :func:`get_query_client`.
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
]


@cache
def get_event_store() -> EventStore:
    config: dict[str, Any] = settings.EVENT_STORE
    backend = import_string(str(config["BACKEND"]))
    store: EventStore = backend(**dict(config.get("OPTIONS", {})))
    return store


@cache
def get_query_client() -> QueryClient:
    """How every process but the mover reads the store: through the mover's query service."""
    return QueryClient(settings.ANALYTICS_STORE_SOCKET)
