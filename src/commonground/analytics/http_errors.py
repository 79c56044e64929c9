"""How analytics refuses over HTTP: the JSON body of a refusal (ingest and the Stats API), and
how a query the event store could not answer is answered: the same status for the same error,
whether the Stats API, the admin's dashboard or a page's analytics panel asked."""

import json
import logging
from dataclasses import dataclass

from .eventstore import StoreQueryError, StoreUnavailableError

logger = logging.getLogger(__name__)

STORE_DOWN_RETRY_SECONDS = 60  # the mover restarting takes seconds, a stopped one longer
STORE_BUSY_RETRY_SECONDS = 10


def json_error(field_name: str, message: str) -> bytes:
    """The body of a refusal: ``{"error": "<field>: <message>", "field": "<field>"}``."""
    return json.dumps({"error": f"{field_name}: {message}", "field": field_name}).encode()


@dataclass(frozen=True)
class StoreFailure:
    status: int  # 503: asking again later may work; 500: a defect of ours, logged
    field: str  # "store", or "query" for a query the store failed
    message: str  # for any client: names no path
    detail: str  # for the operator and signed-in staff: what to look at
    retry_after: int | None


def store_failure(error: StoreUnavailableError | StoreQueryError, *, query: object) -> StoreFailure:
    """What to answer for ``error``, raised while answering ``query`` (logged with it)."""
    if isinstance(error, StoreUnavailableError):
        # The details name the socket's path and the process to start: the operator's.
        logger.warning("the event store is not answering: %s", error)
        return StoreFailure(
            503,
            "store",
            "the analytics store is not answering; try again in a minute",
            str(error),
            STORE_DOWN_RETRY_SECONDS,
        )
    if error.kind == "query":
        # The store failed SQL the query layer built: not the request's fault.
        logger.error("the store failed a query for %s", query, exc_info=error)
        message = "the store could not answer this query; it is logged"
        return StoreFailure(500, "query", message, message, None)
    # Refused (too many connections, too large an answer) or stopped at the store's time limit.
    message = f"{error}; try a shorter date range" if error.kind == "timeout" else str(error)
    return StoreFailure(503, "store", message, message, STORE_BUSY_RETRY_SECONDS)
