"""Insight queries: typed questions (Plausible Stats API v2 vocabulary) compiled once to SQL.

One class per insight: :class:`StatsQuery` (metrics by dimensions), :class:`FunnelQuery`,
:class:`JourneyQuery`. ``parse_*`` checks a request into one; ``run_*`` answers it through the
event store's query service. Every refusal is a :class:`QueryError` naming the field.
"""

from datetime import date
from typing import Any

from ..eventstore import StoreQueryError, StoreUnavailableError
from .funnels import FunnelQuery, parse_funnel, run_funnel
from .journeys import JourneyQuery, parse_journey, run_journey
from .properties import run_property_keys
from .request import QueryBody, QueryError, StatsQuery, parse_query
from .stats import Reader, run_stats

__all__ = [
    "FunnelQuery",
    "JourneyQuery",
    "QueryBody",
    "QueryError",
    "StatsQuery",
    "StoreQueryError",
    "StoreUnavailableError",
    "answer_funnel",
    "answer_journey",
    "parse_funnel",
    "parse_journey",
    "parse_query",
    "property_keys",
    "run_query",
]


def _store_reader() -> Reader:
    from ..eventstore import get_query_client

    return get_query_client().query


def run_query(
    query: StatsQuery, *, approximate: bool = False, reader: Reader | None = None
) -> dict[str, Any]:
    """The answer to ``query``; ``approximate`` lets visitor counts be HyperLogLog estimates.

    Raises QueryError, and StoreUnavailableError when the event store cannot be reached.
    """
    return run_stats(query, reader=reader or _store_reader(), approximate=approximate)


def answer_funnel(funnel: FunnelQuery, *, reader: Reader | None = None) -> dict[str, Any]:
    """Visitors reaching each step of ``funnel``, with conversion and drop-off."""
    return run_funnel(funnel, reader=reader or _store_reader())


def answer_journey(journey: JourneyQuery, *, reader: Reader | None = None) -> dict[str, Any]:
    """The most common paths into and out of ``journey.page``."""
    return run_journey(journey, reader=reader or _store_reader())


def property_keys(
    site_id: str, first: date, last: date, *, reader: Reader | None = None
) -> list[str]:
    """The custom-property keys sent for the site between ``first`` and ``last`` (its days)."""
    return run_property_keys(site_id, (first, last), reader=reader or _store_reader())
