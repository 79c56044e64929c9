"""Fuzz: generated malformed requests to every public endpoint; no answer may be a 5xx.

Starts the real server (granian, 2 workers, on a demo site in a temporary data directory, as
bench/pages.py does) or uses --base-url, then sends --requests generated requests (10,000 by
default) to each public endpoint from a seeded generator: JSON nested 1..5000 deep, NUL and
control characters, invalid UTF-8, lone surrogates as JSON escapes, huge numbers (1e400,
10**400), wrong JSON types, wrong or absent content types, bodies over the limits, over-long
paths and segments, odd query strings and % escapes. Requests are written byte for byte on
keep-alive sockets (http.client refuses the odd request lines a fuzzer must send), from
--concurrency threads. Prints a table per endpoint (requests, 2xx/3xx/4xx/5xx and the other
answers) and exits 1 if any answer was a 5xx, printing the first few of those requests.

Usage:
  .venv/bin/python bench/fuzz_public_endpoints.py [--requests 10000] [--concurrency 8]
      [--seed 14] [--only ingest,csp-report] [--base-url http://127.0.0.1:8000]
With --base-url the site must be the demo's (``make demo``), with the rate limits raised
(see SERVER_ENV) or most answers are 429s.
"""

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from _support import free_port
from commonground.core.http.web_server import granian_command

PYTHON = sys.executable
# The limits that would otherwise answer most of a fuzzer's requests with 429 before parsing.
SERVER_ENV = {
    "ANALYTICS_RATE_LIMIT_PER_MINUTE": "0",
    "CSP_REPORTS_PER_MINUTE": "0",
    "CONSENT_CHOICES_PER_MINUTE": "0",
    "API_ANON_RATE": "100000000/min",
}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


# --- the odd values ---------------------------------------------------------------------------


class Raw(str):
    """JSON text written as is into a generated document (a huge number, a surrogate escape)."""


ODD_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1f\x7f",
    "\x85\x9f",
    "\u2028\u2029",
    "\ufeff",
    "\ufffe\uffff",
    "😀" * 3,
    "%00",
    "%ff%fe",
    "%",
    "%%%",
    "%c0%af",
    "../../etc/passwd",
    "..\\..\\",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "${jndi:ldap://x}",
    "javascript:alert(1)",
    "http://",
    "https://[::1",
    "http://a b/",
    "http://[fe80::1%25eth0]/",
    "https://example.com:99999/",
    "https://xn--/",
    "data:text/html,<b>",
    "null",
    "true",
    "-0",
    "1e400",
    "0x10",
    "٣",
    "²",
    "\U0001d7d8",  # a mathematical digit zero
)
ODD_RAW_STRINGS = (
    Raw('"\\ud800"'),
    Raw('"a\\udfffb"'),
    Raw('"\\ud800\\ud800"'),
    Raw('"\\u0000"'),
    Raw('"\\u001b[31m"'),
    Raw('"\\uDBFF"'),
    Raw('"\\x41"'),  # not JSON
    Raw('"unterminated'),
)
HUGE_NUMBERS = (
    Raw("1e400"),
    Raw("-1e400"),
    Raw("1E-400"),
    Raw("1" + "0" * 400),
    Raw("-" + "9" * 400),
    Raw("1" + "0" * 4400),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    Raw("0.0000000000000000000000000000001"),
    Raw("9223372036854775808"),
    Raw("-9223372036854775809"),
    Raw("18446744073709551616"),
    Raw("1.7976931348623157e309"),
    Raw("01"),
    Raw("1."),
    Raw(".5"),
)
INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80")
CONTENT_TYPES = (
    None,
    "",
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json; charset=nonsense",
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/csp-report",
    "application/reports+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=x",
    "application/xml",
    "*/*",
    "application/json\x00",
    "a" * 3000,
    ";;;",
)


@dataclass
class Request:
    method: str
    target: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    body: bytes = b""


