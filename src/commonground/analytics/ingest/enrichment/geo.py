"""Country and region of an IP address from a MaxMind-format (.mmdb) database file.

Works with GeoIP2/GeoLite2 City and Country databases and with the compatible free ones
(DB-IP Lite, IPinfo in GeoIP2 layout). Nothing is cached: IP addresses are not kept, not
even in memory.
"""

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import maxminddb
from maxminddb.errors import InvalidDatabaseError

NOT_FOUND: tuple[str, str] = ("", "")


class GeoDatabaseError(Exception):
    """The configured database file is missing or is not a MaxMind DB."""


def _iso_code(record: Any) -> str:
    if isinstance(record, Mapping):
        code = record.get("iso_code")
        if isinstance(code, str):
            return code.strip().upper()[:8]
    return ""


def _location(record: Any) -> tuple[str, str]:
    if not isinstance(record, Mapping):
        return NOT_FOUND
    country = _iso_code(record.get("country")) or _iso_code(record.get("registered_country"))
    if not country:
        return NOT_FOUND
    subdivisions = record.get("subdivisions")
    subdivision = (
        _iso_code(subdivisions[0]) if isinstance(subdivisions, list) and subdivisions else ""
    )
    region = f"{country}-{subdivision}" if subdivision else ""
    return country, region


class GeoLookup:
    """(country ISO code, region ISO 3166-2 code such as "NL-NH") for IP addresses.

    ``path=None`` (no database configured) answers ("", "") for everything, as do private,
    loopback, reserved and invalid addresses and addresses the database does not know.
    """

    def __init__(self, path: str | Path | None) -> None:
        self._reader: maxminddb.Reader | None = None
        if path is None or str(path) == "":
            return
        try:
            # Memory-mapped: pages are shared between worker processes.
            self._reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)
        except (OSError, ValueError, InvalidDatabaseError) as error:
            raise GeoDatabaseError(f"cannot open GeoIP database {path!s}: {error}") from error

    @property
    def configured(self) -> bool:
        return self._reader is not None

    def lookup(self, ip: str) -> tuple[str, str]:
        if self._reader is None:
            return NOT_FOUND
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return NOT_FOUND
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return NOT_FOUND
        try:
            record = self._reader.get(address)
        except (ValueError, InvalidDatabaseError):
            # An IPv6 address in an IPv4-only database, or a damaged file.
            return NOT_FOUND
        return _location(record)

    __call__ = lookup

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
