"""Webhook signatures as the Standard Webhooks specification (v1.0) defines them.

Each request carries ``webhook-id`` (the same on every retry, for de-duplication),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256>`` entries over ``f"{id}.{timestamp}.{body}"``, keyed with the base64
decoding of the secret after its ``whsec_`` prefix. More than one entry during a secret
rotation; a receiver accepts the request when one of them matches.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
_SECRET_BYTES = 32
# The spec forbids "." in the id (it delimits the signed content); our keys are plain ASCII.
_SAFE_MESSAGE_ID = re.compile(r"[A-Za-z0-9_:\-]{1,255}\Z")


class WebhookVerificationError(Exception):
    """A request that must not be trusted; ``str()`` says why."""


class MissingHeaderError(WebhookVerificationError):
    pass


class TimestampOutsideToleranceError(WebhookVerificationError):
    """Too old (a replay) or too far in the future."""


class BadSignatureError(WebhookVerificationError):
    pass


def new_webhook_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_…`` secret stands for."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError(f"a webhook secret is base64 after {SECRET_PREFIX!r}") from error


def message_id_for(idempotency_key: str) -> str:
    """The ``webhook-id`` of a delivery: its idempotency key where the spec allows it as is
    (stable across retries either way), else a digest of it."""
    if _SAFE_MESSAGE_ID.match(idempotency_key):
        return idempotency_key
    return "msg_" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature entry."""
    signed_content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_headers(
    secrets: Iterable[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers, signed with each of ``secrets`` (current first)."""
    if "." in msg_id:
        raise ValueError("a webhook-id must not contain '.'")
    signatures = [sign(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets]
    if not signatures:
        raise ValueError("no secret to sign with")
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signatures),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise ``WebhookVerificationError`` unless ``body`` with ``headers`` was signed with
    ``secret`` at most ``tolerance`` seconds from ``now``. ``body`` is the raw request body,
    exactly as received: parsing and re-serialising JSON changes the signed bytes."""
    lowered = {name.lower(): value for name, value in headers.items()}
    values = {}
    for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
        value = lowered.get(name, "").strip()
        if not value:
            raise MissingHeaderError(f"the {name} header is missing")
        values[name] = value
    try:
        timestamp = int(values[TIMESTAMP_HEADER])
    except ValueError:
        raise WebhookVerificationError(
            f"{TIMESTAMP_HEADER} is not Unix seconds: {values[TIMESTAMP_HEADER]!r}"
        ) from None
    now = time.time() if now is None else now
    if timestamp < now - tolerance:
        raise TimestampOutsideToleranceError(
            f"{TIMESTAMP_HEADER} is {now - timestamp:.0f} s old (more than {tolerance:.0f} s):"
            " a replay, or a clock that is wrong"
        )
    if timestamp > now + tolerance:
        raise TimestampOutsideToleranceError(
            f"{TIMESTAMP_HEADER} is {timestamp - now:.0f} s in the future"
            f" (more than {tolerance:.0f} s)"
        )
    expected = sign(secret, msg_id=values[ID_HEADER], timestamp=timestamp, body=body)
    # Every entry is compared (no early exit on a version mismatch) in constant time.
    matches = [
        hmac.compare_digest(expected.encode("ascii"), entry.encode("utf-8", "replace"))
        for entry in values[SIGNATURE_HEADER].split()
    ]
    if not any(matches):
        raise BadSignatureError("no signature in webhook-signature matches the body")