class Fuzz:
    """The seeded generator: odd values, documents built from them, paths and query strings."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def text(self) -> str | Raw:
        r = self.rng.random()
        if r < 0.35:
            return self.rng.choice(ODD_STRINGS)
        if r < 0.5:
            return self.rng.choice(ODD_RAW_STRINGS)
        if r < 0.6:
            return self.rng.choice("ab\x00\u00e9%/\\") * self.rng.choice((100, 300, 2100, 9000))
        length = self.rng.randint(0, 40)
        return "".join(
            chr(
                self.rng.choice(
                    (
                        self.rng.randint(0, 0x7F),
                        self.rng.randint(0x80, 0x2FFF),
                        self.rng.randint(0xE000, 0x10FFFF),
                    )
                )
            )
            for _ in range(length)
        )

    def nesting(self) -> Raw:
        depth = self.rng.choice((1, 2, 3, 10, 33, 64, 100, 500, 1000, 2000, 3000, 5000))
        kind = self.rng.randrange(4)
        if kind == 0:
            return Raw("[" * depth + "]" * depth)
        if kind == 1:
            return Raw('{"a":' * depth + "1" + "}" * depth)
        if kind == 2:
            return Raw("[" * depth)  # never closed
        return Raw('[{"a":' * depth + "null" + "}]" * depth)

    def value(self, depth: int = 0) -> object:
        """Any JSON value, often a wrong or odd one."""
        r = self.rng.random()
        if r < 0.2:
            return self.text()
        if r < 0.35:
            return self.rng.choice(HUGE_NUMBERS)
        if r < 0.45:
            return self.nesting()
        if r < 0.55:
            return self.rng.choice((None, True, False, 0, -1, 1.5, 2**63, -(2**31)))
        if r < 0.7 and depth < 3:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        if r < 0.85 and depth < 3:
            return {self.key(): self.value(depth + 1) for _ in range(self.rng.randint(0, 4))}
        return self.rng.choice(("x", "pageview", "https://127.0.0.1/", "2026-01-01", 7))

    def key(self) -> str:
        return str(self.rng.choice(("a", "", "\x00", "n", "p", "\ud800", "k" * 400, "$", "1")))

    def document(self, good: dict[str, object], odd: float = 0.3) -> object:
        """``good`` with some of its values made odd, keys dropped or added; sometimes not an
        object at all."""
        if self.chance(0.05):
            return self.value()
        doc: dict[str, object] = {}
        for name, value in good.items():
            if self.chance(0.08):
                continue
            if isinstance(value, dict) and self.chance(0.6):
                doc[name] = self.document(value, odd)
            else:
                doc[name] = self.value() if self.chance(odd) else value
        if self.chance(0.1):
            doc[self.key()] = self.value()
        return doc

    def json_body(self, good: dict[str, object], odd: float = 0.3) -> bytes:
        body = encode(self.document(good, odd)).encode("utf-8", "surrogatepass")
        return self.mangle(body)

    def mangle(self, body: bytes) -> bytes:
        """Byte-level damage: invalid UTF-8, a BOM, a cut, a huge body; mostly none."""
        r = self.rng.random()
        if r < 0.06 and body:
            at = self.rng.randrange(len(body))
            return body[:at] + self.rng.choice(INVALID_UTF8) + body[at:]
        if r < 0.08:
            return b"\xef\xbb\xbf" + body
        if r < 0.1:
            return body[: self.rng.randrange(len(body) + 1)]
        if r < 0.11:
            return body + b" " * self.rng.choice((20_000, 70_000, 300_000))
        if r < 0.12:
            return self.rng.choice(
                (b"", b"\x00" * 10, bytes(self.rng.randrange(256) for _ in range(50)))
            )
        return body

    def content_type(self, right: str, p_wrong: float = 0.15) -> str | None:
        return self.rng.choice(CONTENT_TYPES) if self.chance(p_wrong) else right

    def segment(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice("abz0_-.~") * self.rng.choice((255, 256, 300, 1000, 4100))
        if r < 0.4:
            return self.rng.choice(
                (
                    "..",
                    ".",
                    "%2e%2e",
                    "%2f",
                    "%00",
                    "%ff",
                    "%c0%af",
                    "%",
                    "%zz",
                    "%25",
                    "%ed%a0%80",
                    "~",
                    ";",
                    "a;b=c",
                    "%20",
                    "+",
                    "@",
                    ":",
                    "%u0041",
                    "\\",
                    "%5c",
                    "index.html",
                    "favicon.ico",
                    "%0d%0aSet-Cookie:x=1",
                    "x" * 60,
                )
            )
        if r < 0.55:
            return urllib.parse.quote(str(self.text()), safe="", errors="surrogatepass")
        return "".join(
            self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
            for _ in range(self.rng.randint(1, 12))
        )

    def path_under(self, prefix: str, max_segments: int = 4) -> str:
        segments = [self.segment() for _ in range(self.rng.randint(0, max_segments))]
        path = prefix + "/".join(segments)
        if self.chance(0.5):
            path += "/"
        if self.chance(0.03):
            path += "/".join(["a"] * 2000)
        return path

    def query(self, names: tuple[str, ...]) -> str:
        pairs = []
        for _ in range(self.rng.randint(0, 4)):
            name = self.rng.choice(names) if self.chance(0.8) else self.segment()
            value = self.query_value()
            pairs.append(f"{name}={value}" if self.chance(0.95) else name)
        if self.chance(0.05):
            pairs.append(self.rng.choice(("&&&", "=", "a=1&a=2&a=3", "%", "a[]=1", "a=%ff", "=x")))
        return "?" + "&".join(pairs) if pairs else ""

    def query_value(self) -> str:
        r = self.rng.random()
        if r < 0.25:
            return self.rng.choice(
                (
                    "%29",
                    "latest_revision",
                    "-1",
                    "0",
                    "1",
                    "2",
                    "1e400",
                    "9" * 40,
                    "abc",
                    "",
                    "%00",
                    "%ff",
                    "*",
                    "-",
                    "_",
                    "title",
                    "-title",
                    "random",
                    "id",
                    "2026-13-45",
                    "2026-01-01",
                    "2026-01-01T25:00",
                    "yesterday",
                    "true",
                    "false",
                    "null",
                    "content.ArticlePage",
                    "wagtailcore.Page",
                    "a.b.c",
                    "content.Nope",
                    "x" * 300,
                    "%ud800",
                    "..",
                    "1,2",
                    "title,-id",
                    "*,-title",
                    "(",
                    ")",
                    "title(id)",
                    "a(b(c(d)))",
                    "en",
                    "zz",
                )
            )
        return urllib.parse.quote(str(self.text()), safe="", errors="surrogatepass")


def encode(value: object) -> str:
    """JSON text of ``value``; Raw strings are written unquoted, as they are."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value)


