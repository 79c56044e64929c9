"""Scripts as approved objects: IT fetches a site tag's script through the admin, reads its
hash, size and first lines, approves it, and the public page carries it with ``integrity``;
a script without a reviewed hash is left out; fetch failures are clear 400s."""

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commonground.core.audit.models import AuditEntry
from commonground.core.http.public_addresses import is_public_address
from commonground.governance.models import ReviewedScript, SiteTag, Technology
from commonground.governance.scripts import fetch

from ...conftest import client_for
from ..factories import registered_technology
from .vendor_scripts import REVIEWED, VendorScripts, vendor_scripts

REVIEW = reverse("governance_script_review")
TAG_URL = "http://cdn.vendor.test/tag.js"


def sha384(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


@pytest.fixture
def vendor(settings: Any) -> Iterator[VendorScripts]:
    with vendor_scripts(tag_js=REVIEWED) as server:
        settings.SCRIPT_FETCH_PROXY = server.url
        yield server


@pytest.fixture
def cdn(it_admin: Any) -> Technology:
    return registered_technology(
        it_admin, name="Vendor CDN", hosts={"script-src": ["cdn.vendor.test"]}
    )


def _fetch_and_approve(client: Client, url: str = TAG_URL) -> str:
    shown = client.post(REVIEW, {"url": url, "action": "fetch"})
    assert shown.status_code == 200, shown.content.decode()
    integrity = shown.context["script"].fetched_integrity
    approved = client.post(REVIEW, {"url": url, "action": "approve", "integrity": integrity})
    assert approved.status_code == 302
    return integrity


@pytest.mark.django_db
def test_it_reviews_a_site_tag_and_the_page_carries_its_hash(
    home: Any,
    it_admin: Any,
    cdn: Any,
    vendor: VendorScripts,
    django_capture_on_commit_callbacks: Any,
) -> None:
    SiteTag.objects.create(name="Vendor tag", script_url=TAG_URL, placement="head")
    assert TAG_URL not in Client().get("/").content.decode()  # no reviewed hash: left out

    it = client_for(it_admin)
    shown = it.post(REVIEW, {"url": TAG_URL, "action": "fetch"})
    page = shown.content.decode()
    assert shown.status_code == 200
    assert sha384(REVIEWED) in page
    assert f"{len(REVIEWED)} bytes" in page
    assert "the vendor&#x27;s tag, second line" in page  # the first lines, escaped
    assert vendor.requests == ["cdn.vendor.test/tag.js"]  # fetched then, by the server
    assert TAG_URL not in Client().get("/").content.decode()  # fetched is not approved

    with django_capture_on_commit_callbacks(execute=True):
        approved = it.post(
            REVIEW, {"url": TAG_URL, "action": "approve", "integrity": sha384(REVIEWED)}
        )
    assert approved.status_code == 302
    head = Client().get("/").content.decode().split("</head>")[0]
    assert (
        f'<script src="{TAG_URL}" async integrity="{sha384(REVIEWED)}" '
        'crossorigin="anonymous" data-site-tag="Vendor tag"></script>'
    ) in head
    entry = AuditEntry.objects.filter(action="governance.script.approve").get()
    assert entry.actor == it_admin.username
    assert sha384(REVIEWED) in str(entry.data)


@pytest.mark.django_db
def test_a_tag_held_for_consent_keeps_its_hash(
    home: Any, it_admin: Any, vendor: VendorScripts, django_capture_on_commit_callbacks: Any
) -> None:
    registered_technology(
        it_admin,
        name="Ads",
        hosts={"script-src": ["cdn.vendor.test"]},
        consent_purpose="marketing",
    )
    SiteTag.objects.create(name="Ads tag", script_url=TAG_URL)
    with django_capture_on_commit_callbacks(execute=True):
        integrity = _fetch_and_approve(client_for(it_admin))
    head = Client().get("/").content.decode().split("</head>")[0]
    assert (
        f'<script data-consent-src="{TAG_URL}" async data-consent-purpose="marketing" '
        f'type="text/plain" integrity="{integrity}" crossorigin="anonymous"'
    ) in head


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", ["", "marketing"])
def test_a_snippet_script_carries_its_reviewed_hash_held_or_not(
    home: Any,
    it_admin: Any,
    vendor: VendorScripts,
    django_capture_on_commit_callbacks: Any,
    purpose: str,
) -> None:
    from ...content.factories import StandardPageFactory

    registered_technology(
        it_admin, name="CDN", hosts={"script-src": ["cdn.vendor.test"]}, consent_purpose=purpose
    )
    page = StandardPageFactory(
        parent=home, slug="snippet", body=[("html", f'<script src="{TAG_URL}"></script>')]
    )
    before = Client().get(page.url).content.decode()
    assert TAG_URL in before and "integrity=" not in before.split(TAG_URL)[1][:200]

    with django_capture_on_commit_callbacks(execute=True):
        integrity = _fetch_and_approve(client_for(it_admin))
    html = Client().get(page.url).content.decode()
    script = html[html.rindex("<script", 0, html.index(TAG_URL)) :].split("</script>")[0]
    assert f'integrity="{integrity}"' in script and 'crossorigin="anonymous"' in script
    assert ("data-consent-src" in script) is bool(purpose)


@pytest.mark.django_db
def test_approving_a_hash_other_than_the_one_fetched_is_refused(
    home: Any, it_admin: Any, cdn: Any, vendor: VendorScripts
) -> None:
    it = client_for(it_admin)
    it.post(REVIEW, {"url": TAG_URL, "action": "fetch"})
    refused = it.post(REVIEW, {"url": TAG_URL, "action": "approve", "integrity": "sha384-forged"})
    assert refused.status_code == 400
    assert "not the one fetched last" in refused.content.decode()
    assert ReviewedScript.objects.get(url=TAG_URL).integrity == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://cdn.vendor.test/missing.js",
            "could not be fetched from http://cdn.vendor.test/missing.js: HTTP 404",
        ),
        ("http://px.unapproved.test/t.js", "are not approved in the technology registry"),
        ("javascript:alert(1)", "Enter the script&#x27;s web address"),
        ("", "Enter the script"),
        ("http://cdn.vendor.test/" + "a" * 600, "at most 500 characters"),
    ],
)
def test_scripts_that_cannot_be_reviewed_are_a_clear_400(
    home: Any, it_admin: Any, cdn: Any, vendor: VendorScripts, url: str, message: str
) -> None:
    answer = client_for(it_admin).post(REVIEW, {"url": url, "action": "fetch"})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not ReviewedScript.objects.exclude(fetched_integrity="").exists()


