"""Which sites are tracked, as every server process sees them.

Ingest asks on every event and the tracker tag on every page render, so each process keeps
one in-memory snapshot of the tracked sites. A change to a tracked site appends a byte to a
stamp file in the data directory once its transaction commits; a process re-reads its
snapshot when the stamp's size (or inode) differs from when it loaded, looking at most every
50 ms, so a new site counts within 50 ms in every process (at once in the one that made the
change). A file that only grows never shows an old state again. Snapshots are also re-read
every minute, for servers on other hosts that do not share the data directory.
"""

import logging
import os
import time
import uuid
from collections.abc import KeysView
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http.request import split_domain_port

from ..models import TrackedSite, normalise_domain
from ..network_lists import IPNetwork, NetworkListError, parse_networks

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60.0
# The stamp is looked at no more often than this: under load that is one stat in hundreds
# of events, and a change still reaches every process within a blink.
STAMP_CHECK_SECONDS = 0.05


@dataclass(frozen=True)
class SiteInfo:
    """What request handling needs to know about one tracked site."""

    domain: str
    name: str
    time_zone: str
    respect_do_not_track: bool
    exclude_staff: bool = True
    excluded_networks: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True)
class _Snapshot:
    generation: tuple[int, int] | None
    loaded_at: float
    by_domain: dict[str, SiteInfo]
    by_umami_website: dict[uuid.UUID, str]


_snapshot: _Snapshot | None = None


def _generation() -> tuple[int, int] | None:
    try:
        stamp = os.stat(settings.ANALYTICS_SITES_STAMP)
    except FileNotFoundError:
        return None
    return (stamp.st_ino, stamp.st_size)


def _load(generation: tuple[int, int] | None) -> _Snapshot:
    by_domain: dict[str, SiteInfo] = {}
    by_umami_website: dict[uuid.UUID, str] = {}
    for site in TrackedSite.objects.all():
        domain = normalise_domain(site.domain)
        by_domain[domain] = SiteInfo(
            domain=domain,
            name=site.name,
            time_zone=site.time_zone,
            respect_do_not_track=site.respect_do_not_track,
            exclude_staff=site.exclude_staff,
            excluded_networks=_networks_of(site),
        )
        if site.umami_website_id is not None:
            by_umami_website[site.umami_website_id] = domain
    logger.debug("analytics: %d tracked sites (generation %s)", len(by_domain), generation)
    return _Snapshot(generation, time.monotonic(), by_domain, by_umami_website)


def _networks_of(site: TrackedSite) -> tuple[IPNetwork, ...]:
    try:
        return parse_networks(site.excluded_networks)
    except NetworkListError:
        # The form refuses such a list; one written around it must not stop the counting.
        logger.exception("analytics: the excluded networks of %s cannot be read", site.domain)
        return ()


_stamp_checked_at = -1.0


def _current() -> _Snapshot:
    global _snapshot, _stamp_checked_at
    snapshot = _snapshot
    now = time.monotonic()
    if snapshot is not None and now - _stamp_checked_at < STAMP_CHECK_SECONDS:
        return snapshot
    _stamp_checked_at = now
    generation = _generation()
    if (
        snapshot is None
        or snapshot.generation != generation
        or now - snapshot.loaded_at > MAX_AGE_SECONDS
    ):
        snapshot = _snapshot = _load(generation)
    return snapshot


def known_domains() -> KeysView[str]:
    """The tracked domains, normalised (a set-like view)."""
    return _current().by_domain.keys()


def is_tracked(domain: str) -> bool:
    return normalise_domain(domain) in _current().by_domain


def respects_do_not_track(domain: str) -> bool:
    """Whether the tracked site ``domain`` (normalised) counts no visitor who asks not to be."""
    site = _current().by_domain.get(domain)
    return site is not None and site.respect_do_not_track


def site(domain: str) -> SiteInfo | None:
    """The tracked site ``domain`` (normalised), if it is one."""
    return _current().by_domain.get(domain)


def site_for_host(host: str) -> SiteInfo | None:
    """The tracked site served under ``host`` (a Host header, port allowed), if any."""
    domain, _port = split_domain_port(host)
    return _current().by_domain.get(normalise_domain(domain))


def domain_for_umami_website(website: uuid.UUID) -> str | None:
    return _current().by_umami_website.get(website)


def changed() -> None:
    """Re-read the tracked sites here now, and in every process once the transaction commits."""
    forget()
    transaction.on_commit(_bump)


def forget() -> None:
    """Drop this process's snapshot; the next question re-reads the database."""
    global _snapshot
    _snapshot = None


def _bump() -> None:
    forget()
    path = Path(settings.ANALYTICS_SITES_STAMP)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)
