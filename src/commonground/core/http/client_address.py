"""The client's address as the app sees it: X-Forwarded-For is believed only from a trusted
proxy (ANALYTICS_TRUSTED_PROXIES). Ingest uses it for the visitor id and the country lookup,
governance's public endpoints for their rate limits."""

import ipaddress
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from django.conf import settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(meta: Mapping[str, Any]) -> str:
    """The visitor's address: X-Forwarded-For only when the direct peer is a trusted proxy.

    Walking the header from the right, the first address that is not one of our proxies is
    the client's; an entry that is not an IP address makes the header worthless, and the
    peer's address is used instead.
    """
    peer: str = meta.get("REMOTE_ADDR", "")
    forwarded: str = meta.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or _peer(peer)[0] != "proxy":
        return peer
    for candidate in reversed(forwarded.split(",")):
        kind, address = _address(candidate.strip())
        if kind == "invalid":
            return peer
        if kind == "client":
            return address
    return peer


def _address(text: str) -> tuple[str, str]:
    """("proxy" | "client" | "invalid", the address in canonical form)."""
    # Every visitor brings a new address, so caching helps little; most are IPv4 in
    # canonical dotted form, read here without the ipaddress module (a fifth of the time).
    dotted = _CANONICAL_IPV4.fullmatch(text)
    if dotted is None:
        return _address_slowly(text)
    a, b, c, d = dotted.groups()
    number = int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
    for network, mask in _trusted_ipv4():
        if number & mask == network:
            return "proxy", text
    return "client", text


# 0 to 255 without leading zeros, in ASCII digits (\d and str.isdigit also take "٣").
_OCTET = "(0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])"
_CANONICAL_IPV4 = re.compile(r"\.".join([_OCTET] * 4))


@lru_cache(maxsize=256)
def _peer(text: str) -> tuple[str, str]:
    """:func:`_address` for the direct peer: a load balancer, or a handful of them."""
    return _address(text)


@lru_cache(maxsize=8192)
def _address_slowly(text: str) -> tuple[str, str]:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "invalid", ""
    trusted = any(ip in network for network in _trusted_networks())
    return ("proxy" if trusted else "client"), str(ip)


@cache
def _trusted_networks() -> tuple[IPNetwork, ...]:
    return tuple(
        ipaddress.ip_network(cidr, strict=False) for cidr in settings.ANALYTICS_TRUSTED_PROXIES
    )


@cache
def _trusted_ipv4() -> tuple[tuple[int, int], ...]:
    """The trusted IPv4 networks as (network, mask) integers."""
    return tuple(
        (int(network.network_address), int(network.netmask))
        for network in _trusted_networks()
        if network.version == 4
    )


def forget_trusted_proxies() -> None:
    """Read ANALYTICS_TRUSTED_PROXIES again (for tests that change it)."""
    _trusted_networks.cache_clear()
    _trusted_ipv4.cache_clear()
    _address_slowly.cache_clear()
    _peer.cache_clear()
