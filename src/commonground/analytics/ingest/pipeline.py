"""Accept one event: validate, drop what must not be counted, enrich, spool, acknowledge.

The IP address is used here, in memory, for the visitor id and the country lookup, and is
never part of what is spooled, stored or logged.
"""

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches

from .. import network_lists
from ..models import normalise_domain
from . import enrichment, exclusions, sites
from .plausible import EventRequest
from .spool import SpoolWriter
from .visitors import visitor_id

logger = logging.getLogger(__name__)


class IngestOutcome(NamedTuple):
    accepted: int  # events spooled
    dropped: str = ""  # why the request was dropped, "" when it was not


@cache
def spool_writer() -> SpoolWriter:
    return SpoolWriter(settings.ANALYTICS_SPOOL_DIR)


@cache
def _geo() -> enrichment.GeoLookup:
    try:
        return enrichment.GeoLookup(settings.ANALYTICS_GEOIP_PATH or None)
    except enrichment.GeoDatabaseError:
        # Counting visits matters more than their country: go on without it, loudly.
        logger.exception("ANALYTICS_GEOIP_PATH cannot be read; countries are not recorded")
        return enrichment.GeoLookup(None)


def _tracked_domains(sent: Iterable[str]) -> list[str]:
    """The tracked sites among the domains sent, normalised, each once, in the order sent."""
    tracked = sites.known_domains()
    return list(dict.fromkeys(d for d in map(normalise_domain, sent) if d in tracked))


# Pure functions of strings that repeat from event to event (the same pages, campaigns and
# referrers): cached per process.
_campaign = lru_cache(maxsize=4096)(enrichment.campaign_from_url)
_classify_referrer = lru_cache(maxsize=4096)(enrichment.classify_referrer)
_referrer_host = lru_cache(maxsize=4096)(enrichment.referrer_hostname)


@lru_cache(maxsize=4096)
def _referrer_to_keep(url: str) -> str:
    """The referrer without its query string, fragment or credentials: they may identify
    the visitor on the referring site. Scheme, host, port and path are kept."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}"


_dropped: Counter[str] = Counter()
_dropped_flushed_at = 0.0
DROPPED_FLUSH_SECONDS = 5.0


def count_dropped(reason: str) -> None:
    """Count a dropped request by reason (no personal data), for the admin's ingest health.

    Counted in memory and added to the shared cache at most every few seconds: a flood of
    junk must not turn into a flood of cache writes.
    """
    global _dropped_flushed_at
    _dropped[reason] += 1
    now = time.monotonic()
    if now - _dropped_flushed_at < DROPPED_FLUSH_SECONDS:
        return
    _dropped_flushed_at = now
    flush_dropped_counts()


def flush_dropped_counts() -> None:
    cache = caches["default"]
    pending = dict(_dropped)
    _dropped.clear()
    for reason, count in pending.items():
        key = f"analytics:dropped:{reason}"
        try:
            cache.incr(key, count)
        except ValueError:
            cache.set(key, count, None)
        else:
            # Django's incr writes the value back with the default timeout (5 minutes on
            # the file cache): the running totals must not expire.
            cache.touch(key, None)


def ingest(event: EventRequest, *, meta: Mapping[str, Any], ip: str) -> IngestOutcome:
    """Drop, or enrich and spool, one event from the client at ``ip`` (as
    ``core.http.client_address`` reads it: used for the visitor id and the country, never
    kept)."""
    user_agent = meta.get("HTTP_USER_AGENT", "")[:1000]
    agent = enrichment.parse_user_agent(user_agent)
    if agent.is_bot:
        count_dropped("bot")
        return IngestOutcome(0, "bot")
    # The same reading of the referrer as classification: a host without a scheme counts too.
    referrer_host = _referrer_host(event.referrer)
    if referrer_host and enrichment.is_referrer_spam(referrer_host):
        count_dropped("referrer_spam")
        return IngestOutcome(0, "referrer-spam")
    domains = _tracked_domains(event.domains)
    if not domains:
        count_dropped("unknown_site")
        return IngestOutcome(0, "unknown-site")
    domains, excluded = _counted_sites(event, domains, meta=meta, ip=ip)
    if excluded:
        count_dropped(excluded)
        return IngestOutcome(0, excluded.replace("_", "-"))
    if meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1":
        # The tracker already stays silent for these visitors; other senders are held to it.
        domains = [d for d in domains if not sites.respects_do_not_track(d)]
        if not domains:
            count_dropped("do_not_track")
            return IngestOutcome(0, "do-not-track")

    now = datetime.now(UTC)
    campaign = _campaign(event.url)
    source, channel = _classify_referrer(
        event.referrer, event.hostname, campaign.utm_source, campaign.utm_medium, campaign.click_id
    )
    country, region = _geo().lookup(ip)
    is_vitals = event.name == "Web Vitals"
    vitals = _vitals(event.props) if is_vitals else {}
    referrer = _referrer_to_keep(event.referrer)
    writer = spool_writer()
    for site in domains:
        writer.append(
            {
                "site": site,
                "ts": now.timestamp(),
                "name": event.name,
                "visitor_id": visitor_id(site=site, ip=ip, user_agent=user_agent, at=now),
                "hostname": event.hostname,
                "pathname": event.pathname,
                "referrer": referrer,
                "referrer_source": source,
                "channel": channel,
                "utm_source": campaign.utm_source,
                "utm_medium": campaign.utm_medium,
                "utm_campaign": campaign.utm_campaign,
                "utm_term": campaign.utm_term,
                "utm_content": campaign.utm_content,
                "click_id": campaign.click_id,
                "country": country,
                "region": region,
                "browser": agent.browser,
                "browser_version": agent.browser_version,
                "os": agent.os,
                "os_version": agent.os_version,
                "device": agent.device,
                "props": {} if is_vitals else event.props,
                "revenue_amount": event.revenue_amount,
                "revenue_currency": event.revenue_currency,
                "interactive": event.interactive,
                **vitals,
            }
        )
    return IngestOutcome(len(domains))


def _counted_sites(
    event: EventRequest, domains: list[str], *, meta: Mapping[str, Any], ip: str
) -> tuple[list[str], str]:
    """The sites among ``domains`` that count this event, and if none, why (the rule is in
    exclusions.py). Not spam and not an error: such drops are counted apart, by reason."""
    if exclusions.is_admin_url(event.url) or exclusions.is_admin_url(event.referrer):
        return [], "admin_page"
    infos = [info for info in map(sites.site, domains) if info is not None]
    infos = [info for info in infos if not network_lists.address_in(ip, info.excluded_networks)]
    if not infos:
        return [], "excluded_address"
    if any(info.exclude_staff for info in infos) and exclusions.signed_in_staff(meta):
        infos = [info for info in infos if not info.exclude_staff]
        if not infos:
            return [], "staff"
    return [info.domain for info in infos], ""


_VITALS = {"lcp": "lcp_ms", "inp": "inp_ms", "cls": "cls", "ttfb": "ttfb_ms"}
# Beyond these a figure is a measuring error, not a slow page.
_VITALS_LIMITS = {"lcp_ms": 600_000.0, "inp_ms": 600_000.0, "cls": 100.0, "ttfb_ms": 600_000.0}


def _vitals(props: dict[str, str]) -> dict[str, float]:
    values = {}
    for key, column in _VITALS.items():
        try:
            number = float(props[key])
        except (KeyError, ValueError):
            continue
        if 0 <= number <= _VITALS_LIMITS[column]:
            values[column] = number
    return values
