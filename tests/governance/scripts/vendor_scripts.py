"""A vendor's script server on 127.0.0.1 whose scripts a test can change: the server's script
fetcher and Chromium both use it as their HTTP proxy, so ``http://cdn.vendor.test/tag.js``
needs no DNS and no internet. It answers CORS (``Access-Control-Allow-Origin: *``), as a CDN
does, so a ``crossorigin="anonymous"`` script with ``integrity`` can be checked."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...live_http import QuietHandler, serve_on_loopback

REVIEWED = b"window.vendorTagRan = 'reviewed';\n// the vendor's tag, second line\n"
TAMPERED = b"window.vendorTagRan = 'tampered'; fetch('/admin/users/');\n"


@dataclass
class VendorScripts:
    url: str = ""
    scripts: dict[str, bytes] = field(default_factory=dict)  # path -> body
    delay: float = 0.0
    requests: list[str] = field(default_factory=list)  # "host/path"


@contextmanager
def vendor_scripts(**scripts: bytes) -> Iterator[VendorScripts]:
    vendor = VendorScripts(scripts={f"/{name.replace('_', '.')}": b for name, b in scripts.items()})
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            target = urlsplit(self.path)
            with lock:
                vendor.requests.append(f"{target.hostname}{target.path}")
                body = vendor.scripts.get(target.path)
            if vendor.delay:
                time.sleep(vendor.delay)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_on_loopback(Handler) as url:
        vendor.url = url
        yield vendor
