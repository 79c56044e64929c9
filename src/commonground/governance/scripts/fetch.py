"""The script monitor's HTTP client (the one place it is built): a GET of a vendor's script or
of one of our public pages, with a size and a time limit, no redirects followed, and, for
vendors' scripts, public addresses only.

Server-side request forgery: a script URL comes from a site tag or an editor's snippet, so
the server must not fetch ``http://10.0.0.5/`` for whoever typed it. As the webhook sender
does, the host is resolved once, every address is checked (IPv4-mapped, NAT64 and 6to4
forms of internal addresses included) and the connection goes to a checked address, so DNS
rebinding cannot slip through. ``SCRIPT_FETCH_PROXY`` sends every script fetch through a
proxy instead (which then decides; point it at an SSRF-filtering one), and
``SCRIPT_FETCH_ALLOW_PRIVATE_NETWORKS`` lifts the check for vendors on the internal network.
Our own pages are fetched at the site's root URL, which only a site administrator sets, so
they may be on a private address (a load balancer's).
"""

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from commonground.core.http.outbound import outbound_opener


@dataclass(frozen=True)
class Fetched:
    """A GET's outcome: the body of a 200, or an ``error`` saying why there is none."""

    url: str
    body: bytes = b""
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    timeout: float
    proxy: str
    allow_private_networks: bool

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=int(getattr(settings, "SCRIPT_FETCH_MAX_BYTES", 2_000_000)),
            timeout=float(getattr(settings, "SCRIPT_FETCH_TIMEOUT_SECONDS", 10)),
            proxy=str(getattr(settings, "SCRIPT_FETCH_PROXY", "") or ""),
            allow_private_networks=bool(
                getattr(settings, "SCRIPT_FETCH_ALLOW_PRIVATE_NETWORKS", False)
            ),
        )


_REFUSAL = (
    "scripts are fetched from public addresses only (SCRIPT_FETCH_ALLOW_PRIVATE_NETWORKS or"
    " SCRIPT_FETCH_PROXY allow others)"
)


def _opener(proxy: str, guarded: bool) -> urllib.request.OpenerDirector:
    return outbound_opener(proxy=proxy, guarded=guarded, refusal=_REFUSAL)


def _get(url: str, *, opener: urllib.request.OpenerDirector, limits: Limits) -> Fetched:
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        return Fetched(url, error="only http and https addresses can be fetched")
    # The scheme was checked above; the opener has no handler for any other.
    request = urllib.request.Request(url, headers={"User-Agent": "CommonGround-ScriptMonitor"})  # noqa: S310
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            body = response.read(limits.max_bytes + 1)
            headers = {name.lower(): value for name, value in response.headers.items()}
    except urllib.error.HTTPError as answer:
        answer.close()
        if 300 <= answer.code < 400:
            where = answer.headers.get("Location", "?") if answer.headers else "?"
            return Fetched(url, error=f"HTTP {answer.code}: redirects to {where} (not followed)")
        return Fetched(url, error=f"HTTP {answer.code}")
    except urllib.error.URLError as failure:
        if isinstance(failure.reason, TimeoutError):
            return Fetched(url, error=f"no answer within {limits.timeout:g} s")
        return Fetched(url, error=f"could not connect: {failure.reason}")
    except TimeoutError:
        return Fetched(url, error=f"no answer within {limits.timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as failure:
        return Fetched(url, error=f"{type(failure).__name__}: {failure}".rstrip(": "))
    if len(body) > limits.max_bytes:
        return Fetched(url, error=f"larger than {limits.max_bytes} bytes: not fetched")
    return Fetched(url, body=body, headers=headers)


def fetch_script(url: str) -> Fetched:
    """A vendor's script, from a public address only (unless the settings say otherwise)."""
    limits = Limits.from_settings()
    guarded = not (limits.proxy or limits.allow_private_networks)
    return _get(url, opener=_opener(limits.proxy, guarded), limits=limits)


def fetch_own_page(url: str) -> Fetched:
    """One of our public pages, directly (no proxy), wherever the site's root URL points."""
    limits = Limits.from_settings()
    return _get(url, opener=_opener("", False), limits=limits)
