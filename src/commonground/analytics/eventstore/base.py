"""The event-store interface and the event record every backend stores."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from .service import QueryService


@dataclass(frozen=True, slots=True)
class Event:
    """One tracked event, already enriched; holds no IP address and no raw user agent."""

    site: str
    ts: datetime  # UTC
    name: str  # "pageview" or a custom event name
    visitor_id: int
    session_id: int
    hostname: str
    pathname: str
    referrer: str = ""
    referrer_source: str = ""
    channel: str = ""  # search, social, email, paid, referral, direct
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    click_id: str = ""  # which click-id parameter was present (gclid, fbclid...), not its value
    country: str = ""
    region: str = ""
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    os_version: str = ""
    device: str = ""  # desktop, mobile, tablet
    props: Mapping[str, str] = field(default_factory=dict)
    revenue_amount: float | None = None
    revenue_currency: str = ""
    interactive: bool = True
    lcp_ms: float | None = None
    inp_ms: float | None = None
    cls: float | None = None
    ttfb_ms: float | None = None


EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Event))

# Daily rollups, one row per (site, UTC day, column, value) and one per (site, UTC day) with
# column '' for the day's totals: ``daily_visits`` by the visit columns below, from closed
# visits (visitors, visits, pageviews, bounces, duration, events); ``daily_events`` by the
# event columns below plus PAGEVIEW_PATH, the path of pageviews only (visitors, visits,
# pageviews, events, revenue). Visitor ids rotate at UTC midnight, so a period's visitors
# are exactly the sum of its days': whole days are answered from here.
ROLLUP_VISIT_COLUMNS: tuple[str, ...] = (
    "entry_page",
    "exit_page",
    "hostname",
    "referrer_source",
    "referrer",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "country",
    "region",
    "device",
    "browser",
    "browser_version",
    "os",
    "os_version",
)
ROLLUP_EVENT_COLUMNS: tuple[str, ...] = ("pathname", "name", "hostname")
PAGEVIEW_PATH = "pageview_path"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_encode = msgspec.json.Encoder().encode


def epoch_microseconds(ts: datetime) -> int:
    """``ts`` (UTC when naive) as whole microseconds since the Unix epoch."""
    aware = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


def event_row(event: Event) -> bytes:
    """``event`` as a JSON row, the form :meth:`EventStore.insert_rows` takes."""
    values = {column: getattr(event, column) for column in EVENT_COLUMNS}
    values["ts"] = epoch_microseconds(event.ts)
    values["props"] = dict(event.props)
    return _encode(values)


class EventStore(ABC):
    """Where events live. Writes come from one process at a time (the spool mover)."""

    @abstractmethod
    def migrate(self) -> list[int]:
        """Bring the schema up to date; returns the versions applied."""

    @abstractmethod
    def insert_rows(
        self, rows: Sequence[bytes], *, checkpoint: tuple[str, int] | None = None
    ) -> None:
        """Store events given as JSON rows, atomically with the spool checkpoint they came from.

        A row is one JSON object with every field of :class:`Event`: ``ts`` as integer
        microseconds since the Unix epoch (UTC), ``props`` an object of strings, NULL-able
        numbers as ``null``. Rows go into the store without a Python object per value (the
        mover's path; ClickHouse takes the very same rows as ``JSONEachRow``). A row the
        store refuses fails the whole call, and nothing of it is stored.

        ``checkpoint`` is (segment name, byte offset after the last event): storing it in the
        same transaction is what makes moving events from the spool exactly-once.
        """

    def insert_batch(
        self, events: Sequence[Event], *, checkpoint: tuple[str, int] | None = None
    ) -> None:
        """:meth:`insert_rows` for :class:`Event` objects."""
        self.insert_rows([event_row(event) for event in events], checkpoint=checkpoint)

    @abstractmethod
    def checkpoints(self) -> dict[str, int]:
        """The committed byte offset of every spool segment seen so far."""

    @abstractmethod
    def forget_checkpoints(self, segments: Sequence[str]) -> None:
        """Drop checkpoints of spool segments that have been deleted."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query written in the backend-neutral dialect."""

    @abstractmethod
    def delete_before(self, cutoff: datetime) -> int:
        """Delete events older than ``cutoff`` and visits that started before it (retention),
        in one transaction; returns how many events."""

    @abstractmethod
    def close_visits(self, *, through: datetime, since: datetime | None = None) -> int:
        """Store every visit whose events all lie before ``through`` and that is not stored
        yet; returns how many were written.

        Looks at events from a day before the previous ``through`` on (a visit lies within one
        UTC day), or from ``since`` if that is earlier (a bulk load of older events). The
        visits and the new ``through`` are committed together, so a crash leaves either both
        or neither; ``through`` never moves backwards. Naive datetimes are UTC.

        In the same transaction, every UTC day that ends at or before ``through`` and is not
        rolled up yet is: see :data:`ROLLUP_VISIT_COLUMNS`.
        """

    @abstractmethod
    def closed_through(self) -> datetime:
        """Up to when visits are closed: every visit whose events all lie before this moment
        (naive, UTC) is stored; see :meth:`close_visits`."""

    @abstractmethod
    def latest_visits(self, *, since: datetime) -> list[tuple[str, int, datetime, int]]:
        """(site, visitor id, time of the visitor's latest event, that event's visit) of every
        visitor with an event at or after ``since``: what the mover rebuilds the open visits
        from after a restart."""

    @abstractmethod
    def count_events(self, *, site: str) -> int:
        """How many events of the tracked site ``site`` (its domain) the store holds."""

    def query_service(self, path: Path) -> "QueryService | None":
        """What lets other processes read this store while its owner writes, if it needs one
        (an embedded store does; a database server does not)."""
        return None

    @abstractmethod
    def close(self) -> None: ...
