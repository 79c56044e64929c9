"""Insight queries: typed questions (Plausible Stats API v2 vocabulary) compiled once to SQL.

One runner per kind of insight (:mod:`.runner`): :class:`StatsRunner` (metrics by
dimensions), :class:`FunnelRunner`, :class:`JourneyRunner`, :class:`PropertyKeysRunner`, each
registered in ``RUNNERS`` by its kind. A runner's ``parse`` checks a request into its query
(``parse_*`` are the same checks as functions), ``compile`` gives its SQL, ``run`` answers it
through the event store's query service as a frozen result whose ``as_json()`` is what the
API returns. Every refusal is a :class:`QueryError` naming the field.
"""

from ..eventstore import StoreQueryError, StoreUnavailableError
from .funnels import FunnelQuery, FunnelRunner, parse_funnel
from .journeys import JourneyQuery, JourneyRunner, parse_journey
from .properties import PropertyKeysQuery, PropertyKeysRunner, parse_property_keys
from .request import QueryBody, QueryError, StatsQuery, parse_query
from .results import FunnelResult, JourneyResult, PropertyKeys, StatsResult
from .runner import RUNNERS, QueryRunner, Reader, get_runner
from .sql import Statement
from .stats import StatsRunner

__all__ = [
    "RUNNERS",
    "FunnelQuery",
    "FunnelResult",
    "FunnelRunner",
    "JourneyQuery",
    "JourneyResult",
    "JourneyRunner",
    "PropertyKeys",
    "PropertyKeysQuery",
    "PropertyKeysRunner",
    "QueryBody",
    "QueryError",
    "QueryRunner",
    "Reader",
    "Statement",
    "StatsQuery",
    "StatsResult",
    "StatsRunner",
    "StoreQueryError",
    "StoreUnavailableError",
    "get_runner",
    "parse_funnel",
    "parse_journey",
    "parse_property_keys",
    "parse_query",
]
