"""Failed admin sign-ins, counted per username and per client address in the shared cache.

A fixed window starts at the first failure: once a counter reaches its limit, sign-in is
refused (even with the right password) until the window ends, so a guesser gets at most
``LOGIN_FAILURE_LIMIT`` tries at an account per window. A success clears the username's
counter, not the address's (a guesser who knows one password must not reset the count for
the others). Counters live in the default cache, which every server process shares.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

_PREFIX = "access:login-failures"


@dataclass(frozen=True)
class Lockout:
    """Sign-in is refused until ``until``; ``scope`` is "account" or "address"."""

    scope: str
    until: float  # epoch seconds

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.until - time.time()))

    @property
    def message(self) -> str:
        minutes = math.ceil(self.retry_after_seconds / 60)
        at = timezone.localtime(datetime.fromtimestamp(self.until, tz=UTC))
        what = "this account" if self.scope == "account" else "your network address"
        return (
            f"Too many failed sign-ins for {what}. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''} (after {at:%H:%M}), or reset your password."
        )


def client_address(request: HttpRequest) -> str:
    """The client's address as the API's rate limits see it: X-Forwarded-For is believed
    only from the NUM_PROXIES proxies in front of us (none by default). IPv6 counts per /64,
    which one household or one server gets to choose addresses from."""
    address = BaseThrottle().get_ident(request) or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _key(scope: str, value: str) -> str:
    # Hashed: usernames and forwarded addresses are any text, cache keys are not.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_PREFIX}:{scope}:{digest}"


def _keys(username: str, address: str) -> dict[str, tuple[str, int]]:
    return {
        "account": (_key("account", username.strip().casefold()), settings.LOGIN_FAILURE_LIMIT),
        "address": (_key("address", address), settings.LOGIN_FAILURE_ADDRESS_LIMIT),
    }


def lockout(*, username: str, address: str) -> Lockout | None:
    """Why a sign-in for ``username`` from ``address`` is refused now, or None."""
    now = time.time()
    counters = cache.get_many([key for key, _ in _keys(username, address).values()])
    for scope, (key, limit) in _keys(username, address).items():
        counter = counters.get(key)
        if limit and counter and counter["count"] >= limit and counter["until"] > now:
            return Lockout(scope=scope, until=counter["until"])
    return None


def record_failure(*, username: str, address: str) -> None:
    # Read and written back rather than cache.incr(): incr() on the file cache resets the
    # entry's timeout, which would stretch the window. Two failures at the same instant may
    # count as one; the window's bound stays.
    now = time.time()
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _ in _keys(username, address).values():
        counter = cache.get(key)
        if not counter or counter["until"] <= now:
            counter = {"count": 0, "until": now + window}
        counter["count"] += 1
        cache.set(key, counter, timeout=max(1, math.ceil(counter["until"] - now)))


def record_success(*, username: str) -> None:
    cache.delete(_key("account", username.strip().casefold()))