# --- what is fuzzed ----------------------------------------------------------------------------


@dataclass
class Site:
    """What the generators aim at, found on the running demo site."""

    page_paths: list[str]
    form_path: str
    form_fields: list[str]
    feed_paths: list[str]
    document_urls: list[str]
    image_urls: list[str]
    list_id: int
    subscription_token: str
    api_keys: list[str]
    domain: str
    umami_website: str
    csrf_cookie: str
    csrf_token: str
    consent_version: str
    consent_purposes: list[str]


def _form(method: str, target: str, fields: list[tuple[str, str]], fz: Fuzz, site: Site) -> Request:
    if fz.chance(0.1):
        fields = [*fields, (fz.segment(), str(fz.text()))]
    pairs = []
    for name, value in fields:
        if fz.chance(0.3):
            value = str(fz.text()) if fz.chance(0.6) else fz.query_value()
        encoded = (
            urllib.parse.quote(value, safe="", errors="surrogatepass")
            if not value.startswith("%")
            else value
        )
        pairs.append(f"{urllib.parse.quote(name)}={encoded}")
    body = fz.mangle("&".join(pairs).encode())
    headers = [("Cookie", f"csrftoken={site.csrf_cookie}".encode())]
    if not fz.chance(0.05):
        headers.append(("X-CSRFToken", site.csrf_token.encode()))
    content_type = fz.content_type("application/x-www-form-urlencoded")
    if content_type is not None:
        headers.append(("Content-Type", content_type.encode("latin-1", "replace")))
    return Request(method, target.encode(), headers, body)


