"""Insight queries: typed questions (Plausible Stats API v2 vocabulary) compiled once to SQL.

``parse_query`` checks a request into a :class:`StatsQuery`; ``run_query`` answers it through
the event store's query service. Every refusal is a :class:`QueryError` naming the field.
"""

from typing import Any

from .request import QueryBody, QueryError, StatsQuery, parse_query
from .stats import Reader, run_stats

__all__ = ["QueryBody", "QueryError", "StatsQuery", "parse_query", "run_query"]


def run_query(
    query: StatsQuery, *, approximate: bool = False, reader: Reader | None = None
) -> dict[str, Any]:
    """The answer to ``query``; ``approximate`` lets visitor counts be HyperLogLog estimates.

    Raises QueryError, and StoreUnavailableError when the event store cannot be reached.
    """
    if reader is None:
        from ..eventstore import get_query_client

        reader = get_query_client().query
    return run_stats(query, reader=reader, approximate=approximate)
