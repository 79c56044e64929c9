"""POST /api/event: Plausible's format accepted, bad input refused by field, no IP kept."""

import json
from pathlib import Path

import pytest
from django.test import Client

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.mover import VisitTracker, move_once
from commonground.analytics.ingest import pipeline as ingest_module
from commonground.analytics.models import TrackedSite
from commonground.core.http import client_address

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
VISITOR_IP = "203.0.113.77"


def post(body: object, *, ua: str = CHROME, raw: bytes | None = None, **extra: str):
    data = raw if raw is not None else json.dumps(body).encode()
    extra.setdefault("REMOTE_ADDR", VISITOR_IP)
    return Client().post(
        "/api/event", data=data, content_type="text/plain", HTTP_USER_AGENT=ua, **extra
    )


def stored(store: DuckDBEventStore, spool: Path, columns: str) -> list[tuple]:
    move_once(store, spool, VisitTracker())
    return store.query(f"SELECT {columns} FROM events ORDER BY ts")  # noqa: S608 - test constant


def test_long_and_short_field_names_mean_the_same(spool: Path, store: DuckDBEventStore) -> None:
    url = "https://example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    long_form = {
        "name": "Signup",
        "url": url,
        "domain": "example.com",
        "referrer": "https://www.google.com/",
        "props": {"plan": "pro", "seats": 5},
        "revenue": {"amount": "19.90", "currency": "eur"},
        "interactive": True,
    }
    short_form = {
        "n": "Signup",
        "u": url,
        "d": "example.com",
        "r": "https://www.google.com/",
        "p": {"plan": "pro", "seats": 5},
        "$": {"amount": 19.9, "currency": "EUR"},
        "i": True,
    }
    assert post(long_form).status_code == 202
    assert post(short_form).status_code == 202
    columns = (
        "name, site, pathname, referrer, utm_source, utm_medium, utm_campaign, props, "
        "revenue_amount, revenue_currency, interactive, browser, device"
    )
    first, second = stored(store, spool, columns)
    assert first == second
    assert first[:7] == (
        "Signup",
        "example.com",
        "/pricing",
        "https://www.google.com/",
        "newsletter",
        "email",
        "spring",
    )
    assert first[7] == {"plan": "pro", "seats": "5"}
    assert first[8:11] == (19.9, "EUR", True)
    assert first[11] == "Chrome"
    assert first[12] == "desktop"


def test_unknown_sites_are_dropped_and_not_stored(spool: Path, store: DuckDBEventStore) -> None:
    response = post({"n": "pageview", "u": "https://other.org/", "d": "other.org"})
    assert response.status_code == 202
    assert response["X-Dropped"] == "unknown-site"
    assert stored(store, spool, "name") == []


