"""The one rule for "a public address", for everything the server connects to on someone's
say-so (webhook targets on save and on send, and any other outbound sink): which IP
addresses are public, and which a host name resolves to.

Public means globally routable unicast: not loopback, private, link-local, shared (CGNAT),
multicast, unspecified, reserved or documentation space, and not one of those dressed as
IPv6: IPv4-mapped (``::ffff:127.0.0.1``), NAT64 (``64:ff9b::/96`` embedding a private IPv4;
the local-use ``64:ff9b:1::/48`` always), 6to4 (``2002::/16`` embedding one) and Teredo
(``2001::/32``: a tunnel, never a receiver). The standard library's ``is_global`` alone
passes the NAT64 and (in some Python versions) the 6to4 forms, which reach the internal
network through a translator.
"""

import ipaddress
import socket
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


class NotPublicAddressError(ValueError):
    """A host is, or resolves to, an address that is not public; the message names both."""


@dataclass(frozen=True, slots=True)
class Resolved:
    host: str
    addresses: tuple[str, ...]


def parse_address(text: str) -> IPAddress | None:
    """``text`` as an IP address (brackets and an IPv6 zone allowed), or None."""
    candidate = text.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        return ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None


def _v4_category(ip: ipaddress.IPv4Address) -> str:
    for test, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip in _SHARED, "shared address space"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return label
    return "" if ip.is_global else "not globally routable"


def _v6_category(ip: ipaddress.IPv6Address) -> str:
    for test, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_site_local, "site-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return label
    return "" if ip.is_global else "not globally routable"


def _embedded(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 form carries, with the form's name."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    return None


def why_not_public(address: str | IPAddress) -> str:
    """ "" when ``address`` is public; else why not, e.g. "loopback" or "NAT64 form of
    10.0.0.1 (private)". Text that is no IP address is not public either."""
    ip = address if not isinstance(address, str) else parse_address(address)
    if ip is None:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv4Address):
        return _v4_category(ip)
    if ip in _LOCAL_NAT64:
        return "local-use NAT64"
    if ip in _TEREDO:
        return "a Teredo tunnel address"
    if embedded := _embedded(ip):
        form, v4 = embedded
        reason = _v4_category(v4)
        return f"{form} form of {v4} ({reason})" if reason else ""
    return _v6_category(ip)


def is_public_address(address: str | IPAddress) -> bool:
    return not why_not_public(address)


def resolve_public(host: str, port: int | None = None) -> Resolved:
    """The addresses ``host`` (a name or an IP literal) resolves to, all of them public, or
    NotPublicAddressError naming the host and the first address that is not. A name that
    does not resolve raises OSError (``socket.gaierror``)."""
    literal = parse_address(host)
    if literal is not None:
        if reason := why_not_public(literal):
            raise NotPublicAddressError(f"{host} is not a public address ({reason})")
        return Resolved(host, (str(literal),))
    resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = tuple(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in resolved))
    for address in addresses:
        if reason := why_not_public(address):
            raise NotPublicAddressError(
                f"{host} resolves to {address}, not a public address ({reason})"
            )
    return Resolved(host, addresses)
