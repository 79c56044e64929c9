"""The audit trail's hash formats: what is hashed, byte for byte.

Version 2 (every entry written with a key, the default since issue 14): the payload below
with ``v`` set to 2 and one more key, ``key_id`` (the id of the HMAC key, see ``keys.py``),
and ``hash`` is the lower-case hex HMAC-SHA256 of the serialised payload under that key.
Without the key no one can compute a valid hash, so rewriting an entry and re-chaining
the rest is detected. Version 1 (entries from before, ``key_id`` empty) is unkeyed SHA-256;
verification accepts it only for a run of entries at the start of the trail ("legacy").

Version 1, for reference and for the legacy entries:

An auditor can re-implement it without reading the rest of the code:

* The *payload* of an entry is a JSON object with exactly these keys:
  ``v`` (the integer 1), ``sequence`` (integer, 1, 2, 3, ... without gaps),
  ``source`` (``"page"`` for a Wagtail PageLogEntry, ``"model"`` for a ModelLogEntry),
  ``source_id`` (integer id of that log entry), ``timestamp`` (the log entry's time in UTC as
  ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, always six fraction digits), ``actor_id`` (the user's id as
  a string, or null for the system), ``actor`` (the username at the time, ``"system"`` when
  there was no user), ``action`` (e.g. ``"wagtail.publish"``), ``object_type``
  (``"app_label.model"``, or ``""`` when unknown), ``object_id`` (string), ``object_title``,
  ``data`` (the log entry's data as a JSON value) and ``previous_hash`` (the ``hash`` of the
  entry before, 64 zeros for entry #1).
* It is serialised as JSON with keys sorted, no whitespace (``,`` and ``:`` as separators),
  every non-ASCII character escaped as ``\\uXXXX`` (surrogate pairs above U+FFFF), no NaN or
  infinity: Python's ``json.dumps(payload, sort_keys=True, separators=(",", ":"),
  ensure_ascii=True, allow_nan=False)``.
* ``hash`` is the lower-case hex SHA-256 of those bytes (ASCII, hence also UTF-8).

The ``data`` column stores the same canonical serialisation of ``data`` alone, so the stored
text is exactly the hashed bytes and no database JSON type can reorder or reformat it.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

LEGACY_FORMAT_VERSION = 1
FORMAT_VERSION = 2
GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def canonical_data(data: Any) -> str:
    """The canonical text of a log entry's data, as Wagtail would store it (its encoder turns
    datetimes, decimals and UUIDs into strings) but with one spelling for equal values."""
    return canonical_json(
        json.loads(json.dumps(data if data is not None else {}, cls=DjangoJSONEncoder))
    )


def canonical_timestamp(timestamp: datetime.datetime) -> str:
    if timestamp.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return timestamp.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class EntryContent:
    """Everything an entry's hash covers, except the previous hash."""

    sequence: int
    source: str
    source_id: int
    timestamp: datetime.datetime
    actor_id: str | None
    actor: str
    action: str
    object_type: str
    object_id: str
    object_title: str
    data: str  # canonical JSON text
    key_id: str = ""  # empty: a legacy (version 1, unkeyed) entry

    @property
    def legacy(self) -> bool:
        return not self.key_id

    def payload(self, previous_hash: str) -> dict[str, Any]:
        payload = {
            "v": LEGACY_FORMAT_VERSION,
            "sequence": self.sequence,
            "source": self.source,
            "source_id": self.source_id,
            "timestamp": canonical_timestamp(self.timestamp),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_title": self.object_title,
            "data": json.loads(self.data),
            "previous_hash": previous_hash,
        }
        if not self.legacy:
            payload |= {"v": FORMAT_VERSION, "key_id": self.key_id}
        return payload

    def serialised(self, previous_hash: str) -> bytes:
        return canonical_json(self.payload(previous_hash)).encode("ascii")

    def hash(self, previous_hash: str, secret: bytes | None = None) -> str:
        """Version 1 (SHA-256) for a legacy entry; version 2 (HMAC under ``secret``, the key
        named by ``key_id``) otherwise."""
        if self.legacy:
            return hashlib.sha256(self.serialised(previous_hash)).hexdigest()
        if secret is None:
            raise ValueError(f"entry #{self.sequence} is keyed ({self.key_id}): give its key")
        return hmac.new(secret, self.serialised(previous_hash), hashlib.sha256).hexdigest()


def head_message(*, sequence: int, entry_hash: str, key_id: str) -> bytes:
    """What a head's signature covers (the head row's and every anchor's): the canonical JSON
    of ``{"kind": "commonground.audit.head", "sequence", "hash", "key_id"}``."""
    return canonical_json(
        {
            "kind": "commonground.audit.head",
            "sequence": sequence,
            "hash": entry_hash,
            "key_id": key_id,
        }
    ).encode("ascii")


def anchor_message(anchor: dict[str, Any]) -> bytes:
    """What an anchor's ``signature`` covers: every other key of the anchor, canonically."""
    return canonical_json({k: v for k, v in anchor.items() if k != "signature"}).encode("ascii")
