"""Clean numbers (issue 15, point 2): admin pages, signed-in staff and excluded networks are
never counted; the network list's validation; the staff mark's endpoint; the tracker tag."""

import ipaddress
import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import ModelLogEntry

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.ingest import exclusions, staff_marker
from commonground.analytics.models import TrackedSite
from commonground.analytics.network_lists import (
    NetworkListError,
    address_in,
    normalised_network_list,
    parse_networks,
)
from commonground.core.http import client_address
from commonground.core.http.origins import ADMIN_ORIGIN_ATTRIBUTE

from ..conftest import client_for
from .test_ingest import CHROME, post, stored

pytestmark = pytest.mark.django_db

# --- the network list ----------------------------------------------------------------------


def test_a_list_holds_ipv4_and_ipv6_addresses_and_networks_with_comments() -> None:
    text = "203.0.113.7\n\n198.51.100.0/24   # the office\n2001:db8::/32\n::1\n"
    assert parse_networks(text) == (
        ipaddress.ip_network("203.0.113.7/32"),
        ipaddress.ip_network("198.51.100.0/24"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("::1/128"),
    )
    assert normalised_network_list(" 2001:DB8:0::/32 \n203.0.113.7\n203.0.113.7/32") == (
        "2001:db8::/32\n203.0.113.7/32"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("203.0.113.7\nthe office", "Line 2: “the office” is not an IP address or network"),
        ("10.1.2.3/8", "Line 1: “10.1.2.3/8” has host bits set; the network is 10.0.0.0/8."),
        ("198.51.100.0/33", "Line 1: “198.51.100.0/33” is not an IP address or network"),
        ("2001:db8::g", "Line 1: “2001:db8::g” is not an IP address or network"),
        ("1" * 101, "Line 1 is too long"),
        ("\n".join(f"10.0.{i // 256}.{i % 256}" for i in range(201)), "at most 200"),
    ],
)
def test_a_bad_line_is_refused_naming_it(text: str, message: str) -> None:
    with pytest.raises(NetworkListError) as refused:
        parse_networks(text)
    assert message in str(refused.value)


def test_addresses_match_their_networks_ipv4_mapped_included() -> None:
    networks = parse_networks("198.51.100.0/24\n2001:db8::/32")
    assert address_in("198.51.100.9", networks)
    assert address_in("::ffff:198.51.100.9", networks)
    assert address_in("2001:db8::5", networks)
    assert not address_in("198.51.101.9", networks)
    assert not address_in("2001:db9::5", networks)
    assert not address_in("not an address", networks)
    assert not address_in("198.51.100.9", ())


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_list_or_a_clear_refusal(text: str) -> None:
    try:
        networks = parse_networks(text)
    except NetworkListError as error:
        assert str(error).startswith(("Line ", "List at most"))
    else:
        # What is stored reads back as the same networks.
        assert parse_networks(normalised_network_list(text)) == tuple(dict.fromkeys(networks))


def test_admin_urls_are_recognised(settings) -> None:
    settings.WAGTAILADMIN_BASE_URL = "https://www.example.com"
    settings.ADMIN_BASE_URL = "https://admin.example.com"
    exclusions.forget_admin_origin()
    try:
        assert exclusions.is_admin_url("https://www.example.com/admin/pages/31/edit/preview/?a")
        assert exclusions.is_admin_url("https://admin.example.com/")
        assert exclusions.is_admin_url("https://admin.example.com/anything")
        assert not exclusions.is_admin_url("https://www.example.com/administration/")
        assert not exclusions.is_admin_url("https://admin.example.com:8443/")
        assert not exclusions.is_admin_url("")
        assert not exclusions.is_admin_url("http://[::1")
    finally:
        exclusions.forget_admin_origin()


# --- ingest -------------------------------------------------------------------------------


def _view(url: str = "https://example.com/pricing", **fields: str) -> dict[str, str]:
    return {"n": "pageview", "u": url, "d": "example.com", **fields}


