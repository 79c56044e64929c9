"""``POST /api/v2/query``: Bearer keys, refusals that name the field, per-key rate limits, the
OpenAPI schema, and a real answer from the live multi-process server and the mover."""

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from django.conf import settings
from django.test import Client
from wagtail.models import APIToken

from commonground.analytics.eventstore import Event
from commonground.analytics.models import TrackedSite
from commonground.analytics.queries import QueryBody, QueryError, parse_query
from commonground.analytics.queries.catalogue import METRICS, dimension
from commonground.analytics.stats_api import keys, rate_limits
from commonground.analytics.stats_api.views import MAX_BODY_BYTES

from ..live_http import Browser
from ..processes import Process
from .served_store import mover_serving

URL = "/api/v2/query"
SCHEMA_URL = "/api/v2/query/openapi.json"
QUERY = {"site_id": "shop.example.com", "date_range": "7d", "metrics": ["visitors"]}


@pytest.fixture
def shop(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="shop.example.com", name="Shop")


@pytest.fixture
def blog(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="blog.example.com", name="Blog")


@pytest.fixture
def shop_key(editor, shop) -> keys.NewApiKey:
    return keys.create_api_key(owner=editor, name="BI", sites=[shop])


def post(
    key: str | None,
    body: Any = QUERY,
    *,
    content_type: str = "application/json",
    client: Client | None = None,
) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return (client or Client()).post(URL, data=data, content_type=content_type, **headers)


