"""No input to a public endpoint gets a 5xx: generated requests through Django's test client,
where any exception a view raises fails the test, and every 4xx must say why.

One bounded hypothesis test per public endpoint (CSP reports, ingest's props, the newsletter,
form pages, the headless API, the Stats API, feeds, the sitemap, the page tree, media and
static paths), plus the regressions the fuzzer found, each as its own example. The many-
thousand-request run against the real server is bench/fuzz_public_endpoints.py.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.analytics.ingest import pipeline as ingest_module
from commonground.analytics.models import TrackedSite
from commonground.analytics.stats_api import keys
from commonground.distribution.models import MailingList
from commonground.governance.csp import endpoints as csp_endpoints
from commonground.governance.models import CspViolation

from ..content.factories import ArticleIndexPageFactory, ArticlePageFactory, LandingPageFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- generated input ---------------------------------------------------------------------------


class Raw(str):
    """JSON text written as is (a huge number, an escaped lone surrogate, deep nesting)."""


def _nested(depth: int, kind: int) -> Raw:
    return Raw(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth, "[" * depth][kind])


odd_raw = st.one_of(
    st.sampled_from(
        [
            Raw("1e400"),
            Raw("-1e400"),
            Raw("1" + "0" * 400),
            Raw("1" + "0" * 4400),
            Raw("NaN"),
            Raw("Infinity"),
            Raw('"\\ud800"'),
            Raw('"a\\udfffb"'),
            Raw('"\\u0000"'),
            Raw('"\\u001b[31m"'),
        ]
    ),
    st.builds(_nested, st.integers(1, 5000), st.integers(0, 2)),
)
odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "\x00", "a\x00b", "\x7f\x85", "%00", "%ff", "../..", "http://", "é" * 300]
    ),
    st.text(alphabet="ab\x00/%", min_size=250, max_size=600),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), odd_text)
values = st.recursive(
    st.one_of(scalars, odd_raw),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def encode(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value)


def documents(good: dict[str, Any]) -> st.SearchStrategy[Any]:
    """``good`` with any of its values (nested ones too) replaced by odd ones, or not an object."""
    fields = {
        name: (documents(value) if isinstance(value, dict) else st.just(value)) | values
        for name, value in good.items()
    }
    return st.fixed_dictionaries(fields) | values


def bodies(good: dict[str, Any]) -> st.SearchStrategy[bytes]:
    encoded = documents(good).map(lambda doc: encode(doc).encode("utf-8", "surrogatepass"))
    damaged = st.tuples(encoded, st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3\x28"])).map(
        lambda pair: pair[0][: len(pair[0]) // 2] + pair[1] + pair[0][len(pair[0]) // 2 :]
    )
    return st.one_of(encoded, encoded, damaged, st.binary(max_size=64))


content_types = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/csp-report",
        "application/reports+json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "",
    ]
)
segments = st.one_of(
    st.sampled_from(["..", "%2e%2e", "%00", "%ff", "%", "%zz", "%ed%a0%80", "a;b", "\\", "%5c"]),
    st.text(alphabet="az0_.-~", min_size=250, max_size=1200),
    st.text(max_size=12).map(lambda text: quote(text, safe="", errors="surrogatepass")),
)
query_values = st.one_of(
    st.sampled_from(
        [
            "%29",
            "latest_revision",
            "-1",
            "1e400",
            "9" * 40,
            "",
            "%00",
            "%ff",
            "2026-13-45",
            "x" * 300,
        ]
    ),
    st.text(max_size=10).map(lambda text: quote(text, safe="", errors="surrogatepass")),
)


def queries(names: list[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(st.sampled_from(names) | segments, query_values).map(
        lambda p: f"{p[0]}={p[1]}"
    )
    return st.lists(pair, max_size=3).map(lambda pairs: "?" + "&".join(pairs) if pairs else "")


def paths_under(prefix: str) -> st.SearchStrategy[str]:
    return st.lists(segments, min_size=1, max_size=3).map(lambda parts: prefix + "/".join(parts))


# --- the client ----------------------------------------------------------------------------


# One client for every request (a new one builds a new handler and WhiteNoise's file index).
_CLIENT = Client()


def answer(method: str, path: str, body: bytes = b"", content_type: str = "", **meta: str) -> int:
    response = _CLIENT.generic(method, path, body, content_type=content_type, **meta)
    status = response.status_code
    assert status < 500, (status, method, path[:200], body[:200], response.content[:300])
    if status == 400:  # a refusal says what is wrong
        assert response.content.strip(), (path[:200], body[:200])
    return int(status)


@pytest.fixture
def site(home: Any, tmp_path: Path, settings: Any) -> Iterator[dict[str, Any]]:
    settings.CSP_REPORTS_PER_MINUTE = 0
    settings.ANALYTICS_RATE_LIMIT_PER_MINUTE = 0
    settings.ANALYTICS_SPOOL_DIR = tmp_path / "spool"
    settings.STATS_API_BURST_PER_SECOND = 0
    settings.STATS_API_RATE_LIMIT_PER_HOUR = 0
    csp_endpoints._report_limiter.cache_clear()
    ingest_module.spool_writer.cache_clear()
    blog = ArticleIndexPageFactory(parent=home, slug="blog")
    ArticlePageFactory(parent=blog, slug="first")
    form = LandingPageFactory(parent=home, slug="webinar")
    news = MailingList.objects.create(name="News")
    tracked = TrackedSite.objects.create(domain="testserver", name="Test")
    from ..core.factories import UserFactory

    key = keys.create_api_key(owner=UserFactory(), name="fuzz", sites=[tracked])
    yield {"form": form.url, "list": news.pk, "key": key.plaintext}
    ingest_module.spool_writer().close()
    ingest_module.spool_writer.cache_clear()
    csp_endpoints._report_limiter.cache_clear()


# --- one property per endpoint -----------------------------------------------------------------

CSP_REPORT = {
    "csp-report": {
        "document-uri": "http://testserver/blog/",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js",
        "disposition": "enforce",
    }
}


@FUZZ
@given(body=bodies(CSP_REPORT), content_type=content_types)
def test_csp_reports(site: dict[str, Any], body: bytes, content_type: str) -> None:
    answer("POST", "/-/csp-report", body, content_type)


EVENT = {
    "n": "pageview",
    "u": "https://testserver/blog/",
    "d": "testserver",
    "p": {"plan": "pro"},
    "$": {"amount": "1", "currency": "EUR"},
}


@FUZZ
@given(body=bodies(EVENT), props_as_text=st.one_of(st.none(), values.map(encode)))
def test_ingest(site: dict[str, Any], body: bytes, props_as_text: str | None) -> None:
    if props_as_text is not None:  # Plausible's older scripts send props as a JSON string
        body = json.dumps({**EVENT, "p": props_as_text}).encode("utf-8", "surrogatepass")
    answer("POST", "/api/event", body, "text/plain", HTTP_USER_AGENT="Mozilla/5.0 Chrome/131")


def _form_body(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(
        f"{quote(name)}={quote(value, safe='', errors='surrogatepass')}" for name, value in fields
    ).encode()


@FUZZ
@given(email=odd_text, chosen=odd_text | st.just("1"), content_type=content_types)
def test_newsletter_sign_up(
    site: dict[str, Any], email: str, chosen: str, content_type: str
) -> None:
    body = _form_body([("email", email), ("list", chosen)])
    answer("POST", "/newsletter/", body, content_type)


@FUZZ
@given(
    kind=st.sampled_from(["confirm", "unsubscribe", "preferences"]),
    token=segments,
    list_id=st.sampled_from(["1", "0", "9" * 30]) | segments,
    method=st.sampled_from(["GET", "POST"]),
    content_type=content_types,
)
def test_newsletter_links(
    site: dict[str, Any], kind: str, token: str, list_id: str, method: str, content_type: str
) -> None:
    path = f"/newsletter/{kind}/{token}/" + ("" if kind == "preferences" else f"{list_id}/")
    answer(method, path, b"List-Unsubscribe=One-Click", content_type)


@FUZZ
@given(
    fields=st.lists(st.tuples(st.sampled_from(["name", "email", "company", "topic"]), odd_text)),
    content_type=content_types,
)
def test_form_page_submissions(
    site: dict[str, Any], fields: list[tuple[str, str]], content_type: str
) -> None:
    answer("POST", site["form"], _form_body(fields), content_type)


API_PARAMETERS = [
    "id", "type", "fields", "order", "limit", "offset", "search", "child_of", "descendant_of",
    "ancestor_of", "translation_of", "locale", "html_path", "title", "slug",
    "first_published_at", "last_published_at", "show_in_menus", "created_at", "collection_id",
]  # fmt: skip


@FUZZ
@given(
    endpoint=st.sampled_from(["pages", "images", "documents"]),
    view=st.sampled_from(["", "find/", "1/", "99999999999999999999999/"]) | paths_under(""),
    query=queries(API_PARAMETERS),
)
def test_headless_api(site: dict[str, Any], endpoint: str, view: str, query: str) -> None:
    answer("GET", f"/api/v2/{endpoint}/{view}{query}")


STATS_QUERY = {
    "site_id": "testserver",
    "metrics": ["visitors"],
    "date_range": "7d",
    "dimensions": ["event:page"],
    "filters": [["is", "visit:source", ["Google"]]],
    "pagination": {"limit": 10, "offset": 0},
}


@FUZZ
@given(body=bodies(STATS_QUERY))
def test_stats_api_query_parsing(site: dict[str, Any], body: bytes) -> None:
    # A query the parser accepts goes on to the event store, which no process serves here:
    # that is a 503 by design (bench/fuzz_public_endpoints.py runs the mover). Anything the
    # parser refuses must be a 4xx, never a 500.
    response = _CLIENT.post(
        "/api/v2/query",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site['key']}",
    )
    status = response.status_code
    assert status < 500 or (status == 503 and response.json()["field"] == "store"), (
        status,
        body[:200],
        response.content[:300],
    )


@FUZZ
@given(
    path=st.one_of(
        st.sampled_from(
            ["/blog/feed/rss/", "/blog/feed/atom/", "/blog/feed/json/", "/sitemap.xml"]
        ),
        paths_under("/blog/tag/").map(lambda p: p + "/feed/rss/"),
        paths_under("/blog/feed/"),
        paths_under("/"),
        paths_under("/blog/"),
    ),
    query=queries(["page", "tag", "p", "q", "utm_source"]),
    method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "PUT", "FOO"]),
)
def test_feeds_sitemap_and_the_page_tree(
    site: dict[str, Any], path: str, query: str, method: str
) -> None:
    answer(method, path + query, b"a=1", "application/x-www-form-urlencoded")


@FUZZ
@given(
    path=st.one_of(
        paths_under("/media/"),
        paths_under("/media/documents/"),
        paths_under("/documents/"),
        paths_under("/static/"),
        paths_under("/images/"),
    )
)
def test_media_static_and_document_paths(site: dict[str, Any], path: str) -> None:
    answer("GET", path)


# --- the regressions, one example each ----------------------------------------------------------


def _csp(body: dict[str, Any], address: str = "192.0.2.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/-/csp-report", json.dumps(body), content_type="application/csp-report"
    )


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"document-uri": [[[]]]}, "document-uri must be a string"),
        ({"effective-directive": "script-src\x00"}, "must not contain control characters"),
        ({"blocked-uri": "x" * 3000}, "must be at most 2048 characters"),
        ({"document-uri": "javascript:alert(1)"}, "document-uri must be the page's http(s) URL"),
        ({"blocked-uri": "http://[::1"}, "blocked-uri must be a URL or a keyword"),
        ({"effective-directive": "<script>"}, "must be a CSP directive"),
    ],
)
def test_a_bad_report_field_is_a_400_naming_it_and_nothing_is_stored(
    site: dict[str, Any], report: dict[str, Any], message: str
) -> None:
    response = _csp({"csp-report": {**CSP_REPORT["csp-report"], **report}})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not CspViolation.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"csp-report":' + b"[" * 3000 + b"]" * 3000 + b"}", "deeper than 8 levels"),
        (b'{"csp-report": {"document-uri": "\\ud800"}}', "unpaired surrogate"),
        (b'{"csp-report": {"document-uri": "\xed\xa0\x80"}}', "is not UTF-8"),
        (b'{"csp-report": {"document-uri": 1e400}}', "too large to be finite"),
    ],
)
def test_the_report_body_is_read_strictly(site: dict[str, Any], body: bytes, message: str) -> None:
    response = Client().post("/-/csp-report", body, content_type="application/csp-report")
    assert response.status_code == 400
    assert message in response.json()["error"]


def _findings(client: Client) -> set[str]:
    response = client.get(reverse("governance_csp_findings"))
    assert response.status_code == 200
    return {host.host for host, _ in response.context["hosts"]}


def test_three_reports_from_one_address_are_no_finding_three_addresses_are(
    site: dict[str, Any], it_admin: Any
) -> None:
    from ..conftest import client_for

    made_up = {**CSP_REPORT["csp-report"], "blocked-uri": "https://made-up.example/x.js"}
    for _ in range(3):
        assert _csp({"csp-report": made_up}, "198.51.100.7").status_code == 204
    admin = client_for(it_admin)
    assert "made-up.example" not in _findings(admin)
    # The row counts reports; its reporters are kept as keyed hashes, never as addresses.
    row = CspViolation.objects.get(blocked_host="made-up.example")
    assert row.count == 3
    hashes = list(row.reporters.values_list("address_hash", flat=True))
    assert len(hashes) == 1 and "198.51.100.7" not in hashes[0]
    for address in ("198.51.100.8", "2001:db8::1"):
        assert _csp({"csp-report": made_up}, address).status_code == 204
    assert "made-up.example" in _findings(admin)


def test_one_ipv6_block_counts_as_one_reporter(site: dict[str, Any], it_admin: Any) -> None:
    from ..conftest import client_for

    report = {**CSP_REPORT["csp-report"], "blocked-uri": "https://v6.example/x.js"}
    for address in ("2001:db8::1", "2001:db8::2", "2001:db8::3"):
        assert _csp({"csp-report": report}, address).status_code == 204
    assert "v6.example" not in _findings(client_for(it_admin))


def test_the_site_scan_confirms_a_report(site: dict[str, Any], it_admin: Any) -> None:
    from django.utils import timezone

    from commonground.governance.models import ScanFinding, SiteScan

    from ..conftest import client_for

    report = {**CSP_REPORT["csp-report"], "blocked-uri": "https://seen.example/x.js"}
    assert _csp({"csp-report": report}).status_code == 204
    admin = client_for(it_admin)
    assert "seen.example" not in _findings(admin)
    scan = SiteScan.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), status=SiteScan.Status.FINISHED
    )
    ScanFinding.objects.create(
        scan=scan,
        page_url="http://testserver/blog/",
        page_title="Blog",
        directive="script-src",
        host="seen.example",
        verdict=ScanFinding.Verdict.UNKNOWN,
    )
    assert "seen.example" in _findings(admin)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("/api/v2/images/find/?id=latest_revision", "id must be an id"),
        ("/api/v2/documents/find/?id=%29", "id must be an id"),
        ("/api/v2/pages/find/?id=99999999999999999999999", "id must be an id"),
        ("/api/v2/pages/?child_of=99999999999999999999999", "child_of must be an id"),
        ("/api/v2/pages/?type=content.ArticlePage&date=yesterday", "is not a valid value"),
        ("/api/v2/documents/?created_at=2026-13-45", "created_at"),
        ("/api/v2/pages/?search=a%5Cb", "search may hold only"),
        ("/api/v2/images/1/?search_operator=x", "search_operator must be"),
    ],
)
def test_headless_api_parameters_are_checked(
    site: dict[str, Any], query: str, message: str
) -> None:
    response = Client().get(query)
    assert response.status_code == 400, response.content[:300]
    assert message in response.json()["message"]


def test_a_media_path_no_file_could_have_is_a_404(site: dict[str, Any]) -> None:
    assert Client().get("/media/" + "b" * 300).status_code == 404
    assert Client().get("/media/a/" + "0" * 256 + "/x.jpg").status_code == 404
    assert Client().get("/media/a%00b").status_code == 404


def test_a_malformed_multipart_body_on_an_unknown_link_is_a_404(site: dict[str, Any]) -> None:
    client = Client()
    client.cookies["csrftoken"] = "x" * 32
    response = client.post(
        "/newsletter/unsubscribe/nothing/1/", b"a=1", content_type="multipart/form-data"
    )
    assert response.status_code == 404


def test_deeply_nested_props_and_stats_queries_are_400s(site: dict[str, Any]) -> None:
    props = json.dumps({**EVENT, "p": "[" * 5000 + "]" * 5000})
    response = Client().post("/api/event", props, content_type="text/plain")
    assert response.status_code == 400 and "props" in response.json()["error"]
    query = b'{"site_id": "testserver", "filters": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = Client().post(
        "/api/v2/query",
        query,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site['key']}",
    )
    assert response.status_code == 400 and "deeper than 64" in response.json()["error"]
    query = json.dumps({**STATS_QUERY, "pagination": {"limit": 10, "offset": 2**64}}).encode()
    response = Client().post(
        "/api/v2/query",
        query,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site['key']}",
    )
    assert response.status_code == 400 and response.json()["field"] == "pagination.offset"
