"""Per-source rate limits, kept in each server process's memory (ingest's endpoints and
governance's public report and consent endpoints each hold one).

A source is the client's address as ingest sees it (after trusted proxies); IPv6 addresses
count per /64, the block one subscriber usually holds, so rotating addresses within it does
not escape the limit. Counts run in fixed one-minute windows and are forgotten when the
window turns, so memory is bounded by the sources seen in one minute (and capped). Each
server process counts on its own: with N processes a source gets up to N times the limit,
which keeps the check free of any shared state on the hot path.
"""

import ipaddress
import logging
import time
from functools import lru_cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
MAX_SOURCES = 200_000  # per window; beyond it new sources are not limited (and it is logged)


class SourceLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._window = -1
        self._counts: dict[str, int] = {}
        self._full_logged = False

    def retry_after(self, address: str, *, now: float | None = None) -> int:
        """0 when ``address`` may send now (and count it); else seconds until it may again."""
        if self.per_minute <= 0:
            return 0
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        if window != self._window:
            self._window = window
            self._counts = {}
            self._full_logged = False
        source = _source(address)
        count = self._counts.get(source)
        if count is None:
            if len(self._counts) >= MAX_SOURCES:
                if not self._full_logged:
                    logger.warning(
                        "rate limit: over %d sources this minute; not limiting new ones",
                        MAX_SOURCES,
                    )
                    self._full_logged = True
                return 0
            count = 0
        self._counts[source] = count + 1
        if count < self.per_minute:
            return 0
        return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


def address_source(address: str) -> str:
    """What stands for one sender: an IPv4 address itself, an IPv6 address's /64."""
    return _source(address)


def _source(address: str) -> str:
    if ":" not in address:
        return address  # IPv4 (ingest hands over canonical addresses): itself
    return _ipv6_block(address)


@lru_cache(maxsize=8192)
def _ipv6_block(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address