def _json_post(
    target: str, body: bytes, content_type: str | None, extra: list[tuple[str, bytes]] | None = None
) -> Request:
    headers = list(extra or [])
    if content_type is not None:
        headers.append(("Content-Type", content_type.encode("latin-1", "replace")))
    return Request("POST", target.encode(), headers, body)


def ingest(fz: Fuzz, site: Site) -> Request:
    good = {
        "n": fz.rng.choice(("pageview", "Signup")),
        "u": f"https://{site.domain}/blog/?utm_source=x",
        "d": site.domain,
        "r": "https://www.google.com/",
        "p": {"plan": "pro", "n": 1},
        "$": {"amount": "9.99", "currency": "EUR"},
        "i": True,
    }
    if fz.chance(0.1):
        good["p"] = encode(fz.value())  # the older scripts' props as a JSON string
    return _json_post("/api/event", fz.json_body(good), fz.content_type("text/plain"))


def umami(fz: Fuzz, site: Site) -> Request:
    good = {
        "type": "event",
        "payload": {
            "website": site.umami_website,
            "url": "/blog/",
            "hostname": site.domain,
            "referrer": "",
            "name": "Signup",
            "data": {"a": {"b": 1}, "list": [1, "x"]},
        },
    }
    return _json_post("/api/send", fz.json_body(good), fz.content_type("application/json"))


def csp_report(fz: Fuzz, site: Site) -> Request:
    page = f"http://{site.domain}/blog/"
    if fz.chance(0.5):
        good: dict[str, object] = {
            "csp-report": {
                "document-uri": page,
                "violated-directive": "script-src-elem",
                "effective-directive": "script-src-elem",
                "blocked-uri": "https://evil.example/x.js",
                "disposition": "enforce",
            }
        }
        content_type = "application/csp-report"
    else:
        good = {
            "0": {
                "type": "csp-violation",
                "url": page,
                "body": {
                    "documentURL": page,
                    "effectiveDirective": "img-src",
                    "blockedURL": "https://evil.example/p.gif",
                    "disposition": "report",
                },
            }
        }
        content_type = "application/reports+json"
    doc = fz.document(good)
    if isinstance(doc, dict) and "0" in doc:
        doc = list(doc.values())
    body = fz.mangle(encode(doc).encode("utf-8", "surrogatepass"))
    return _json_post("/-/csp-report", body, fz.content_type(content_type))


def consent(fz: Fuzz, site: Site) -> Request:
    # The body the banner sends (a random id, the banner's version, every purpose answered),
    # so that mangled ones reach each of the parser's checks, not only the first.
    good = {
        "id": "".join(fz.rng.choice("0123456789abcdef") for _ in range(32)),
        "version": site.consent_version,
        "purposes": {name: fz.rng.random() < 0.5 for name in site.consent_purposes},
        "gpc": fz.rng.random() < 0.2,
    }
    return _json_post("/-/consent", fz.json_body(good), fz.content_type("application/json"))


def newsletter_signup(fz: Fuzz, site: Site) -> Request:
    if fz.chance(0.1):
        return Request(
            "GET", (fz.path_under("/newsletter/", 1) + fz.query(("list", "email"))).encode()
        )
    return _form(
        "POST",
        "/newsletter/",
        [("email", "fuzz@example.com"), ("list", str(site.list_id))],
        fz,
        site,
    )


def newsletter_links(fz: Fuzz, site: Site) -> Request:
    kind = fz.rng.choice(("confirm", "unsubscribe", "preferences"))
    token = site.subscription_token if fz.chance(0.5) else fz.segment()
    list_id = (
        str(site.list_id) if fz.chance(0.5) else fz.rng.choice(("0", "9" * 30, "-1", fz.segment()))
    )
    target = f"/newsletter/{kind}/{token}/" + ("" if kind == "preferences" else f"{list_id}/")
    if fz.chance(0.3):
        return Request("GET", (target + fz.query(("a",))).encode())
    if kind == "unsubscribe":
        fields = [("List-Unsubscribe", "One-Click")]
    elif kind == "preferences":
        fields = [("lists", str(site.list_id))]
    else:
        fields = []
    # Never the demo's real token with a valid body: the unsubscribe would be real (harmless,
    # but the next requests would then meet a different state). Odd values are the point.
    return _form("POST", target, fields, fz, site)