@pytest.mark.django_db
def test_a_slow_or_huge_script_is_refused_within_limits(
    home: Any, it_admin: Any, cdn: Any, vendor: VendorScripts, settings: Any
) -> None:
    settings.SCRIPT_FETCH_MAX_BYTES = 10
    huge = client_for(it_admin).post(REVIEW, {"url": TAG_URL, "action": "fetch"})
    assert huge.status_code == 400 and "larger than 10 bytes" in huge.content.decode()
    settings.SCRIPT_FETCH_MAX_BYTES = 2_000_000
    settings.SCRIPT_FETCH_TIMEOUT_SECONDS = 0.3
    vendor.delay = 1.0
    slow = client_for(it_admin).post(REVIEW, {"url": TAG_URL, "action": "fetch"})
    assert slow.status_code == 400 and "no answer within 0.3 s" in slow.content.decode()


def test_without_a_proxy_internal_addresses_are_refused(settings: Any) -> None:
    settings.SCRIPT_FETCH_PROXY = ""
    with vendor_scripts(tag_js=REVIEWED) as server:
        answer = fetch.fetch_script(f"{server.url}/tag.js")
        assert not answer.ok
        assert "127.0.0.1 is not a public address (loopback)" in answer.error
        assert "scripts are fetched from public addresses only" in answer.error
        assert server.requests == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::5db8:d70e", True),  # NAT64 of a public address
        ("2002:0a00:0001::1", False),  # 6to4 of 10.0.0.1
        ("224.0.0.1", False),
    ],
)
def test_the_public_address_rule(address: str, public: bool) -> None:
    # The fetcher connects through core's one rule (core/http/outbound.py).
    assert is_public_address(address) is public


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["publisher", "editor", "viewer"])
def test_only_it_reviews_scripts_or_reads_the_inventory(
    home: Any, request: Any, role: str, cdn: Any, vendor: VendorScripts
) -> None:
    client = client_for(request.getfixturevalue(role))
    home_url = reverse("wagtailadmin_home")
    for answer in (
        client.post(REVIEW, {"url": TAG_URL, "action": "fetch"}),
        client.get(reverse("governance_script_inventory")),
        client.get(reverse("governance_script_inventory_csv")),
    ):
        # The admin answers a permission refusal with a redirect home and a message.
        assert answer.status_code == 302 and answer["Location"] == home_url
    assert vendor.requests == []
    assert not ReviewedScript.objects.exists()


ODD_URLS = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(["http://", "https://", "//", "http://[", "http://cdn.vendor.test"]),
        st.text(max_size=40),
    ),
)


@pytest.mark.django_db
def test_any_address_typed_for_review_is_answered_without_a_server_error(
    home: Any, it_admin: Any, cdn: Any, vendor: VendorScripts
) -> None:
    client = client_for(it_admin)

    @given(url=ODD_URLS, action=st.sampled_from(["fetch", "approve", "", "other"]))
    @hypothesis_settings(max_examples=120, deadline=None)
    def answered(url: str, action: str) -> None:
        data = {"url": url, "action": action, "integrity": "sha384-x"}
        answer = client.post(REVIEW, data)
        assert answer.status_code in {200, 302, 400}, (url, answer.status_code)

    answered()
    for url in (
        "http://[::1",
        "http://cdn.vendor.test:99999/x.js",
        "http://a\x00b/",
        "http://\u2028/",
    ):
        assert client.post(REVIEW, {"url": url, "action": "fetch"}).status_code == 400