def test_bots_are_dropped(spool: Path, store: DuckDBEventStore) -> None:
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    response = post({"n": "pageview", "u": "https://example.com/", "d": "example.com"}, ua=bot)
    assert response["X-Dropped"] == "bot"
    headless = CHROME.replace("Chrome/", "HeadlessChrome/")
    response = post({"n": "pageview", "u": "https://example.com/", "d": "example.com"}, ua=headless)
    assert response["X-Dropped"] == "bot"
    assert stored(store, spool, "name") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"u": "https://example.com/", "d": "example.com"}', "name"),
        (b'{"n": "pageview", "d": "example.com"}', "url"),
        (b'{"n": "pageview", "u": "javascript:alert(1)", "d": "example.com"}', "url"),
        (b'{"n": "pageview", "u": "https://example.com/"}', "domain"),
        (b'{"n": 5, "u": "https://example.com/", "d": "example.com"}', "name"),
        (b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": [1]}', "props"),
        (b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": {"a": {}}}', "props"),
        (
            b'{"n": "x", "u": "https://example.com/", "d": "example.com", "$": {"amount": 1}}',
            "revenue",
        ),
        (b'{"n": "x", "u": "https://example.com/", "d": "example.com", "i": "yes"}', "interactive"),
        (b'{"n": "x\\u0000", "u": "https://example.com/", "d": "example.com"}', "name"),
        (b"\xff\xfe\x00garbage", "body"),
        # Lone surrogates decode from JSON but can never be written out as UTF-8.
        (b'{"n": "x", "u": "https://example.com/\\ud800", "d": "example.com"}', "url"),
        (
            b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": {"k": "\\udfff"}}',
            "props",
        ),
        (
            b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": {"\\ud83d": "v"}}',
            "props",
        ),
        (
            b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": {"k": "a\\u0001"}}',
            "props",
        ),
        (
            b'{"n": "x", "u": "https://example.com/", "d": "example.com", "p": {"k": "a\\u007f"}}',
            "props",
        ),
    ],
)
def test_malformed_requests_get_400_naming_the_field(spool: Path, body: bytes, field: str) -> None:
    response = post(None, raw=body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def test_oversized_body_gets_413(spool: Path) -> None:
    response = post(None, raw=b"{" + b" " * 20_000 + b"}")
    assert response.status_code == 413


def test_get_is_405_and_preflight_allows_any_origin(spool: Path) -> None:
    assert Client().get("/api/event").status_code == 405
    preflight = Client().options("/api/event")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"
    assert preflight["Access-Control-Max-Age"] == "86400"
    # The answer to the POST itself only needs to let the page read it.
    answer = post({"n": "pageview", "u": "https://example.com/", "d": "example.com"})
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert answer["Access-Control-Expose-Headers"] == "X-Dropped"
    assert "Access-Control-Allow-Methods" not in answer


def test_the_ip_address_is_kept_nowhere(spool: Path, store: DuckDBEventStore, tmp_path) -> None:
    for n in range(5):
        post({"n": "pageview", "u": f"https://example.com/{n}", "d": "example.com"})
    stored(store, spool, "name")
    store.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert VISITOR_IP.encode() not in path.read_bytes(), path


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(
    spool: Path, store: DuckDBEventStore, settings
) -> None:
    body = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    post(body, HTTP_X_FORWARDED_FOR="198.51.100.1")
    post(body, HTTP_X_FORWARDED_FOR="198.51.100.2")
    ids = {row[0] for row in stored(store, spool, "visitor_id")}
    assert len(ids) == 1, "a forged X-Forwarded-For must not create new visitors"


def test_a_site_named_twice_is_counted_once_and_www_is_the_same_visitor(
    spool: Path, store: DuckDBEventStore
) -> None:
    post({"n": "pageview", "u": "https://example.com/a", "d": "example.com,www.Example.com"})
    post({"n": "pageview", "u": "https://www.example.com/b", "d": "www.example.com"})
    rows = stored(store, spool, "site, pathname, visitor_id")
    assert [row[:2] for row in rows] == [("example.com", "/a"), ("example.com", "/b")]
    assert rows[0][2] == rows[1][2]


def test_the_referrers_query_and_credentials_are_not_kept(
    spool: Path, store: DuckDBEventStore
) -> None:
    for referrer in (
        "https://user:secret@Mail.Example.org:8443/inbox/42?token=abc#msg",
        "https://news.example.net/?utm_source=x",
        "android-app://com.google.android.gm/",
        "not a url",
    ):
        post({"n": "pageview", "u": "https://example.com/", "d": "example.com", "r": referrer})
    assert stored(store, spool, "referrer") == [
        ("https://mail.example.org:8443/inbox/42",),
        ("https://news.example.net/",),
        ("android-app://com.google.android.gm/",),
        ("",),
    ]


def test_do_not_track_is_honoured_for_sites_that_ask(spool: Path, store: DuckDBEventStore) -> None:
    TrackedSite.objects.create(domain="private.example", name="Private", respect_do_not_track=True)
    for domain in ("example.com", "private.example"):
        for header in ({"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}):
            response = post({"n": "pageview", "u": f"https://{domain}/", "d": domain}, **header)
            assert response.status_code == 202
            expected = "do-not-track" if domain == "private.example" else None
            assert response.get("X-Dropped") == expected, (domain, header)
    assert stored(store, spool, "site") == [("example.com",), ("example.com",)]


def test_forwarded_for_with_garbage_falls_back_to_the_peer(settings) -> None:
    from commonground.core.http.client_address import client_ip

    settings.ANALYTICS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client_address.forget_trusted_proxies()
    try:
        peer = {"REMOTE_ADDR": "10.0.0.5"}
        assert client_ip({**peer, "HTTP_X_FORWARDED_FOR": "198.51.100.9, 10.0.0.7"}) == (
            "198.51.100.9"
        )
        assert client_ip({**peer, "HTTP_X_FORWARDED_FOR": "garbage"}) == "10.0.0.5"
        assert client_ip({**peer, "HTTP_X_FORWARDED_FOR": "198.51.100.9, junk"}) == "10.0.0.5"
        assert client_ip({"REMOTE_ADDR": "203.0.113.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}) == (
            "203.0.113.1"
        )
    finally:
        client_address.forget_trusted_proxies()


def test_the_quick_ipv4_reading_agrees_with_the_ipaddress_module(settings) -> None:
    import ipaddress

    settings.ANALYTICS_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.7/32", "fd00::/8"]
    client_address.forget_trusted_proxies()
    networks = [ipaddress.ip_network(n) for n in settings.ANALYTICS_TRUSTED_PROXIES]

    def by_the_book(text: str) -> tuple[str, str]:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return "invalid", ""
        return ("proxy" if any(ip in n for n in networks) else "client"), str(ip)

    addresses = [
        "10.0.0.1", "10.255.255.255", "11.0.0.1", "9.255.255.255", "192.168.1.7", "192.168.1.8",
        "0.0.0.0", "255.255.255.255", "256.0.0.1",  # noqa: S104 - an address to read, not bind "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04",
        "1.2.3.-4", "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1..3.4", "\u0661.2.3.4",
        "1.2.3.\u00b2", "::1", "fd00::5", "::ffff:10.0.0.1", "1.2.3.4%eth0", "", "a.b.c.d",
    ]  # fmt: skip
    try:
        for address in addresses:
            assert client_address._address(address) == by_the_book(address), address
    finally:
        client_address.forget_trusted_proxies()


def test_referrer_spam_is_dropped_with_or_without_a_scheme(
    spool: Path, store: DuckDBEventStore
) -> None:
    for referrer in ("https://semalt.com/", "semalt.com/", "www.semalt.com"):
        body = {"n": "pageview", "u": "https://example.com/", "d": "example.com", "r": referrer}
        assert post(body)["X-Dropped"] == "referrer-spam", referrer
    assert stored(store, spool, "name") == []


def test_drop_counts_do_not_expire(spool: Path, monkeypatch) -> None:
    import django.core.cache.backends.filebased as filebased
    from django.core.cache import caches

    key = "analytics:dropped:unknown_site"
    for _ in range(2):  # the first flush sets the key, the second adds to it
        post({"n": "pageview", "u": "https://other.org/", "d": "other.org"})
        ingest_module.flush_dropped_counts()
    total = caches["default"].get(key)
    assert total and total >= 2
    later = filebased.time.time() + 24 * 3600
    monkeypatch.setattr(filebased.time, "time", lambda: later)
    assert caches["default"].get(key) == total