def test_admin_pages_and_admin_referrers_are_refused(
    spool: Path, store: DuckDBEventStore, settings
) -> None:
    preview = "https://example.com/admin/pages/31/edit/preview/?in_preview_panel=true"
    assert post(_view(preview))["X-Dropped"] == "admin-page"
    assert post(_view(r="https://example.com/admin/pages/31/edit/"))["X-Dropped"] == "admin-page"
    settings.WAGTAILADMIN_BASE_URL = "https://example.com"
    settings.ADMIN_BASE_URL = "https://admin.example.com"
    exclusions.forget_admin_origin()
    try:
        # With its own origin, the admin sends only its origin as the referrer.
        response = post(_view(r="https://admin.example.com/"))
        assert response["X-Dropped"] == "admin-page"
        assert post(_view(r="https://www.google.com/")).get("X-Dropped") is None
    finally:
        exclusions.forget_admin_origin()
    assert stored(store, spool, "pathname") == [("/pricing",)]


def test_excluded_networks_drop_events_for_their_site_only(
    spool: Path, store: DuckDBEventStore
) -> None:
    TrackedSite.objects.filter(domain="example.com").update(excluded_networks="203.0.113.0/24")
    TrackedSite.objects.create(domain="blog.example", name="Blog")
    assert post(_view())["X-Dropped"] == "excluded-address"
    assert post(_view(d="example.com,blog.example")).get("X-Dropped") is None
    assert post(_view(), REMOTE_ADDR="198.51.100.1").get("X-Dropped") is None
    assert stored(store, spool, "site") == [("blog.example",), ("example.com",)]


