"""A small HTTP client for the live server: loopback only, no proxies, cookies on request."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    raw: bytes = field(repr=False, default=b"")

    @property
    def x_cache(self) -> str | None:
        return self.headers.get("x-cache")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """An anonymous visitor; keeps cookies only when asked to (like a real first visit)."""

    def __init__(self, *, cookies: bool = False) -> None:
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler({}),
            _NoRedirect(),
        ]
        self.cookie_jar = http.cookiejar.CookieJar() if cookies else None
        if self.cookie_jar is not None:
            handlers.append(urllib.request.HTTPCookieProcessor(self.cookie_jar))
        self._opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        url: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Answer:
        assert url.startswith("http://127.0.0.1:"), "tests talk to the loopback server only"
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self._opener.open(req, timeout=timeout) as response:
                body = response.read()
                status = response.status
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as error:
            body = error.read()
            status = error.code
            answer_headers = {k.lower(): v for k, v in error.headers.items()}
        return Answer(status, answer_headers, body.decode("utf-8", "replace"), body)

    def get(self, url: str) -> Answer:
        return self.request(url)

    def post_form(self, url: str, fields: dict[str, str], *, referer: str | None = None) -> Answer:
        data = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if referer:
            headers["Referer"] = referer
        return self.request(url, data=data, headers=headers)

    def cookie(self, name: str) -> str | None:
        if self.cookie_jar is None:
            return None
        return next((c.value for c in self.cookie_jar if c.name == name), None)


def csrf_token_in(html: str) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"\s+name="csrfmiddlewaretoken"', html
    )
    return match.group(1) if match else None


class QuietHandler(BaseHTTPRequestHandler):
    """A test server's request handler that does not print every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on 127.0.0.1 (a free port, a thread per request) until the block
    ends; yields its base URL, ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
