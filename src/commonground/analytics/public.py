"""What other apps may call in analytics: the page panel, the demo's sites (as frozen
:class:`TrackedSiteInfo`), goals and history, weekly-report subscriptions; and the Stats API's
totals for a site (``site_totals``, per goal ``site_totals_by_goal``) with the sites, goal
names and filter dimensions they accept, and the errors they raise. Plain values and frozen
dataclasses only, never model instances."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import duckdb
from django.conf import settings

from .eventstore import StoreQueryError, StoreUnavailableError, open_event_store
from .models import Goal, TrackedSite, default_goal_name, normalise_domain
from .queries import QueryError, StatsRunner, parse_query
from .queries.catalogue import EVENT_DIMENSIONS, VISIT_DIMENSIONS, dimension
from .queries.runner import Reader
from .reports.page_panel import PageAnalyticsPanel
from .reports.weekly_report import is_subscribed, set_report_subscription

__all__ = [
    "PageAnalyticsPanel",
    "QueryError",
    "Reader",
    "StoreQueryError",
    "StoreUnavailableError",
    "TrackedSiteInfo",
    "ensure_goals",
    "ensure_history",
    "ensure_tracked_site",
    "filter_dimension",
    "goal_names",
    "is_subscribed",
    "reading_the_store_file",
    "set_report_subscription",
    "site_totals",
    "site_totals_by_goal",
    "tracked_sites",
]


@dataclass(frozen=True)
class TrackedSiteInfo:
    """A tracked site as other apps see it: its domain (what every query names it by) and
    its name."""

    domain: str
    name: str


class _SiteByDomain(Protocol):
    """Anything that names a tracked site by its domain (a TrackedSiteInfo)."""

    @property
    def domain(self) -> str: ...


def ensure_tracked_site(*, domain: str, name: str) -> TrackedSiteInfo:
    """The tracked site for ``domain``, created if it does not exist yet."""
    site, _ = TrackedSite.objects.get_or_create(
        domain=normalise_domain(domain), defaults={"name": name}
    )
    return TrackedSiteInfo(domain=site.domain, name=site.name)


def ensure_goals(
    *, site: _SiteByDomain, events: Sequence[str] = (), pages: Sequence[str] = ()
) -> int:
    """Goals for custom ``events`` (by name) and page ``paths`` (``/pricing/``, ``/blog/**``)
    on the tracked site ``site`` (a TrackedSiteInfo), each created unless a goal of that name
    exists; returns how many were made."""
    tracked = TrackedSite.objects.get(domain=normalise_domain(site.domain))
    wanted = [(Goal.Kind.EVENT, name, "") for name in events]
    wanted += [(Goal.Kind.PAGE, "", path) for path in pages]
    created = 0
    for kind, event_name, page_path in wanted:
        _, made = Goal.objects.get_or_create(
            site=tracked,
            display_name=default_goal_name(kind=kind, event_name=event_name, page_path=page_path),
            defaults={"kind": kind, "event_name": event_name, "page_path": page_path},
        )
        created += made
    return created


def ensure_history(*, site: str, paths: Sequence[str], days: int, events: int) -> str:
    """Generated traffic for ``site`` over the ``days`` days before today, unless the store
    already holds some of its events (so that a demo shows dashboards with a past). Returns
    one line saying what was done, for the caller to print."""
    # Imported here: numpy and the generator are not needed to serve pages.
    from .eventstore.generator import StoreLockedError, generate_traffic

    config: dict[str, Any] = settings.EVENT_STORE
    if not str(config["BACKEND"]).endswith("DuckDBEventStore"):
        return "Analytics history: skipped (the event store is not DuckDB)."
    path = str(config["OPTIONS"]["path"])
    try:
        store = open_event_store()
        try:
            store.migrate()
            existing = store.count_events(site=site)
        finally:
            store.close()
        if existing:
            return f"Analytics history: {existing:,} events already stored; leaving them."
        started = time.monotonic()
        written = generate_traffic(
            path=path,
            site=site,
            events=events,
            days=days,
            end_day=date.today() - timedelta(days=1),
            paths=sorted(paths),
        )
    except (StoreLockedError, duckdb.IOException) as error:
        return f"Analytics history: skipped, the event store is in use ({error})."
    return (
        f"Analytics history: {written:,} events over {days} days generated "
        f"in {time.monotonic() - started:.1f}s."
    )


def site_totals(
    *,
    site: str,
    first: date,
    last: date,
    metrics: Sequence[str],
    filters: Sequence[Any] = (),
    reader: Reader | None = None,
) -> dict[str, float | int | None]:
    """The totals of ``metrics`` for the tracked site ``site`` (its domain) over its days
    ``first`` to ``last``, under ``filters`` (Stats API filters, e.g.
    ``[["is", "visit:source", ["Newsletter"]]]``): the very numbers the Stats API and the
    dashboard answer for that query. Raises QueryError naming the field at fault, and
    StoreUnavailableError when the event store cannot be reached."""
    results = _results(site, first, last, metrics, filters, dimensions=[], reader=reader)
    values = results[0]["metrics"] if results else [None] * len(metrics)
    return dict(zip(metrics, values, strict=True))


def site_totals_by_goal(
    *,
    site: str,
    first: date,
    last: date,
    metrics: Sequence[str],
    filters: Sequence[Any] = (),
    reader: Reader | None = None,
) -> dict[str, dict[str, float | int | None]]:
    """``site_totals`` for every goal of the site at once (the Stats API's ``event:goal``
    dimension, one scan for all goals, as the dashboard's Goals panel asks): goal name ->
    metric -> value. A goal nobody completed in the period has no entry."""
    results = _results(
        site, first, last, metrics, filters, dimensions=["event:goal"], reader=reader
    )
    return {
        str(row["dimensions"][0]): dict(zip(metrics, row["metrics"], strict=True))
        for row in results
    }


def _results(
    site: str,
    first: date,
    last: date,
    metrics: Sequence[str],
    filters: Sequence[Any],
    *,
    dimensions: list[str],
    reader: Reader | None,
) -> list[dict[str, Any]]:
    # The Stats API's own parsing and answer, so the numbers are the API's and the dashboard's.
    query = parse_query(
        {
            "site_id": site,
            "date_range": [first.isoformat(), last.isoformat()],
            "metrics": list(metrics),
            "dimensions": dimensions,
            "filters": list(filters),
        }
    )
    results: list[dict[str, Any]] = (
        StatsRunner().run(query, reader=reader or _file_reader.get()).as_json()["results"]
    )
    return results


_file_reader: ContextVar[Reader | None] = ContextVar("analytics_file_reader", default=None)


@contextmanager
def reading_the_store_file() -> Iterator[bool]:
    """Within the block, ``site_totals`` reads the DuckDB file itself, read-only, instead of
    asking the mover's query service: for one-off batch work that runs while no mover does
    (the demo loader, before ``commonground run`` starts one). Yields whether it could; when
    the file is in use or the store is not DuckDB, reads go through the service as usual.

    A context rather than a ``reader`` argument because the reads happen deep inside the
    metric catalogue (scorecard, agenda, snapshots: ``compute(key, params, period)``), which
    knows nothing of readers; callers that hold a reader pass it to ``site_totals``."""
    config: dict[str, Any] = settings.EVENT_STORE
    if not str(config["BACKEND"]).endswith("DuckDBEventStore"):
        yield False
        return
    try:
        # The backend's module (numpy, for the embedded store) loads here, on first use.
        store = open_event_store(read_only=True)
    except duckdb.Error:
        yield False
        return
    token = _file_reader.set(store.query)
    try:
        yield True
    finally:
        _file_reader.reset(token)
        store.close()


# --- for the alignment metric catalogue ---------------------------------------------------


def tracked_sites() -> list[tuple[str, str]]:
    """(domain, name) of every tracked site, by name: the sites ``site_totals`` answers for."""
    return list(TrackedSite.objects.order_by("name", "domain").values_list("domain", "name"))


def goal_names(*, site: str | None = None) -> list[str]:
    """The display names of the goals of the tracked site ``site`` (its domain), or of every
    site when None, sorted and each once: the names an ``event:goal`` filter accepts."""
    goals = Goal.objects.all()
    if site is not None:
        goals = goals.filter(site__domain=normalise_domain(site))
    return sorted(set(goals.values_list("display_name", flat=True)))


def filter_dimension(name: str) -> str | None:
    """The Stats API dimension a filter on ``name`` means, or None when there is none: a full
    name (``visit:source``, ``event:page``, ``event:props:plan``) is kept, a bare one
    (``source``, ``utm_campaign``, ``page``, ``goal``) is looked up among the visit dimensions,
    then the event ones. Time dimensions are not filters (the date range chooses time)."""
    text = name.strip()
    if ":" in text:
        found = dimension(text)
        return found.name if found is not None and not found.is_time else None
    for prefix, known in (("visit:", VISIT_DIMENSIONS), ("event:", EVENT_DIMENSIONS)):
        if f"{prefix}{text}" in known:
            return f"{prefix}{text}"
    return None
