"""Third-party vendors for browser tests, on 127.0.0.1: Chromium is pointed at this server
as its HTTP proxy, so a page can load ``http://maps.vendor.test/embed`` with no DNS and no
internet, and the test sees every request the browser made to every vendor host (Chromium
never sends loopback requests, the live server's, through a proxy)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ..browser import launch_chromium


def launch_through(playwright: Any, vendors: "Vendors") -> Any:
    """Chromium with ``vendors`` as its proxy; the live server (loopback) is reached directly."""
    return launch_chromium(
        playwright, proxy={"server": vendors.url, "bypass": "127.0.0.1,localhost"}
    )


_BODIES = {
    ".js": ("text/javascript", b"window.vendorScriptRan = (window.vendorScriptRan || 0) + 1;"),
    ".css": ("text/css", b"body { outline: 0; }"),
    ".gif": (
        "image/gif",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    ),
}
_PAGE = ("text/html", b"<!doctype html><title>Vendor widget</title><p>Vendor widget</p>")


@dataclass
class Vendors:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (host, path)

    def hosts(self) -> set[str]:
        return {host for host, _ in self.requests}


@contextmanager
def vendor_proxy() -> Iterator[Vendors]:
    vendors = Vendors(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = urlsplit(self.path)
            with lock:
                vendors.requests.append(((target.hostname or "").lower(), target.path))
            suffix = "." + target.path.rsplit(".", 1)[-1] if "." in target.path else ""
            content_type, body = _BODIES.get(suffix, _PAGE)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    vendors.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield vendors
    finally:
        server.shutdown()
        server.server_close()


def wait_for_policy(url: str, host: str, *, timeout: float = 10) -> None:
    """Until ``url``'s policy lists ``host`` in several answers in a row: every server
    process reads the registry's change token within a second (governance/csp.py)."""
    import urllib.request

    from ..processes import wait_for

    def listed() -> bool:
        with urllib.request.urlopen(url, timeout=5) as response:
            return host in response.headers.get("Content-Security-Policy", "")

    for _ in range(4):  # granian runs two workers: ask until both have answered with it
        wait_for(listed, timeout=timeout, interval=0.2)