def refusal(response: Any, status: int, field: str) -> str:
    """The message of a refusal, after checking its status, shape and field."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["field"] == field, body
    assert body["error"].startswith(f"{field}: ")
    return str(body["error"])


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer cg_0123456789ab_" + "x" * 43,  # the format of the keys before Wagtail's
        "Bearer wagtail_" + "x" * 33,  # Wagtail's format, but the checksum is wrong
    ],
)
def test_requests_without_a_valid_key_are_401(db, authorization: str | None) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client().post(URL, data=QUERY, content_type="application/json", **headers)

    refusal(response, 401, "Authorization")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_is_refused_on_its_next_request(shop_key, it_admin) -> None:
    assert post(shop_key.plaintext, {**QUERY, "metrics": ["nope"]}).status_code == 400

    keys.revoke_api_key(shop_key.token, by=it_admin)

    assert "revoked" in refusal(post(shop_key.plaintext), 401, "Authorization")


def test_a_well_formed_key_that_is_not_a_stats_api_key_is_401(editor, shop) -> None:
    never_made = APIToken.generate_token()
    _token, without_sites = APIToken.create_token(user=editor, name="Another API's token")

    for key in (never_made, without_sites):
        assert "unknown" in refusal(post(key), 401, "Authorization")


def test_the_endpoint_needs_no_csrf_token(shop_key) -> None:
    client = Client(enforce_csrf_checks=True)

    response = post(shop_key.plaintext, {**QUERY, "metrics": []}, client=client)

    refusal(response, 400, "metrics")


def test_a_request_records_when_the_key_was_used(shop_key) -> None:
    assert shop_key.token.last_used_at is None

    post(shop_key.plaintext, {**QUERY, "metrics": []})

    assert APIToken.objects.get().last_used_at is not None


# --- what is sent --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "delete", "options"])
def test_only_post_is_answered(db, method: str) -> None:
    response = getattr(Client(), method)(URL)

    refusal(response, 405, "method")
    assert response["Allow"] == "POST"


def test_a_form_post_is_415(shop_key) -> None:
    response = post(
        shop_key.plaintext, "site_id=x", content_type="application/x-www-form-urlencoded"
    )

    assert "application/json" in refusal(response, 415, "Content-Type")


def test_broken_json_is_400_naming_the_body(shop_key) -> None:
    response = post(shop_key.plaintext, b'{"site_id": "shop.example.com", ')

    assert "JSON" in refusal(response, 400, "body")


def test_a_body_over_64_kib_is_413(shop_key) -> None:
    padding = "x" * MAX_BODY_BYTES
    body = {**QUERY, "filters": [["is", "event:page", [padding]]]}

    refusal(post(shop_key.plaintext, body), 413, "body")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metrics": ["visitors", "nope"]}, "metrics[1]"),
        ({"date_range": "fortnight"}, "date_range"),
        ({"dimensions": ["visit:shoe_size"]}, "dimensions[0]"),
        (
            {"filters": [["is", "visit:source", ["Google"]], ["sounds_like", "event:page", ["/"]]]},
            "filters[1][0]",
        ),
        ({"pagination": {"limit": 0}}, "pagination.limit"),
        ({"surprise": 1}, "surprise"),
        ({"date_range": None}, "date_range"),
    ],
)
def test_a_wrong_query_is_400_naming_the_field(
    shop_key, change: dict[str, Any], field: str
) -> None:
    refusal(post(shop_key.plaintext, {**QUERY, **change}), 400, field)


def test_a_missing_field_is_400_naming_it(shop_key) -> None:
    refusal(
        post(shop_key.plaintext, {"site_id": "shop.example.com", "metrics": ["visitors"]}),
        400,
        "date_range",
    )


def test_a_key_reads_only_its_own_sites(shop_key, blog) -> None:
    other = refusal(
        post(shop_key.plaintext, {**QUERY, "site_id": "blog.example.com"}), 400, "site_id"
    )
    missing = refusal(
        post(shop_key.plaintext, {**QUERY, "site_id": "nowhere.example"}), 400, "site_id"
    )

    # The same answer for a site that exists and one that does not.
    assert other.replace("blog.example.com", "X") == missing.replace("nowhere.example", "X")


def test_a_key_stops_reading_when_its_owner_may_no_longer_see_analytics(shop_key, editor) -> None:
    editor.groups.clear()

    refusal(post(shop_key.plaintext), 400, "site_id")


def test_without_the_mover_the_answer_is_503_and_names_no_path(shop_key) -> None:
    # No mover runs in this test, so nothing answers on the store's socket.
    response = post(shop_key.plaintext)

    message = refusal(response, 503, "store")
    assert str(settings.ANALYTICS_STORE_SOCKET) not in message
    assert response["Retry-After"].isdigit()


# --- rate limits ---------------------------------------------------------------------------


def test_past_the_hourly_limit_a_key_gets_429_with_retry_after(
    settings, shop_key, editor, shop
) -> None:
    settings.STATS_API_RATE_LIMIT_PER_HOUR = 3
    settings.STATS_API_BURST_PER_SECOND = 0  # off, so the test does not race the clock
    bad = {**QUERY, "metrics": []}  # answered 400 without the store, but counted all the same
    other_key = keys.create_api_key(owner=editor, name="Other", sites=[shop])

    answers = [post(shop_key.plaintext, bad).status_code for _ in range(4)]
    limited = post(shop_key.plaintext, bad)
    unauthenticated = post(None, bad)

    assert answers == [400, 400, 400, 429]
    refusal(limited, 429, "rate_limit")
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert unauthenticated.status_code == 401  # no key, nothing to count against
    assert post(other_key.plaintext, bad).status_code == 400  # each key has its own allowance


def test_the_burst_limit_counts_per_second(settings, shop_key) -> None:
    settings.STATS_API_BURST_PER_SECOND = 2
    settings.STATS_API_RATE_LIMIT_PER_HOUR = 5
    key_id = shop_key.token.pk
    second = 1_800_000_000.0  # a whole second, and a whole hour

    waits = [rate_limits.retry_after(key_id, now=second + t) for t in (0.1, 0.5, 0.9, 1.0, 1.5)]

    assert waits == [0, 0, 1, 0, 0]
    # The burst refusal cost nothing of the hour: 4 allowed so far, one more, then the hour.
    assert rate_limits.retry_after(key_id, now=second + 2.0) == 0
    assert rate_limits.retry_after(key_id, now=second + 3.0) == 3597
    # A new hour starts afresh.
    assert rate_limits.retry_after(key_id, now=second + 3600.0) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_counts_are_exact_under_concurrent_connections(settings, editor, shop) -> None:
    # Each thread has its own database connection, as each server process does.
    settings.STATS_API_BURST_PER_SECOND = 0
    settings.STATS_API_RATE_LIMIT_PER_HOUR = 50
    key_id = keys.create_api_key(owner=editor, name="BI", sites=[shop]).token.pk
    now = 1_800_000_100.0
    allowed: list[int] = []
    start = threading.Barrier(6)

    def client() -> None:
        from django.db import connection

        start.wait()
        try:
            allowed.extend(1 for _ in range(20) if rate_limits.retry_after(key_id, now=now) == 0)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 50


# --- the OpenAPI schema --------------------------------------------------------------------


def schema_for(document: dict[str, Any], component: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    )


@pytest.fixture
def document(db) -> dict[str, Any]:
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return dict(response.json())


def test_the_schema_is_openapi_3_1_with_valid_json_schemas(document) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://testserver"}]
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    operation = document["paths"]["/api/v2/query"]["post"]
    assert operation["security"] == [{"apiKey": []}]
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert scheme["scheme"] == "bearer"
    # The format it names is the one keys are made in (Wagtail's API tokens).
    assert APIToken.generate_token().startswith(scheme["bearerFormat"].partition("<")[0])
    assert set(operation["responses"]) == {"200", "400", "401", "405", "413", "415", "429", "503"}


def test_the_schema_names_every_field_and_name_the_query_layer_accepts(document) -> None:
    schemas = document["components"]["schemas"]
    assert set(schemas["Query"]["properties"]) == set(QueryBody.__struct_fields__)
    assert schemas["Query"]["required"] == ["site_id", "date_range", "metrics"]
    assert schemas["Query"]["properties"]["metrics"]["items"]["enum"] == list(METRICS)
    for name in schemas["Dimension"]["anyOf"][0]["enum"]:
        assert dimension(name) is not None, name


VALID = [
    QUERY,
    {
        "site_id": "shop.example.com",
        "date_range": ["2026-10-01", "2026-10-31"],
        "metrics": ["visitors", "pageviews", "bounce_rate"],
        "dimensions": ["visit:source", "time:day"],
        "filters": [
            ["is", "visit:source", ["Google", "Bing"]],
            [
                "or",
                [
                    ["contains", "visit:entry_page", ["/blog"]],
                    ["not", ["is", "visit:country", ["DE"]]],
                ],
            ],
            ["is", "segment", [3]],
        ],
        "order_by": [["visitors", "desc"]],
        "pagination": {"limit": 100, "offset": 0},
        "include": {"comparison": "previous_period", "time_labels": True, "total_rows": True},
    },
    {**QUERY, "dimensions": ["event:props:plan"], "metrics": ["events"]},
]
INVALID = [
    {"site_id": "shop.example.com", "metrics": ["visitors"]},
    {**QUERY, "metrics": ["nope"]},
    {**QUERY, "metrics": []},
    {**QUERY, "date_range": "fortnight"},
    {**QUERY, "date_range": ["2026-10-01"]},
    {**QUERY, "dimensions": ["visit:shoe_size"]},
    {**QUERY, "filters": [["sounds_like", "event:page", ["/"]]]},
    {**QUERY, "filters": [["is", "event:page", []]]},
    {**QUERY, "filters": [["not"]]},
    {**QUERY, "order_by": [["visitors", "sideways"]]},
    {**QUERY, "pagination": {"limit": 0}},
    {**QUERY, "include": {"comparison": "last_tuesday"}},
    {**QUERY, "surprise": True},
]


def test_the_schema_and_the_query_layer_agree_on_real_requests(document) -> None:
    validator = schema_for(document, "Query")
    for body in VALID:
        validator.validate(body)
        parse_query(json.dumps(body).encode())
    for body in INVALID:
        assert not validator.is_valid(body), body
        with pytest.raises(QueryError):
            parse_query(json.dumps(body).encode())


# --- the real thing: granian with two workers, the mover, a DuckDB store -------------------

LIVE_SITE = "stats-api.example"
DAY = datetime(2026, 10, 5, 9, 0)


def _event(minute: int, visitor: int, pathname: str, name: str = "pageview") -> Event:
    return Event(
        site=LIVE_SITE,
        ts=DAY.replace(minute=minute),
        name=name,
        visitor_id=visitor,
        session_id=visitor * 10,
        hostname=LIVE_SITE,
        pathname=pathname,
        referrer_source="Google" if visitor != 2 else "",
        channel="search" if visitor != 2 else "direct",
        device="desktop",
    )


EVENTS = [
    _event(0, 1, "/"),
    _event(1, 1, "/pricing/"),
    _event(2, 1, "/pricing/", name="Signup"),
    _event(3, 2, "/"),
    _event(4, 3, "/"),
    _event(5, 3, "/"),
]


@pytest.fixture
def mover(live_url: str, tmp_path: Path) -> Iterator[Process]:
    # Written and closed as a bulk load: the session's store is shared, and a mover of an
    # earlier test may have closed visits through a later time already, so unclosed events of
    # 2026-10-05 would be in no visit at all (the visit-level totals read 0, as CI once saw).
    with mover_serving(EVENTS, log_dir=tmp_path) as process:
        yield process


def _live_post(base: str, key: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    answer = Browser().request(
        f"{base}{URL}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return answer.status, msgspec.json.decode(answer.raw), answer.headers


@pytest.mark.slow
def test_a_live_query_returns_the_stored_numbers(live_url, mover, editor, it_admin) -> None:
    site = TrackedSite.objects.create(domain=LIVE_SITE, name="Live")
    new = keys.create_api_key(owner=editor, name="BI", sites=[site])
    key = new.plaintext
    document = msgspec.json.decode(Browser().request(f"{live_url}{SCHEMA_URL}").raw)
    by_page = {
        "site_id": LIVE_SITE,
        "date_range": ["2026-10-05", "2026-10-05"],
        "metrics": ["visitors", "pageviews", "events"],
        "dimensions": ["event:page"],
        "order_by": [["pageviews", "desc"]],
        "include": {"total_rows": True},
    }
    totals = {**by_page, "metrics": ["visitors", "visits", "pageviews"], "dimensions": []}
    by_source = {**totals, "metrics": ["visitors"], "dimensions": ["visit:source"]}
    del totals["order_by"], by_source["order_by"]
    schema_for(document, "Query").validate(by_page)

    # Both server processes answer (requests alternate between them), each reading the store
    # through the mover.
    for _ in range(2):
        status, page_answer, _headers = _live_post(live_url, key, by_page)
        assert status == 200, page_answer
    _, total_answer, _ = _live_post(live_url, key, totals)
    _, source_answer, _ = _live_post(live_url, key, by_source)

    assert [row["dimensions"] + row["metrics"] for row in page_answer["results"]] == [
        ["/", 3, 4, 4],
        ["/pricing/", 1, 1, 2],
    ]
    assert page_answer["meta"]["total_rows"] == 2
    assert page_answer["query"]["date_range"] == ["2026-10-05", "2026-10-05"]
    assert total_answer["results"] == [{"dimensions": [], "metrics": [3, 3, 5]}]
    by_source_rows = sorted(row["dimensions"] + row["metrics"] for row in source_answer["results"])
    assert by_source_rows == [["", 1], ["Google", 2]]  # a direct visit has no source
    for answer in (page_answer, total_answer, source_answer):
        schema_for(document, "QueryResult").validate(answer)

    # Revoked here, refused there: the server processes keep no key cache.
    keys.revoke_api_key(new.token, by=it_admin)
    for _ in range(2):
        status, refused, headers = _live_post(live_url, key, by_page)
        assert status == 401, refused
        assert headers["www-authenticate"] == "Bearer"
        schema_for(document, "Error").validate(refused)