def test_excluded_networks_see_the_client_behind_a_trusted_proxy(
    spool: Path, store: DuckDBEventStore, settings
) -> None:
    TrackedSite.objects.filter(domain="example.com").update(excluded_networks="2001:db8::/32")
    settings.ANALYTICS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client_address.forget_trusted_proxies()
    try:
        behind = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "2001:db8::7, 10.0.0.9"}
        assert post(_view(), **behind)["X-Dropped"] == "excluded-address"
        # Not believed from anyone else: the peer's address is the client's.
        untrusted = {"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "2001:db8::7"}
        assert post(_view(), **untrusted).get("X-Dropped") is None
    finally:
        client_address.forget_trusted_proxies()
    assert len(stored(store, spool, "site")) == 1


def _session_cookie(user) -> str:
    client = client_for(user)
    return f"csrftoken=x; sessionid={client.cookies['sessionid'].value}"


def test_signed_in_staff_are_left_out_where_the_site_asks(
    spool: Path, store: DuckDBEventStore, editor, viewer
) -> None:
    TrackedSite.objects.create(domain="counts-staff.example", name="All", exclude_staff=False)
    for user in (editor, viewer):
        cookie = _session_cookie(user)
        assert post(_view(), HTTP_COOKIE=cookie)["X-Dropped"] == "staff"
        both = _view(d="example.com,counts-staff.example")
        assert post(both, HTTP_COOKIE=cookie).get("X-Dropped") is None
    # A cookie that names no session, or a signed-out one, is a visitor's.
    assert post(_view(), HTTP_COOKIE="sessionid=nosuchsession123").get("X-Dropped") is None
    assert post(_view(), HTTP_COOKIE="sessionid=").get("X-Dropped") is None
    assert post(_view(), HTTP_COOKIE='sessionid="\\').get("X-Dropped") is None
    assert stored(store, spool, "site") == [("counts-staff.example",)] * 2 + [("example.com",)] * 3


@pytest.mark.django_db(transaction=True)
def test_over_live_http_admin_pages_staff_and_excluded_networks_are_not_stored(
    live_url: str, editor
) -> None:
    """Against granian (the front door, ahead of Django's middleware)."""
    import urllib.request

    TrackedSite.objects.create(domain="example.com", name="Example")
    TrackedSite.objects.create(
        domain="office.example", name="Office", excluded_networks="127.0.0.0/8"
    )
    cookie = _session_cookie(editor)

    def dropped(body: dict[str, str], **headers: str) -> str | None:
        request = urllib.request.Request(
            f"{live_url}/api/event",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "text/plain", "User-Agent": CHROME, **headers},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202
            return response.headers.get("X-Dropped")

    from ..processes import wait_for

    wait_for(lambda: dropped(_view()) is None, timeout=10)  # both workers know the sites
    assert dropped(_view("https://example.com/admin/pages/3/edit/preview/")) == "admin-page"
    assert dropped(_view(), Cookie=cookie) == "staff"
    assert dropped(_view(d="office.example")) == "excluded-address"


# --- the form --------------------------------------------------------------------------------


def _form(**extra: str) -> dict[str, str]:
    return {"domain": "shop.example.com", "name": "Shop", "time_zone": "UTC", **extra}


def test_the_admin_form_validates_normalises_and_audits_the_list(it_admin) -> None:
    client = client_for(it_admin)
    refused = client.post(reverse("tracked_sites:add"), _form(excluded_networks="10.0.0.1/8"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["excluded_networks"] == [
        "Line 1: “10.0.0.1/8” has host bits set; the network is 10.0.0.0/8."
    ]
    assert not TrackedSite.objects.filter(domain="shop.example.com").exists()

    created = client.post(
        reverse("tracked_sites:add"),
        _form(excluded_networks="2001:DB8::/32\r\n203.0.113.7", exclude_staff="on"),
    )
    assert created.status_code == 302
    site = TrackedSite.objects.get(domain="shop.example.com")
    assert (site.excluded_networks, site.exclude_staff) == ("2001:db8::/32\n203.0.113.7/32", True)
    edited = client.post(reverse("tracked_sites:edit", args=[site.pk]), _form(excluded_networks=""))
    assert edited.status_code == 302
    site.refresh_from_db()
    assert (site.excluded_networks, site.exclude_staff) == ("", False)
    assert ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(site.pk)).exists()


def test_staff_are_left_out_by_default() -> None:
    assert TrackedSite.objects.create(domain="new.example", name="New").exclude_staff is True


# --- the staff mark's endpoint and the tracker tag ------------------------------------------

MARKER = "/_cg/staff-marker"


def test_the_staff_mark_needs_a_valid_token_and_sets_no_cookie() -> None:
    client = Client()
    good = client.get(f"{MARKER}?token={staff_marker.marker_token()}")
    assert good.status_code == 200
    assert "analytics/staff_marker_page.js" in good.content.decode()
    assert "frame-ancestors 'self'" in good["Content-Security-Policy"]
    assert "X-Frame-Options" not in good
    assert not good.cookies
    for query in ("", "?token=", "?token=staff:forged:sig", "?token=" + "x" * 5000):
        bad = client.get(MARKER + query)
        assert bad.status_code == 400, query
        assert bad.json()["field"] == "token"
    for method in ("post", "put", "delete"):
        answer = getattr(client, method)(MARKER, data=b"{}", content_type="application/json")
        assert answer.status_code == 405
        assert answer.json()["field"] == "method"


@hypothesis_settings(max_examples=100, deadline=None)
@given(token=st.text(max_size=400), body=st.binary(max_size=200))
def test_odd_tokens_and_bodies_get_4xx_never_5xx(token: str, body: bytes) -> None:
    client = Client()
    assert client.get(MARKER, {"token": token}).status_code == 400
    assert client.post(MARKER, data=body, content_type="text/plain").status_code == 405


def test_an_expired_token_is_refused(monkeypatch) -> None:
    token = staff_marker.marker_token()
    monkeypatch.setattr(staff_marker, "TOKEN_MAX_AGE_SECONDS", -1)
    assert not staff_marker.token_is_valid(token)


def test_admin_pages_load_the_mark_and_public_pages_carry_the_staff_switch(
    home, editor, django_capture_on_commit_callbacks
) -> None:
    site = TrackedSite.objects.create(domain="testserver", name="Test")
    admin_page = client_for(editor).get(reverse("wagtailadmin_home")).content.decode()
    assert "analytics/staff_marker_admin.js" in admin_page
    assert 'data-marker-url="/_cg/staff-marker?token=' in admin_page
    public = Client().get(home.url).content.decode()
    assert 'data-exclude-staff="true"' in public
    site.exclude_staff = False
    with django_capture_on_commit_callbacks(execute=True):
        site.save()  # as the admin does: cached pages are rendered again
    assert 'data-exclude-staff="true"' not in Client().get(home.url).content.decode()


def test_a_preview_and_the_admin_origin_get_no_tracker(rf) -> None:
    from django.template import Context, Template

    TrackedSite.objects.create(domain="testserver", name="Test")
    tag = Template("{% load analytics_tags %}{% analytics_tracker %}")
    visit = rf.get("/")
    assert "analytics/tracker.min.js" in tag.render(Context({"request": visit}))
    preview = rf.get("/")
    preview.is_preview = True  # as Wagtail marks the requests it renders previews for
    assert tag.render(Context({"request": preview})) == ""
    on_admin = rf.get("/")
    setattr(on_admin, ADMIN_ORIGIN_ATTRIBUTE, True)
    assert tag.render(Context({"request": on_admin})) == ""
