"""A minimal MaxMind DB (format 2.0) writer, enough to build tiny GeoIP-style test databases.

Follows https://maxmind.github.io/MaxMind-DB/: an IPv6 binary search tree of 32-bit records
(IPv4 networks sit under ::/96, where readers look them up), a 16-byte separator, the data
section, then the metadata map after the "\\xab\\xcd\\xefMaxMind.com" marker. Only the types
the tests need are encoded: maps, arrays, UTF-8 strings, unsigned integers and booleans.
"""

import ipaddress
import struct
import time
from pathlib import Path
from typing import Any

_METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
_RECORD_SIZE = 32

# Type numbers from the spec; those above 7 are "extended" types.
_STRING, _UINT16, _UINT32, _MAP, _UINT64, _ARRAY, _BOOLEAN = 2, 5, 6, 7, 9, 11, 14


class Uint16(int):
    """An int the data section stores as uint16 (the metadata demands it for some keys)."""


class Uint64(int):
    """An int the data section stores as uint64."""


def _control(type_number: int, size: int) -> bytes:
    if size < 29:
        size_bits, extra = size, b""
    elif size < 29 + 256:
        size_bits, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        size_bits, extra = 30, struct.pack(">H", size - 285)
    else:
        size_bits, extra = 31, struct.pack(">I", size - 65821)[1:]
    if type_number <= 7:
        return bytes([(type_number << 5) | size_bits]) + extra
    return bytes([size_bits, type_number - 7]) + extra


def _unsigned(type_number: int, value: int) -> bytes:
    payload = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _control(type_number, len(payload)) + payload


def encode(value: Any) -> bytes:
    """One data-section field."""
    if isinstance(value, bool):
        return _control(_BOOLEAN, int(value))
    if isinstance(value, str):
        payload = value.encode()
        return _control(_STRING, len(payload)) + payload
    if isinstance(value, Uint16):
        return _unsigned(_UINT16, value)
    if isinstance(value, Uint64):
        return _unsigned(_UINT64, value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError("only unsigned integers are supported")
        return _unsigned(_UINT32 if value < 2**32 else _UINT64, value)
    if isinstance(value, dict):
        body = b"".join(encode(str(key)) + encode(item) for key, item in value.items())
        return _control(_MAP, len(value)) + body
    if isinstance(value, list | tuple):
        return _control(_ARRAY, len(value)) + b"".join(encode(item) for item in value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class _Node:
    __slots__ = ("children",)

    def __init__(self) -> None:
        # Each child: None (no data), a _Node, or an int (offset into the data section).
        self.children: list[_Node | int | None] = [None, None]


def write_mmdb(
    path: Path,
    networks: dict[str, dict[str, Any]],
    *,
    database_type: str = "GeoIP2-City",
) -> Path:
    """Write ``networks`` ({"192.0.2.0/24": record, "2001:db8::/32": record}) to ``path``."""
    data = bytearray()
    offsets: dict[bytes, int] = {}
    root = _Node()
    for network_text, record in networks.items():
        network = ipaddress.ip_network(network_text)
        if isinstance(network, ipaddress.IPv4Network):
            bits = int(network.network_address)  # under ::/96: the top 96 bits stay 0
            prefix = 96 + network.prefixlen
        else:
            bits = int(network.network_address)
            prefix = network.prefixlen
        encoded = encode(record)
        if encoded not in offsets:
            offsets[encoded] = len(data)
            data += encoded
        node = root
        for depth in range(prefix - 1):
            bit = (bits >> (127 - depth)) & 1
            child = node.children[bit]
            if not isinstance(child, _Node):
                if child is not None:
                    raise ValueError(f"{network_text} overlaps a shorter network")
                child = node.children[bit] = _Node()
            node = child
        node.children[(bits >> (128 - prefix)) & 1] = offsets[encoded]

    # Number the nodes breadth-first; records then point at node numbers or data.
    nodes: list[_Node] = [root]
    numbers: dict[int, int] = {id(root): 0}
    for node in nodes:
        for child in node.children:
            if isinstance(child, _Node):
                numbers[id(child)] = len(nodes)
                nodes.append(child)
    node_count = len(nodes)

    def record_value(child: "_Node | int | None") -> int:
        if child is None:
            return node_count
        if isinstance(child, _Node):
            return numbers[id(child)]
        return node_count + 16 + child

    tree = b"".join(
        struct.pack(">II", record_value(node.children[0]), record_value(node.children[1]))
        for node in nodes
    )
    metadata = {
        "node_count": node_count,
        "record_size": Uint16(_RECORD_SIZE),
        "ip_version": Uint16(6),
        "database_type": database_type,
        "languages": ["en"],
        "binary_format_major_version": Uint16(2),
        "binary_format_minor_version": Uint16(0),
        "build_epoch": Uint64(int(time.time())),
        "description": {"en": "Common Ground test database"},
    }
    path.write_bytes(tree + bytes(16) + bytes(data) + _METADATA_MARKER + encode(metadata))
    return path
