"""The server's outbound HTTP opener (webhooks, the script monitor, the audit's webhook sink):
urllib with http and https only, no proxy from the environment, no redirects followed, and,
when guarded, connections to public addresses only.

Guarded, the host is resolved once, every address is checked by the one rule
(``public_addresses.resolve_public``) and the connection goes to a checked address, so a DNS
answer that changes in between (rebinding) cannot slip through.
"""

import functools
import http.client
import socket
import urllib.request
from typing import Any

from .public_addresses import NotPublicAddressError, resolve_public


class PrivateAddressError(OSError):
    """The host is (or resolves to) an address that is not public."""


class _RedirectsNotFollowed(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError, which callers report


def _public_handlers(refusal: str) -> tuple[urllib.request.BaseHandler, ...]:
    """http and https handlers whose connections go to public addresses only; ``refusal``
    ends the error's message (what this client sends, and how to allow others)."""

    def connect(
        address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        host, port = address
        try:
            resolved = resolve_public(host, port)
        except NotPublicAddressError as refused:
            raise PrivateAddressError(f"{refused}; {refusal}") from refused
        except socket.gaierror as error:
            raise OSError(f"cannot resolve {host}: {error.strerror}") from error
        return socket.create_connection((resolved.addresses[0], port), timeout, source_address)

    class PublicHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # The hook http.client connects through (HTTPS wraps the socket it returns, still
            # checking the certificate against the host name).
            self._create_connection = connect

    class PublicHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class PublicHTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(PublicHTTPConnection, req)

    class PublicHTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            context = self._context  # type: ignore[attr-defined]
            return self.do_open(PublicHTTPSConnection, req, context=context)

    return PublicHTTPHandler(), PublicHTTPSHandler()


@functools.cache
def outbound_opener(*, proxy: str, guarded: bool, refusal: str) -> urllib.request.OpenerDirector:
    """The opener for one kind of outbound request: through ``proxy`` when given (which then
    decides), to public addresses only when ``guarded``. Certificates are verified."""
    opener = urllib.request.OpenerDirector()
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    if guarded:
        http_handler, https_handler = _public_handlers(refusal)
    else:
        http_handler, https_handler = urllib.request.HTTPHandler(), urllib.request.HTTPSHandler()
    for handler in (
        urllib.request.ProxyHandler(proxies),  # never the environment's proxy
        urllib.request.UnknownHandler(),  # file:, ftp:, data: and the rest: "unknown url type"
        http_handler,
        https_handler,
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectsNotFollowed(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