def form_page(fz: Fuzz, site: Site) -> Request:
    fields = [(name, "fuzz") for name in site.form_fields]
    if fz.chance(0.1):
        return Request("GET", (site.form_path + fz.query(("page", "a"))).encode())
    return _form("POST", site.form_path, fields, fz, site)


API_PARAMS = (
    "id",
    "type",
    "fields",
    "order",
    "limit",
    "offset",
    "search",
    "search_operator",
    "child_of",
    "descendant_of",
    "ancestor_of",
    "translation_of",
    "locale",
    "site",
    "html_path",
    "title",
    "slug",
    "first_published_at",
    "last_published_at",
    "show_in_menus",
    "seo_title",
    "tags",
    "collection_id",
    "created_at",
    "format",
    "q",
)


def headless_api(fz: Fuzz, site: Site) -> Request:
    endpoint = fz.rng.choice(("pages", "images", "documents"))
    r = fz.rng.random()
    if r < 0.35:
        target = f"/api/v2/{endpoint}/"
    elif r < 0.55:
        target = f"/api/v2/{endpoint}/find/"
    elif r < 0.75:
        pk = fz.rng.choice(("1", "2", "3", "0", "-1", "9" * 30, fz.segment()))
        target = f"/api/v2/{endpoint}/{pk}/"
    else:
        target = fz.path_under(f"/api/v2/{endpoint}/", 2)
    return Request("GET", (target + fz.query(API_PARAMS)).encode())


def stats_api(fz: Fuzz, site: Site) -> Request:
    good = {
        "site_id": site.domain,
        "metrics": ["visitors", "pageviews"],
        "date_range": fz.rng.choice(("7d", "30d", ["2026-01-01", "2026-01-31"])),
        "dimensions": ["event:page"],
        "filters": [
            ["is", "visit:source", ["Google"]],
            ["not", ["contains", "event:page", ["/blog"]]],
        ],
        "order_by": [["visitors", "desc"]],
        "include": {"comparison": "previous_period"},
        "pagination": {"limit": 10, "offset": 0},
    }
    auth = f"Bearer {fz.rng.choice(site.api_keys)}" if fz.chance(0.9) else str(fz.text())
    headers = [("Authorization", auth.encode("utf-8", "surrogatepass"))]
    if fz.chance(0.05):
        return Request("GET", ("/api/v2/query/openapi.json" + fz.query(("a",))).encode(), headers)
    return _json_post(
        "/api/v2/query",
        fz.json_body(good, odd=0.2),
        fz.content_type("application/json", 0.05),
        headers,
    )


def feeds(fz: Fuzz, site: Site) -> Request:
    base = fz.rng.choice(site.feed_paths)
    r = fz.rng.random()
    if r < 0.4:
        target = base
    elif r < 0.7:
        target = f"/blog/tag/{fz.segment()}/feed/{fz.rng.choice(('rss', 'atom', 'json'))}/"
    else:
        target = fz.path_under("/blog/feed/", 2)
    return Request("GET", (target + fz.query(("page", "tag", "utm_source", "format"))).encode())


def sitemap(fz: Fuzz, site: Site) -> Request:
    target = "/sitemap.xml" if fz.chance(0.8) else fz.path_under("/sitemap.xml/", 1)
    return Request("GET", (target + fz.query(("p", "page", "section"))).encode())


