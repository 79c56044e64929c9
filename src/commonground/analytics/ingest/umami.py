"""Umami's collection format (POST /api/send), read into the same EventRequest as Plausible's.

Umami's tracker and its server-side clients send ``{"type": "event", "payload": {...}}`` with
the site named by a website id (a UUID) instead of a domain, the page as a path plus a
``hostname`` (or, in newer trackers, as a full URL), the event name in ``name`` (absent for
a page view) and its properties in ``data``. Everything else about the event is validated by
the Plausible parser, so both formats are stored with the same meaning. ``"identify"``
requests are understood and ignored: visitors are never identified here.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from ..models import normalise_domain
from .plausible import (
    EventRequest,
    EventRequestError,
    decode_json_object,
    event_request_from_data,
)

MAX_HOSTNAME = 253
MAX_DATA_DEPTH = 3

# Where a Plausible field came from in Umami's payload, so a 400 names the field that was sent.
_FIELD_NAMES = {
    "name": "payload.name",
    "url": "payload.url",
    "referrer": "payload.referrer",
    "props": "payload.data",
    "domain": "payload.website",
}
_NOT_IN_HOSTNAME = frozenset("/?#@\\ ")


@dataclass(frozen=True)
class UmamiRequest:
    """A validated Umami request: an event for a website id, or an identify to acknowledge."""

    kind: Literal["event", "identify"]
    website: uuid.UUID | None = None
    event: EventRequest | None = None  # its domain is still the website id


def parse_umami_request(body: bytes) -> UmamiRequest:
    """Validate a body sent to /api/send; raise EventRequestError naming the field."""
    data = decode_json_object(body)
    kind = data.get("type")
    if kind not in ("event", "identify"):
        raise EventRequestError("type", 'must be "event" or "identify"')
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise EventRequestError("payload", "must be an object")
    if kind == "identify":
        return UmamiRequest("identify")

    website = _website(payload.get("website"))
    name = payload.get("name")
    fields = {
        "name": "pageview" if name is None or name == "" else name,
        "url": _absolute_url(payload.get("url"), payload.get("hostname")),
        # Validated as if it were the domain; replaced by the site's domain once looked up.
        "domain": str(website),
        "referrer": payload.get("referrer"),
        "props": _flat_data(payload.get("data")),
    }
    try:
        event = event_request_from_data(fields)
    except EventRequestError as error:
        raise EventRequestError(_FIELD_NAMES.get(error.field, error.field), error.message) from None
    return UmamiRequest("event", website, event)


def event_for_site(request: UmamiRequest, *, domain: str) -> EventRequest:
    """The request's event, counted for the tracked site the website id belongs to."""
    assert request.event is not None, "only event requests carry an event"
    return msgspec.structs.replace(request.event, domains=(normalise_domain(domain),))


def _website(value: Any) -> uuid.UUID:
    if value is None or value == "":
        raise EventRequestError("payload.website", "is required")
    if not isinstance(value, str) or len(value) > 64:
        raise EventRequestError("payload.website", "must be a website id (a UUID)")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise EventRequestError("payload.website", "must be a website id (a UUID)") from None


def _absolute_url(url: Any, hostname: Any) -> Any:
    """Umami's trackers send a path and a hostname, or (newer ones) the whole URL."""
    if not isinstance(url, str) or not url.startswith("/"):
        return url  # absent, wrong type or a full URL: the shared validation says which
    if not isinstance(hostname, str) or not hostname:
        raise EventRequestError("payload.hostname", "is required when payload.url is a path")
    if (
        len(hostname) > MAX_HOSTNAME
        or any(ord(char) < 32 or char in _NOT_IN_HOSTNAME for char in hostname)
        or hostname.startswith(":")
    ):
        raise EventRequestError("payload.hostname", "must be a host name like www.example.com")
    return f"https://{hostname}{url}"


def _flat_data(value: Any) -> Any:
    """Nested objects become dotted keys, as Umami stores them; lists of scalars become JSON."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EventRequestError("payload.data", "must be an object")
    flat: dict[str, Any] = {}
    pending: list[tuple[str, dict[str, Any], int]] = [("", value, 1)]
    while pending:
        prefix, mapping, depth = pending.pop()
        for key, item in mapping.items():
            name = f"{prefix}{key}"
            if isinstance(item, dict):
                if depth >= MAX_DATA_DEPTH:
                    raise EventRequestError(
                        "payload.data", f"must not be nested deeper than {MAX_DATA_DEPTH} levels"
                    )
                pending.append((f"{name}.", item, depth + 1))
            elif isinstance(item, list):
                if any(isinstance(element, dict | list) for element in item):
                    raise EventRequestError(
                        "payload.data", f"list {name!r} may hold only strings, numbers, booleans"
                    )
                flat[name] = json.dumps(item, ensure_ascii=False)
            else:
                flat[name] = item
    return flat
