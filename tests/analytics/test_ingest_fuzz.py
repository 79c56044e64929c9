"""No input to /api/event or /api/send gets a 5xx or an exception, and the server stays up.

10,000 generated requests go through Django's test client (where any exception in a view
fails the test), then 300 raw, malformed HTTP requests through granian with two workers,
after which valid events must still be acknowledged.
"""

import http.client
import json
import random
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.analytics.ingest import pipeline as ingest_module
from commonground.analytics.models import TrackedSite
from commonground.core.http import client_address

pytestmark = pytest.mark.django_db

WEBSITE = "0b8f7a56-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
ENDPOINTS = ("/api/event", "/api/send")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
FUZZ = settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
seen_statuses: dict[int, int] = {}


@pytest.fixture
def sites(tmp_path: Path, settings) -> Iterator[None]:
    settings.ANALYTICS_SPOOL_DIR = tmp_path / "spool"
    settings.ANALYTICS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    ingest_module.spool_writer.cache_clear()
    client_address.forget_trusted_proxies()
    TrackedSite.objects.create(domain="example.com", name="Example", umami_website_id=WEBSITE)
    yield
    ingest_module.spool_writer().close()
    ingest_module.spool_writer.cache_clear()
    client_address.forget_trusted_proxies()


# One client for every request: each new Client builds a new handler, whose WhiteNoise
# middleware scans every static file again (about 40 ms a request).
_CLIENT = Client()


def answer(
    path: str,
    body: bytes,
    *,
    method: str = "POST",
    content_type: str = "application/json",
    **meta: str,
) -> int:
    meta.setdefault("HTTP_USER_AGENT", CHROME)
    response = _CLIENT.generic(method, path, body, content_type=content_type, **meta)
    status = response.status_code
    seen_statuses[status] = seen_statuses.get(status, 0) + 1
    assert 200 <= status < 500, (status, path, body[:200], meta, response.content[:300])
    return status


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=31), max_size=5),  # control characters
    # Lone surrogates: valid as JSON escapes, impossible to write out as UTF-8.
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
    st.just("x" * 5000),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
urlish = st.one_of(
    json_values,
    st.sampled_from(
        [
            "/",
            "/a?utm_source=x&gclid=1",
            "https://example.com/p?q=1#f",
            "http://[::1",
            "https://exa mple.com/",
            "javascript:alert(1)",
            "//example.com/x",
            "https://example.com:99999/",
            "https://\u00e9xample.com/\u00fc",
            "https://example.com/" + "a" * 3000,
        ]
    ),
    st.text(max_size=40).map(lambda path: "/" + path),
)


def dump(value: object) -> bytes:
    # allow_nan: NaN and Infinity are not JSON, but Python's parser accepts them from clients.
    return json.dumps(value, allow_nan=True).encode()


@FUZZ
@given(body=st.binary(max_size=600), endpoint=st.sampled_from(ENDPOINTS))
def test_random_bytes(sites: None, body: bytes, endpoint: str) -> None:
    answer(endpoint, body, content_type="text/plain")


@FUZZ
@given(value=json_values, endpoint=st.sampled_from(ENDPOINTS))
def test_random_json(sites: None, value: object, endpoint: str) -> None:
    answer(endpoint, dump(value))


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            key: urlish if key in ("u", "url", "r") else json_values
            for key in ("name", "n", "url", "u", "domain", "d", "r", "p", "props", "$", "i")
        },
    ),
    domain=st.sampled_from(["example.com", "www.example.com", "a,b,c", "", "other.org"]),
)
def test_plausible_shaped(sites: None, fields: dict[str, object], domain: str) -> None:
    answer("/api/event", dump({"d": domain, **fields}))


@FUZZ
@given(
    kind=st.sampled_from(["event", "identify", "pageview", None]),
    website=st.one_of(st.just(WEBSITE), st.uuids().map(str), json_values),
    payload=st.fixed_dictionaries(
        {},
        optional={
            "url": urlish,
            "hostname": st.one_of(st.just("example.com"), json_values),
            "name": json_values,
            "data": json_values,
            "referrer": urlish,
            "title": json_values,
            "screen": json_values,
        },
    ),
)
def test_umami_shaped(sites: None, kind: object, website: object, payload: dict) -> None:
    answer("/api/send", dump({"type": kind, "payload": {"website": website, **payload}}))


valid_bodies = {
    "/api/event": dump({"n": "pageview", "u": "https://example.com/", "d": "example.com"}),
    "/api/send": dump(
        {"type": "event", "payload": {"website": WEBSITE, "hostname": "example.com", "url": "/"}}
    ),
}


