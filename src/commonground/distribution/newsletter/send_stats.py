"""What one newsletter send brought, from first-party analytics only: the visits its links'
UTM tags name (no pixel, no per-person tracking), the goals completed in them, and the
unsubscribes made through its own unsubscribe link."""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from django.utils import timezone

from commonground.analytics.public import (
    QueryError,
    StoreUnavailableError,
    goal_names,
    site_totals,
    tracked_sites,
)

from .models import Subscription

if TYPE_CHECKING:
    from ..models import Dispatch

# The tags a send's links carry (channels/links.py); utm_content names the send itself.
_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


@dataclass(frozen=True, slots=True)
class SendStats:
    """Since the send: None where analytics could not answer, ``missing`` saying why."""

    visits: int | None
    visitors: int | None
    conversions: int | None
    unsubscribes: int
    site: str
    since: date
    tags: tuple[tuple[str, str], ...]
    goals: int
    missing: str = ""


def _tags(url: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k in _TAGS and v]


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    known = {domain for domain, _ in tracked_sites()}
    return host if host in known else ""


def send_stats(dispatch: "Dispatch", *, today: date | None = None) -> SendStats:
    """The visits, visitors, conversions (visitors who completed any of the site's goals in
    those visits) and unsubscribes the newsletter ``dispatch`` brought, from its send's day
    to today. Sends made before links named their send (no ``utm_content``) count every
    visit with the page's source, medium and campaign."""
    since = timezone.localdate(dispatch.started_at or dispatch.created_at)
    today = today or timezone.localdate()
    tags = _tags(dispatch.url)
    site = _site(dispatch.url)
    goals = goal_names(site=site) if site else []
    stats: dict[str, Any] = {
        "visits": None,
        "visitors": None,
        "conversions": None,
        "unsubscribes": Subscription.objects.filter(unsubscribed_via=dispatch).count(),
        "site": site,
        "since": since,
        "tags": tuple(tags),
        "goals": len(goals),
    }
    if not site:
        host = urlsplit(dispatch.url).hostname or "its link"
        return SendStats(**stats, missing=f"{host} is not a tracked site.")
    if not tags:
        return SendStats(**stats, missing="its link carries no UTM tags.")
    filters: list[Any] = [["is", f"visit:{key}", [value]] for key, value in tags]
    try:
        totals = site_totals(
            site=site, first=since, last=today, metrics=["visits", "visitors"], filters=filters
        )
        converted = (
            site_totals(
                site=site,
                first=since,
                last=today,
                metrics=["visitors"],
                filters=[*filters, ["is", "event:goal", goals]],
            )["visitors"]
            if goals
            else 0
        )
    except StoreUnavailableError:
        return SendStats(**stats, missing="the analytics store is unreachable.")
    except QueryError as error:
        return SendStats(**stats, missing=f"analytics cannot answer: {error}")
    stats |= {
        "visits": int(totals["visits"] or 0),
        "visitors": int(totals["visitors"] or 0),
        "conversions": int(converted or 0),
    }
    return SendStats(**stats)
