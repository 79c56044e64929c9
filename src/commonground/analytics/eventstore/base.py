"""The event-store interface and the event record every backend stores."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


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


class EventStore(ABC):
    """Where events live. Writes come from one process at a time (the spool mover)."""

    @abstractmethod
    def migrate(self) -> list[int]:
        """Bring the schema up to date; returns the versions applied."""

    @abstractmethod
    def insert_batch(
        self, events: Sequence[Event], *, checkpoint: tuple[str, int] | None = None
    ) -> None:
        """Store ``events`` atomically, together with the spool checkpoint they came from.

        ``checkpoint`` is (segment name, byte offset after the last event): storing it in the
        same transaction is what makes moving events from the spool exactly-once.
        """

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
        """Delete events older than ``cutoff`` (retention); returns how many."""

    @abstractmethod
    def close(self) -> None: ...
