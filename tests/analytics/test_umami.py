"""POST /api/send: Umami's format stored with the same meaning as Plausible's at /api/event."""

import json
import uuid
from pathlib import Path

import pytest
from django.test import Client

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import TrackedSite

from .test_ingest import CHROME, VISITOR_IP, post, stored

pytestmark = pytest.mark.django_db

WEBSITE = uuid.UUID("6f1c5b7e-3d2a-4c8e-9b1f-0a2d4e6f8a10")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
COLUMNS = (
    "name, site, hostname, pathname, referrer, referrer_source, channel, utm_source, "
    "utm_medium, utm_campaign, utm_term, utm_content, props, browser, os, device"
)


@pytest.fixture
def umami_site(spool: Path) -> TrackedSite:
    site = TrackedSite.objects.get(domain="example.com")
    site.umami_website_id = WEBSITE
    site.save()
    return site


def send(body: object, *, ua: str = CHROME, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    return Client().post(
        "/api/send",
        data=data,
        content_type="application/json",
        HTTP_USER_AGENT=ua,
        REMOTE_ADDR=VISITOR_IP,
    )


def umami_event(**payload: object) -> dict[str, object]:
    base = {
        "website": str(WEBSITE),
        "hostname": "example.com",
        "language": "en-GB",
        "screen": "1920x1080",
        "title": "Pricing",
        "referrer": "",
    }
    return {"type": "event", "payload": base | payload}


def test_page_view_means_the_same_in_both_formats(
    umami_site: TrackedSite,
    store: DuckDBEventStore,
    spool: Path,
) -> None:
    path = "/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=t"
    plausible = post(
        {
            "n": "pageview",
            "u": f"https://example.com{path}",
            "d": "example.com",
            "r": "https://www.google.com/search?q=x",
        },
        ua=IPHONE,
    )
    assert plausible.status_code == 202
    answer = send(umami_event(url=path, referrer="https://www.google.com/search?q=x"), ua=IPHONE)
    assert answer.status_code == 202
    assert answer.json() == {"ok": True}
    assert "X-Dropped" not in answer
    first, second = stored(store, spool, COLUMNS)
    assert first == second
    assert first[:10] == (
        "pageview",
        "example.com",
        "example.com",
        "/pricing",
        "https://www.google.com/search",  # the referrer's query string is never kept
        "newsletter",  # the UTM source outranks the referrer
        "email",
        "newsletter",
        "email",
        "spring",
    )
    assert first[13:] == ("Safari", "iOS", "mobile")


def test_custom_event_with_props_means_the_same_in_both_formats(
    umami_site: TrackedSite,
    store: DuckDBEventStore,
    spool: Path,
) -> None:
    url = "https://www.example.com/signup?utm_source=ads&utm_content=banner"
    props = {"plan": "pro", "seats": 5, "trial": True, "unset": None}
    assert (
        post({"name": "Signup", "url": url, "domain": "example.com", "props": props}).status_code
        == 202
    )
    # A newer tracker sends the whole URL; the hostname is then only informative.
    assert send(umami_event(url=url, name="Signup", data=props)).status_code == 202
    first, second = stored(store, spool, COLUMNS)
    assert first == second
    assert first[0:4] == ("Signup", "example.com", "example.com", "/signup")
    assert (first[7], first[11]) == ("ads", "banner")
    assert first[12] == {"plan": "pro", "seats": "5", "trial": "true"}
    assert first[13] == "Chrome"


def test_nested_event_data_is_flattened_like_umami_does(
    umami_site: TrackedSite,
    store: DuckDBEventStore,
    spool: Path,
) -> None:
    data = {"cart": {"total": 19.9, "items": ["a", "b"]}, "step": 2}
    assert send(umami_event(url="/checkout", name="Checkout", data=data)).status_code == 202
    [(props,)] = stored(store, spool, "props")
    assert props == {"cart.total": "19.9", "cart.items": '["a", "b"]', "step": "2"}


def test_unknown_website_is_dropped_and_counted(
    umami_site: TrackedSite,
    store: DuckDBEventStore,
    spool: Path,
) -> None:
    from django.core.cache import caches

    from commonground.analytics.ingest.pipeline import flush_dropped_counts

    flush_dropped_counts()
    before = caches["default"].get("analytics:dropped:unknown_site", 0)
    answer = send(umami_event(url="/", website=str(uuid.uuid4())))
    assert answer.status_code == 202
    assert answer["X-Dropped"] == "unknown-site"
    assert answer.json() == {"ok": True}
    flush_dropped_counts()  # counts reach the shared cache in batches
    assert caches["default"].get("analytics:dropped:unknown_site") == before + 1
    assert stored(store, spool, "name") == []


def test_identify_is_accepted_and_never_stored(
    umami_site: TrackedSite,
    store: DuckDBEventStore,
    spool: Path,
) -> None:
    body = {
        "type": "identify",
        "payload": {
            "website": str(WEBSITE),
            "url": "/",
            "hostname": "example.com",
            "id": "user-42",
            "data": {"email": "someone@example.org"},
        },
    }
    answer = send(body)
    assert answer.status_code == 202
    assert answer.json() == {"ok": True}
    assert stored(store, spool, "name") == []
    assert not any(
        b"someone@example.org" in p.read_bytes() for p in spool.rglob("*") if p.is_file()
    )


def test_bots_are_dropped(umami_site: TrackedSite) -> None:
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    assert send(umami_event(url="/"), ua=bot)["X-Dropped"] == "bot"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"{not json", "body"),
        (b"[" * 5000, "body"),
        (b'"event"', "body"),
        (b'{"payload": {}}', "type"),
        (b'{"type": "pageview", "payload": {}}', "type"),
        (b'{"type": "event"}', "payload"),
        (b'{"type": "event", "payload": [1]}', "payload"),
        (b'{"type": "identify", "payload": "x"}', "payload"),
        (b'{"type": "event", "payload": {"url": "/"}}', "payload.website"),
        (b'{"type": "event", "payload": {"website": "not-a-uuid", "url": "/"}}', "payload.website"),
        (b'{"type": "event", "payload": {"website": 7, "url": "/"}}', "payload.website"),
        (
            b'{"type": "event", "payload": {"website": "%s", "hostname": "example.com"}}',
            "payload.url",
        ),
        (b'{"type": "event", "payload": {"website": "%s", "url": 5}}', "payload.url"),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "javascript:alert(1)"}}',
            "payload.url",
        ),
        (b'{"type": "event", "payload": {"website": "%s", "url": "/a"}}', "payload.hostname"),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/a", "hostname": "a/b"}}',
            "payload.hostname",
        ),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/", "hostname": "e.com",'
            b' "name": ["x"]}}',
            "payload.name",
        ),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/", "hostname": "e.com",'
            b' "referrer": {}}}',
            "payload.referrer",
        ),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/", "hostname": "e.com",'
            b' "data": "x"}}',
            "payload.data",
        ),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/", "hostname": "e.com",'
            b' "data": {"a": {"b": {"c": {"d": 1}}}}}}',
            "payload.data",
        ),
        (
            b'{"type": "event", "payload": {"website": "%s", "url": "/", "hostname": "e.com",'
            b' "data": {"a": [{"b": 1}]}}}',
            "payload.data",
        ),
    ],
)
def test_malformed_payloads_get_400_naming_the_field(
    umami_site: TrackedSite, body: bytes, field: str
) -> None:
    if b"%s" in body:
        body = body.replace(b"%s", str(WEBSITE).encode())
    answer = send(None, raw=body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["field"] == field
    assert answer["Access-Control-Allow-Origin"] == "*"


def test_oversized_body_gets_413(umami_site: TrackedSite) -> None:
    assert send(None, raw=b"{" + b" " * 20_000 + b"}").status_code == 413


def test_get_is_405_and_preflight_allows_the_trackers_cache_header(umami_site: TrackedSite) -> None:
    assert Client().get("/api/send").status_code == 405
    preflight = Client().options("/api/send")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "x-umami-cache" in preflight["Access-Control-Allow-Headers"]