@FUZZ
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    method=st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    user_agent=st.one_of(st.text(max_size=300), st.just(CHROME), st.just("x" * 5000)),
    forwarded=st.one_of(
        st.text(max_size=80),
        st.lists(st.ip_addresses().map(str), max_size=5).map(", ".join),
    ),
    peer=st.sampled_from(["203.0.113.9", "10.1.2.3", "::1", "", "not-an-ip"]),
    content_length=st.one_of(
        st.none(), st.integers(min_value=-5, max_value=0), st.text(max_size=8), st.just("99999")
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "", "multipart/form-data"]),
)
def test_random_headers_and_methods(
    sites: None,
    endpoint: str,
    method: str,
    user_agent: str,
    forwarded: str,
    peer: str,
    content_length: object,
    content_type: str,
) -> None:
    meta = {"HTTP_USER_AGENT": user_agent, "HTTP_X_FORWARDED_FOR": forwarded, "REMOTE_ADDR": peer}
    if content_length is not None:
        # Never more than the body: Django's test payload asserts instead of truncating.
        meta["CONTENT_LENGTH"] = str(content_length)
    answer(endpoint, valid_bodies[endpoint], method=method, content_type=content_type, **meta)


def test_fuzzing_saw_both_outcomes() -> None:
    # Runs after the fuzz tests in this module: they reached both acceptance and refusal.
    if not seen_statuses:
        pytest.skip("run together with the fuzz tests above")
    assert sum(seen_statuses.values()) >= 10_000, seen_statuses
    assert 202 in seen_statuses and 400 in seen_statuses, seen_statuses


# --- the live server ---------------------------------------------------------------------


def raw_exchange(host: str, port: int, request: bytes, *, half_close: bool = False) -> int | None:
    """Send raw bytes; the status the server answers, or None if it just closes."""
    with socket.create_connection((host, port), timeout=10) as conn:
        data = b""
        try:
            conn.sendall(request)
            if half_close:
                conn.shutdown(socket.SHUT_WR)
            while b"\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:  # reset or closed by the server before or instead of answering
            return None
    if not data.startswith(b"HTTP/"):
        return None
    return int(data.split(b" ", 2)[1])


def malformed_requests(rng: random.Random) -> Iterator[tuple[bytes, bool]]:
    """300 raw requests: (bytes, whether to close our side after sending)."""
    headers = b"Host: 127.0.0.1\r\nUser-Agent: fuzz\r\n"
    for n in range(300):
        path = rng.choice([b"/api/event", b"/api/send"])
        kind = n % 10
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
        if kind == 0:  # bad JSON, honest length
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
                % (path, headers, len(body), body),
                False,
            )
        elif kind == 1:  # wrong method
            method = rng.choice([b"GET", b"PUT", b"DELETE", b"PATCH", b"TRACE", b"BREW"])
            yield b"%s %s HTTP/1.1\r\n%s\r\n" % (method, path, headers), False
        elif kind == 2:  # a huge declared length, nothing sent
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: 999999999999\r\n\r\n" % (path, headers),
                True,
            )
        elif kind == 3:  # truncated body: more declared than sent
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
                % (path, headers, len(body) + 500, body),
                True,
            )
        elif kind == 4:  # invalid UTF-8 and control bytes in header values
            yield (
                b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: \xff\xfe\xc3(%s\r\n"
                b"X-Forwarded-For: \xc0\xaf, 10.0.0.1\r\nContent-Length: 2\r\n\r\n{}"
                % (path, body[:20].replace(b"\r", b"").replace(b"\n", b"")),
                False,
            )
        elif kind == 5:  # a negative or non-numeric length
            length = rng.choice([b"-1", b"abc", b"1e3", b" 5"])
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: %s\r\n\r\n{}" % (path, headers, length),
                True,
            )
        elif kind == 6:  # garbage instead of a request line
            yield body.replace(b"\n", b"") + b"\r\n\r\n", True
        elif kind == 7:  # chunked, badly
            yield (
                b"POST %s HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n\r\nzz\r\n%s"
                % (path, headers, body),
                True,
            )
        elif kind == 8:  # deeply nested JSON
            nested = b"[" * rng.randint(1000, 15000)
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
                % (path, headers, len(nested), nested),
                False,
            )
        else:  # a well-formed request with the fields mangled
            value = rng.choice(["\u0000", "\u202e", "x" * 3000, "", "//"])
            doc = json.dumps(
                {
                    "n": value,
                    "u": value,
                    "d": value,
                    "type": "event",
                    "payload": {"website": value, "url": value},
                }
            ).encode()
            yield (
                b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
                % (path, headers, len(doc), doc),
                False,
            )


def test_live_server_survives_malformed_http(live_url: str) -> None:
    TrackedSite.objects.create(domain="example.com", name="Example", umami_website_id=WEBSITE)
    parts = urlsplit(live_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    statuses: dict[int | None, int] = {}
    rng = random.Random(20261117)  # noqa: S311 - reproducible fuzz input, not a secret
    for request, half_close in malformed_requests(rng):
        status = raw_exchange(host, port, request, half_close=half_close)
        statuses[status] = statuses.get(status, 0) + 1
        assert status is None or status < 500, (status, request[:300])
    assert sum(statuses.values()) == 300
    assert 400 in statuses and 405 in statuses and 413 in statuses, statuses

    for path, body in valid_bodies.items():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("POST", path, body, {"User-Agent": CHROME, "Content-Type": "text/plain"})
        response = conn.getresponse()
        assert response.status == 202, (path, response.status, response.read())
        conn.close()
    print(f"live statuses: {statuses}")