def page_tree(fz: Fuzz, site: Site) -> Request:
    base = fz.rng.choice(site.page_paths)
    target = base if fz.chance(0.3) else fz.path_under(base, 3)
    method = fz.rng.choice(
        ("GET", "GET", "GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "FOO")
    )
    request = Request(
        method, (target + fz.query(("page", "tag", "q", "utm_source", "preview"))).encode()
    )
    if method == "POST":
        request.body = fz.mangle(b"a=1")
        request.headers.append(
            (
                "Content-Type",
                (fz.content_type("application/x-www-form-urlencoded", 0.5) or "").encode(
                    "latin-1", "replace"
                ),
            )
        )
    return request


def media(fz: Fuzz, site: Site) -> Request:
    r = fz.rng.random()
    if r < 0.3 and site.document_urls:
        target = fz.rng.choice(site.document_urls)
    elif r < 0.5:
        target = fz.path_under("/documents/", 3)
    elif r < 0.65:
        image_id = fz.rng.choice(("1", "0", "9" * 30, fz.segment()))
        target = f"/images/{fz.segment()}/{image_id}/{fz.segment()}/"
    else:
        target = fz.path_under("/media/", 4)
    return Request("GET", (target + fz.query(("a", "download"))).encode())


def static(fz: Fuzz, site: Site) -> Request:
    target = fz.path_under(
        fz.rng.choice(("/static/", "/static/analytics/", "/static/wagtailadmin/")), 4
    )
    return Request(fz.rng.choice(("GET", "HEAD")), (target + fz.query(("v",))).encode())


ENDPOINTS: dict[str, Callable[[Fuzz, Site], Request]] = {
    "POST /api/event (ingest)": ingest,
    "POST /api/send (Umami)": umami,
    "POST /-/csp-report": csp_report,
    "POST /-/consent": consent,
    "newsletter sign-up": newsletter_signup,
    "newsletter confirm/unsubscribe": newsletter_links,
    "form page submission": form_page,
    "headless API /api/v2/": headless_api,
    "Stats API /api/v2/query": stats_api,
    "feeds": feeds,
    "sitemap.xml": sitemap,
    "page tree": page_tree,
    "media and documents": media,
    "static files": static,
}


# --- the HTTP client: raw bytes on keep-alive sockets ----------------------------------------


class Connection:
    def __init__(self, host: str, port: int, host_header: str) -> None:
        self.address = (host, port)
        self.host_header = host_header.encode()
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def send(self, request: Request) -> int:
        """The answer's status; 0 if the server closed the connection without one."""
        head = [
            request.method.encode() + b" " + request.target + b" HTTP/1.1",
            b"Host: " + self.host_header,
            b"User-Agent: " + CHROME.encode(),
        ]
        head += [name.encode() + b": " + value for name, value in request.headers]
        if request.body or request.method in ("POST", "PUT", "PATCH"):
            head.append(b"Content-Length: " + str(len(request.body)).encode())
        data = b"\r\n".join(head) + b"\r\n\r\n" + request.body
        for attempt in range(2):
            fresh = self.sock is None
            sock = self.sock or self._connect()
            try:
                sock.sendall(data)
                return self._read(request.method)
            except (ConnectionError, EOFError):
                self.close()
                if fresh or attempt:
                    return 0
        return 0

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def _read(self, method: str) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body_length = 0
        elif b"content-length" in headers:
            body_length = int(headers[b"content-length"])
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            self._read_chunked()
            body_length = 0
        else:  # read to the end: the server closes
            try:
                while True:
                    self._fill()
            except EOFError:
                pass
            self.close()
            return status
        while len(self.buffer) < body_length:
            self._fill()
        self.buffer = self.buffer[body_length:]
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status

    def _read_chunked(self) -> None:
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._fill()
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return


# --- running it ------------------------------------------------------------------------------


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[tuple[int, Request]] = field(default_factory=list)


def run_endpoint(
    name: str,
    generate: Callable[[Fuzz, Site], Request],
    site: Site,
    *,
    base: urllib.parse.SplitResult,
    requests: int,
    concurrency: int,
    seed: int,
) -> Tally:
    tally = Tally()
    lock = threading.Lock()
    per_thread = [
        requests // concurrency + (1 if i < requests % concurrency else 0)
        for i in range(concurrency)
    ]

    def work(index: int) -> None:
        fz = Fuzz(random.Random(f"{seed}/{name}/{index}"))
        connection = Connection(base.hostname or "127.0.0.1", base.port or 80, base.netloc)
        try:
            for _ in range(per_thread[index]):
                request = generate(fz, site)
                status = connection.send(request)
                with lock:
                    tally.statuses[status] += 1
                    if status >= 500 and len(tally.server_errors) < 20:
                        tally.server_errors.append((status, request))
        finally:
            connection.close()

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(work, range(concurrency)))
    return tally


