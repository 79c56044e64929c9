"""The HTTP side of webhooks: one POST, and what came back (the one place the client is built).

The standard library's urllib, with only the handlers a webhook needs: http and https (no
file:, ftp: or data: URLs), no redirects (a 3xx is a failure: the spec asks senders not to
follow them, and following one could point a signed request anywhere), no proxy from the
environment (``OPTIONS["proxy"]`` names one explicitly).

Server-side request forgery: whoever may edit a subscription chooses where the server sends
requests and reads the answer's first lines in the delivery log. So, unless
``allow_private_networks``, a webhook connects only to public addresses (the one rule,
``core.http.public_addresses``, which the admin's form applies on save too): the host name is
resolved once, every address is checked, and the connection goes to a checked address, so a
DNS answer that changes in between (rebinding) cannot slip through.
With a proxy the proxy decides (point it at an SSRF-filtering one such as smokescreen).
"""

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from commonground.core.http.outbound import outbound_opener
from commonground.core.http.public_addresses import resolve_public

from .models import RESPONSE_EXCERPT_LENGTH

ALLOWED_SCHEMES = ("http", "https")
# Enough of the body for the excerpt; the rest is never read.
_READ_LIMIT = 4 * RESPONSE_EXCERPT_LENGTH


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    """One request's outcome: an HTTP status, or an ``error`` when there was no usable one."""

    status_code: int | None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


def check_target(url: str) -> None:
    """Refuse (NotPublicAddressError) a URL whose host is, or resolves to, an address that
    is not public: the rule ``post_webhook`` applies on every send, for the admin's form to
    apply on save. A name that does not resolve passes here (the send checks again)."""
    host = urlsplit(url).hostname or ""
    try:
        resolve_public(host)
    except (OSError, UnicodeError):  # not NotPublicAddressError: that is what we raise
        return


_REFUSAL = (
    "webhooks go to public addresses only (the channel's allow_private_networks option"
    " allows others)"
)


def _opener(proxy: str, allow_private_networks: bool) -> urllib.request.OpenerDirector:
    guarded = not (proxy or allow_private_networks)  # as WebhookOptions.checks_addresses
    return outbound_opener(proxy=proxy, guarded=guarded, refusal=_REFUSAL)


def _excerpt(readable: Any) -> str:
    try:
        raw = readable.read(_READ_LIMIT)
    except (OSError, http.client.HTTPException):
        return ""
    return bytes(raw or b"").decode("utf-8", "replace")[:RESPONSE_EXCERPT_LENGTH]


def _lowered(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in (headers or {}).items()}


def post_webhook(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    proxy: str = "",
    allow_private_networks: bool = False,
) -> WebhookResponse:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    if urlsplit(url).scheme.lower() not in ALLOWED_SCHEMES:
        return WebhookResponse(None, error="only http and https URLs are allowed")
    # The scheme was checked just above, and the opener has no handler for any other.
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        opener = _opener(proxy, allow_private_networks)
        with opener.open(request, timeout=timeout) as response:
            excerpt = _excerpt(response)
            return WebhookResponse(
                response.status,
                excerpt=excerpt,
                duration_ms=took(),
                headers=_lowered(response.headers),
            )
    except urllib.error.HTTPError as answer:
        # A non-2xx answer is still an answer: its status, headers and body are logged.
        with answer:
            excerpt = _excerpt(answer)
        error = f"HTTP {answer.code}"
        if 300 <= answer.code < 400:
            location = answer.headers.get("Location", "") if answer.headers else ""
            error = (
                f"HTTP {answer.code}: redirects are not followed (to {location or '?'});"
                " change the webhook URL to where it redirects"
            )
        return WebhookResponse(
            answer.code,
            error=error,
            excerpt=excerpt,
            duration_ms=took(),
            headers=_lowered(answer.headers),
        )
    except urllib.error.URLError as failure:
        reason = failure.reason
        if isinstance(reason, TimeoutError):
            error = f"no answer within {timeout:g} s"
        else:
            error = f"could not connect: {reason}"
        return WebhookResponse(None, error=error, duration_ms=took())
    except TimeoutError:
        return WebhookResponse(None, error=f"no answer within {timeout:g} s", duration_ms=took())
    except (OSError, http.client.HTTPException, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}".rstrip(": ")
        return WebhookResponse(None, error=error, duration_ms=took())
