"""Synthetic, realistic analytics traffic, written in bulk straight into the event store: the
traffic model (:mod:`.traffic`) and the writer that loads it (:mod:`.writer`)."""

from .traffic import DEFAULT_PATHS
from .writer import CHUNK_EVENTS, StoreLockedError, generate_traffic

__all__ = ["CHUNK_EVENTS", "DEFAULT_PATHS", "StoreLockedError", "generate_traffic"]