def _commonground(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "-m", "commonground.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        cookies = "; ".join(response.headers.get_all("Set-Cookie") or [])
        return response.read().decode("utf-8", "replace"), {"set-cookie": cookies}


def prepare_demo() -> tuple[Path, dict[str, str]]:
    data_dir = Path(tempfile.mkdtemp(prefix="cg-bench-fuzz-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commonground.config.settings.dev",
        "COMMONGROUND_DATA_DIR": str(data_dir),
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        **SERVER_ENV,
    }
    env.pop("DATABASE_URL", None)
    print(f"bench/fuzz: preparing a demo site in {data_dir}", flush=True)
    _commonground(env, "migrate", "--noinput", "-v0")
    _commonground(env, "collectstatic", "--noinput", "-v0")
    _commonground(env, "load_demo")
    return data_dir, env


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            granian_command(host="127.0.0.1", port=port, workers=2),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            _get(f"http://127.0.0.1:{port}/robots.txt")
            return process
        except OSError:
            if process.poll() is not None:
                sys.exit(f"bench/fuzz: the server stopped; see {log}")
            time.sleep(0.3)
    process.kill()
    sys.exit("bench/fuzz: the server did not start")


def start_mover(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The event store's owner, answering the Stats API's queries (without it they are 503s)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [PYTHON, "-m", "commonground.cli", "analytics_mover", "--interval", "0.5"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if "mover: answering queries" in log.read_text(errors="replace"):
            return process
        if process.poll() is not None:
            sys.exit(f"bench/fuzz: the mover stopped; see {log}")
        time.sleep(0.3)
    process.kill()
    sys.exit("bench/fuzz: the mover did not start")


def demo_facts(env: dict[str, str]) -> dict[str, object]:
    """What only the database knows: a Stats API key, a subscription's token, the site."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from commonground.analytics.models import TrackedSite
    from commonground.analytics.stats_api.keys import create_api_key
    from commonground.distribution.newsletter.models import MailingList, Subscription

    site, _ = TrackedSite.objects.get_or_create(domain="127.0.0.1", defaults={"name": "Fuzz"})
    if not site.umami_website_id:
        site.umami_website_id = "0b8f7a56-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
        site.save()
    owner = (
        get_user_model().objects.filter(is_superuser=True).first()
        or get_user_model().objects.first()
    )
    # The Stats API limits each key (10 a second, 600 an hour): enough keys that the fuzz
    # stays under both and its requests reach the query parser.
    keys = [create_api_key(owner=owner, name=f"fuzz {n}", sites=[site]) for n in range(40)]
    subscription = Subscription.objects.select_related("subscriber").first()
    from commonground.governance.consent.banner import banner

    offered = banner()
    return {
        "consent_version": offered.version,
        "consent_purposes": [purpose.name for purpose in offered.purposes],
        "api_keys": [key.plaintext for key in keys],
        "domain": site.domain,
        "umami_website": str(site.umami_website_id),
        "list_id": MailingList.objects.values_list("pk", flat=True).first() or 1,
        "subscription_token": subscription.subscriber.token if subscription else "nothing",
    }


def discover(base_url: str, facts: dict[str, object]) -> Site:
    pages, _ = _get(f"{base_url}/api/v2/pages/?limit=100&fields=-title")
    page_paths = ["/"] + [
        urllib.parse.urlsplit(p["meta"]["html_url"]).path for p in json.loads(pages)["items"]
    ]
    documents, _ = _get(f"{base_url}/api/v2/documents/?limit=20")
    document_urls = [
        urllib.parse.urlsplit(d["meta"]["download_url"]).path
        for d in json.loads(documents)["items"]
    ]
    form_path = "/spring-launch-webinar/"
    form_html, headers = _get(f"{base_url}{form_path}")
    fields = sorted(
        set(re.findall(r'<(?:input|textarea|select)[^>]*name="([^"]+)"', form_html))
        - {"csrfmiddlewaretoken"}
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_html)
    cookie = re.search(r"csrftoken=([^;]+)", headers["set-cookie"])
    if not token or not cookie:
        sys.exit("bench/fuzz: the form page gave no CSRF token")
    home_html, _ = _get(f"{base_url}/")
    images = sorted(
        set(re.findall(r'(/images/[^"\s]+?/)', home_html))
        | set(re.findall(r'(/media/images/[^"\s?]+)', home_html))
    )
    return Site(
        page_paths=page_paths,
        form_path=form_path,
        form_fields=fields,
        feed_paths=["/blog/feed/rss/", "/blog/feed/atom/", "/blog/feed/json/"],
        document_urls=document_urls,
        image_urls=images[:10],
        csrf_cookie=cookie.group(1),
        csrf_token=token.group(1),
        **facts,  # type: ignore[arg-type]
    )


def print_table(results: dict[str, Tally], seconds: float) -> None:
    print()
    print(f"{'endpoint':<34}{'requests':>9}{'2xx':>8}{'3xx':>8}{'4xx':>8}{'5xx':>6}{'other':>7}")
    for name, tally in results.items():
        by_class = Counter(status // 100 for status in tally.statuses.elements())
        total = sum(tally.statuses.values())
        other = total - sum(by_class[c] for c in (2, 3, 4, 5))
        print(
            f"{name:<34}{total:>9,}{by_class[2]:>8,}{by_class[3]:>8,}{by_class[4]:>8,}{by_class[5]:>6,}{other:>7,}"
        )
    total = sum(sum(t.statuses.values()) for t in results.values())
    errors = sum(sum(n for s, n in t.statuses.items() if s >= 500) for t in results.values())
    print(f"{'all':<34}{total:>9,}{'':>24}{errors:>6,}   in {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", default="", help="comma-separated words matching endpoint names")
    parser.add_argument("--base-url", default="", help="a running demo site instead of a new one")
    args = parser.parse_args()

    server = mover = None
    log = None
    if args.base_url:
        base_url = args.base_url.rstrip("/")
        env = dict(os.environ)
    else:
        data_dir, env = prepare_demo()
        port = free_port()
        log = data_dir / "granian.log"
        server = start_server(env, port, log)
        mover = start_mover(env, data_dir / "mover.log")
        base_url = f"http://127.0.0.1:{port}"
    try:
        site = discover(base_url, demo_facts(env))
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        chosen = {n: g for n, g in ENDPOINTS.items() if not wanted or any(w in n for w in wanted)}
        results: dict[str, Tally] = {}
        started = time.monotonic()
        for name, generate in chosen.items():
            began = time.monotonic()
            results[name] = run_endpoint(
                name,
                generate,
                site,
                base=urllib.parse.urlsplit(base_url),
                requests=args.requests,
                concurrency=args.concurrency,
                seed=args.seed,
            )
            print(
                f"bench/fuzz: {name}: {sum(results[name].statuses.values()):,} requests in "
                f"{time.monotonic() - began:.0f} s, "
                f"statuses {dict(sorted(results[name].statuses.items()))}",
                flush=True,
            )
        print_table(results, time.monotonic() - started)
    finally:
        for process in (server, mover):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    failures = [
        (name, status, request)
        for name, tally in results.items()
        for status, request in tally.server_errors
    ]
    for name, status, request in failures[:40]:
        print(
            f"5xx {status} {name}: {request.method} {request.target[:200]!r} "
            f"{request.headers[-1:]!r} body={request.body[:300]!r}"
        )
    if failures:
        if log is not None:
            print(f"bench/fuzz: the server's log: {log}")
        sys.exit(1)


if __name__ == "__main__":
    main()
