"""What other apps may call in analytics."""

import time
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from .eventstore import StoreUnavailableError
from .ingest import client_ip
from .models import Goal, TrackedSite, default_goal_name, normalise_domain
from .page_panel import PageAnalyticsPanel
from .queries import QueryError, parse_query, run_query
from .queries.stats import Reader
from .ratelimit import SourceLimiter
from .weekly_report import is_subscribed, set_report_subscription

__all__ = [
    "PageAnalyticsPanel",
    "QueryError",
    "Reader",
    "SourceLimiter",
    "StoreUnavailableError",
    "client_ip",
    "ensure_goals",
    "ensure_history",
    "ensure_tracked_site",
    "is_subscribed",
    "set_report_subscription",
    "site_totals",
]


def ensure_tracked_site(*, domain: str, name: str) -> TrackedSite:
    """The tracked site for ``domain``, created if it does not exist yet."""
    site, _ = TrackedSite.objects.get_or_create(
        domain=normalise_domain(domain), defaults={"name": name}
    )
    return site


def ensure_goals(
    *, site: TrackedSite, events: Sequence[str] = (), pages: Sequence[str] = ()
) -> int:
    """Goals for custom ``events`` (by name) and page ``paths`` (``/pricing/``, ``/blog/**``)
    on ``site``, each created unless a goal of that name exists; returns how many were made."""
    wanted = [(Goal.Kind.EVENT, name, "") for name in events]
    wanted += [(Goal.Kind.PAGE, "", path) for path in pages]
    created = 0
    for kind, event_name, page_path in wanted:
        _, made = Goal.objects.get_or_create(
            site=site,
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
    import duckdb

    from .eventstore.duckdb import DuckDBEventStore
    from .generator import StoreLockedError, generate_traffic

    config: dict[str, Any] = settings.EVENT_STORE
    if not str(config["BACKEND"]).endswith("DuckDBEventStore"):
        return "Analytics history: skipped (the event store is not DuckDB)."
    path = str(config["OPTIONS"]["path"])
    try:
        store = DuckDBEventStore(path)
        try:
            store.migrate()
            [(existing,)] = store.query("SELECT count(*) FROM events WHERE site = ?", [site])
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
    query = parse_query(
        {
            "site_id": site,
            "date_range": [first.isoformat(), last.isoformat()],
            "metrics": list(metrics),
            "filters": list(filters),
        }
    )
    answer = run_query(query, reader=reader)
    results = answer["results"]
    values = results[0]["metrics"] if results else [None] * len(metrics)
    return dict(zip(metrics, values, strict=True))
