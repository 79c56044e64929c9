"""Parse and validate incoming event requests in Plausible's Events API format.

Plausible's field names and their one-letter aliases are accepted (``name``/``n``,
``url``/``u``, ``domain``/``d``, ``referrer``/``r``, ``props``/``p``/``meta``/``m``,
``revenue``/``$``, ``interactive``/``i``), so Plausible's own tracker scripts and server-side
integrations work unchanged. Every rejection names the field that is wrong.
"""

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import msgspec

from commonground.core.http.json_input import JsonInputError, parse_json

MAX_BODY_BYTES = 16 * 1024
MAX_NAME = 120
MAX_URL = 2000
MAX_PROPS = 30
MAX_PROP_KEY = 300
MAX_PROP_VALUE = 2000
MAX_DOMAINS = 10
# An event is an object of values with props one level down (Umami's data three levels).
MAX_DEPTH = 8

_ALIASES = {
    "name": ("name", "n"),
    "url": ("url", "u"),
    "domain": ("domain", "d"),
    "referrer": ("referrer", "r"),
    "props": ("props", "p", "meta", "m"),
    "revenue": ("revenue", "$"),
    "interactive": ("interactive", "i"),
}


class EventRequestError(ValueError):
    """A request we refuse, with the field at fault; answered with 400."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class EventRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One validated event request, before enrichment.

    A msgspec Struct rather than a frozen dataclass: one is made per event, in a tenth of
    the time."""

    name: str
    url: str
    hostname: str
    pathname: str
    domains: tuple[str, ...]
    referrer: str = ""
    props: dict[str, str] = {}
    revenue_amount: float | None = None
    revenue_currency: str = ""
    interactive: bool = True


def _pick(data: dict[str, Any], key: str) -> Any:
    for alias in _ALIASES[key]:
        if alias in data:
            return data[alias]
    return None


# Control characters (C0, DEL and C1, as the content API refuses them), and the halves of
# surrogate pairs that JSON's \uXXXX escapes can smuggle in alone (they cannot be written as
# UTF-8, so nothing downstream could keep them).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE_MESSAGE = "must not contain control characters or unpaired surrogates"


def _text(value: Any, field_name: str, *, required: bool, limit: int) -> str:
    if value is None or value == "":
        if required:
            raise EventRequestError(field_name, "is required")
        return ""
    if not isinstance(value, str):
        raise EventRequestError(field_name, "must be a string")
    if len(value) > limit:
        raise EventRequestError(field_name, f"must be at most {limit} characters")
    if _UNPRINTABLE.search(value):
        raise EventRequestError(field_name, _UNPRINTABLE_MESSAGE)
    return value


