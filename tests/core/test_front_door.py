"""The front door answers the ingest endpoints and /-/alive ahead of Django, the same way."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from commonground.analytics.models import TrackedSite

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EVENT = json.dumps({"n": "pageview", "u": "https://example.com/", "d": "example.com"}).encode()
CASES = [
    ("POST", "/api/event", EVENT),
    ("POST", "/api/event", json.dumps({"n": "x", "u": "https://other.org/", "d": "o.org"})),
    ("POST", "/api/event", b"{not json"),
    ("POST", "/api/event", b"{" + b" " * 20_000 + b"}"),
    ("GET", "/api/event", b""),
    ("OPTIONS", "/api/event", b""),
    ("POST", "/api/send", b'{"type": "identify", "payload": {}}'),
    ("PUT", "/api/send", b""),
    ("GET", "/-/alive", b""),
]
COMPARED_HEADERS = (
    "Content-Type",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Allow",
    "X-Dropped",
    "Cache-Control",
)


def _through_the_server(base: str, method: str, path: str, body: bytes) -> tuple:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, body or None, {"User-Agent": CHROME})
        response = conn.getresponse()
        content = response.read()
        headers = {name: response.getheader(name) for name in COMPARED_HEADERS}
        return response.status, content, headers
    finally:
        conn.close()


def _through_django(method: str, path: str, body: bytes) -> tuple:
    response = Client().generic(method, path, body, HTTP_USER_AGENT=CHROME)
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS}
    return response.status_code, response.content, headers


@pytest.mark.parametrize(("method", "path", "body"), CASES)
def test_the_front_door_and_django_give_the_same_answer(
    live_url: str, method: str, path: str, body: bytes
) -> None:
    TrackedSite.objects.get_or_create(domain="example.com", defaults={"name": "Example"})
    served = _through_the_server(live_url, method, path, body)
    assert served == _through_django(method, path, body)
    assert served[0] < 500