def _props(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        # Plausible's older scripts send props as a JSON-encoded string: an object of values.
        try:
            value = parse_json(value, max_depth=1)
        except JsonInputError as error:
            raise EventRequestError(
                "props", f"must be an object; as a string, it {error}"
            ) from None
    if not isinstance(value, dict):
        raise EventRequestError("props", "must be an object")
    if len(value) > MAX_PROPS:
        raise EventRequestError("props", f"must have at most {MAX_PROPS} properties")
    props: dict[str, str] = {}
    for key, raw in value.items():
        if not key or len(key) > MAX_PROP_KEY:
            raise EventRequestError("props", f"keys must be 1 to {MAX_PROP_KEY} characters")
        if _UNPRINTABLE.search(key):
            raise EventRequestError("props", f"keys {_UNPRINTABLE_MESSAGE}")
        if raw is None:
            continue  # Plausible drops null values
        text = _prop_text(key, raw)
        if len(text) > MAX_PROP_VALUE:
            raise EventRequestError("props", f"value of {key!r} is longer than {MAX_PROP_VALUE}")
        if _UNPRINTABLE.search(text):
            raise EventRequestError("props", f"value of {key!r} {_UNPRINTABLE_MESSAGE}")
        props[key] = text
    return props


def _prop_text(key: str, raw: Any) -> str:
    """A property's value as the text stored: booleans as true/false, numbers as written."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise EventRequestError("props", f"value of {key!r} must be finite")
        return str(raw)
    if isinstance(raw, str):
        return raw
    raise EventRequestError("props", f"value of {key!r} must be a string, number or boolean")


def _revenue(value: Any) -> tuple[float | None, str]:
    if value is None:
        return None, ""
    if not isinstance(value, dict):
        raise EventRequestError("revenue", "must be an object with amount and currency")
    currency = value.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise EventRequestError("revenue", "currency must be a three-letter ISO 4217 code")
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        raise EventRequestError("revenue", "amount must be a number")
    try:
        decimal = Decimal(str(amount))
    except InvalidOperation:
        raise EventRequestError("revenue", "amount must be a number") from None
    if not decimal.is_finite() or abs(decimal) > Decimal("1e12"):
        raise EventRequestError("revenue", "amount must be a finite number below 10^12")
    return float(decimal), currency.upper()


_decode_json = msgspec.json.decode


def decode_json_object(body: bytes) -> dict[str, Any]:
    """The JSON object in a request body, or an EventRequestError about the body."""
    if len(body) > MAX_BODY_BYTES:
        raise EventRequestError("body", f"must be at most {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise EventRequestError("body", "is empty; send a JSON object")
    try:
        data = _decode_json(body)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        # msgspec (several times faster) refuses every body it cannot read, valid JSON or
        # not (nesting past its stack, escaped lone surrogates, 1e400). The shared reader
        # then says what exactly is wrong, or reads what msgspec would not (a lone surrogate
        # in a field that the checks below then name).
        try:
            data = parse_json(body, max_depth=MAX_DEPTH, surrogates_allowed=True)
        except JsonInputError as error:
            raise EventRequestError("body", str(error)) from None
    if not isinstance(data, dict):
        raise EventRequestError("body", "must be a JSON object")
    return data


def parse_event_request(body: bytes) -> EventRequest:
    """Validate a Plausible-format JSON body (sent as application/json or text/plain)."""
    return event_request_from_data(decode_json_object(body))


@lru_cache(maxsize=4096)  # a site's visitors send the same page URLs over and over
def _page(url: str) -> tuple[str, str] | str:
    """(hostname without "www.", path) of an absolute http(s) URL, or what is wrong with it."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not hostname:
        return "must be an absolute http(s) URL"
    return hostname.lower().removeprefix("www."), (parts.path or "/")[:MAX_URL]


def event_request_from_data(data: dict[str, Any]) -> EventRequest:
    """Validate an already decoded Plausible-format object (shared with the Umami format)."""
    name = _text(_pick(data, "name"), "name", required=True, limit=MAX_NAME)
    url = _text(_pick(data, "url"), "url", required=True, limit=MAX_URL)
    page = _page(url)
    if isinstance(page, str):
        raise EventRequestError("url", page)
    hostname, pathname = page

    raw_domain = _text(_pick(data, "domain"), "domain", required=True, limit=1000)
    domains = tuple(d.strip().lower() for d in raw_domain.split(",") if d.strip())
    if not domains or len(domains) > MAX_DOMAINS:
        raise EventRequestError("domain", f"must name 1 to {MAX_DOMAINS} sites")

    interactive = _pick(data, "interactive")
    if interactive is not None and not isinstance(interactive, bool):
        raise EventRequestError("interactive", "must be true or false")
    amount, currency = _revenue(_pick(data, "revenue"))
    return EventRequest(
        name=name,
        url=url,
        hostname=hostname,
        pathname=pathname,
        domains=domains,
        referrer=_text(_pick(data, "referrer"), "referrer", required=False, limit=MAX_URL),
        props=_props(_pick(data, "props")),
        revenue_amount=amount,
        revenue_currency=currency,
        interactive=True if interactive is None else interactive,
    )
