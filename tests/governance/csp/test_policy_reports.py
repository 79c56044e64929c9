"""The admin reports of what browsers told us: CSP findings by host and page (IT only) and
consent choices (everyone with admin access), through the admin's HTTP views."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ...conftest import client_for
from ..factories import registered_technology

FINDINGS = reverse("governance_csp_findings")
CONSENT = reverse("governance_consent_choices")


def _report(path: str, blocked: str, address: str = "192.0.2.1") -> None:
    body = {
        "csp-report": {
            "document-uri": f"http://testserver{path}",
            "effective-directive": "script-src-elem",
            "blocked-uri": blocked,
            "disposition": "enforce",
        }
    }
    response = Client(REMOTE_ADDR=address).post(
        "/-/csp-report", json.dumps(body), content_type="application/csp-report"
    )
    assert response.status_code == 204


@pytest.mark.django_db
def test_findings_group_by_host_and_page_with_a_request_link(home: Any, it_admin: Any) -> None:
    # Findings are what at least three distinct addresses reported (on any of the pages).
    _report("/offers/", "https://cdn.chat.example/w.js", "192.0.2.1")
    _report("/offers/", "https://cdn.chat.example/w.js", "192.0.2.2")
    _report("/about/", "https://cdn.chat.example/w.js", "192.0.2.3")
    registered_technology(
        it_admin, name="Pixel", hosts={"script-src": ["px.ads.example"]}, status="rejected"
    )
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        _report("/about/", "inline", address)
        _report("/about/", "https://px.ads.example/p.js", address)

    response = client_for(it_admin).get(FINDINGS)
    assert response.status_code == 200
    hosts = {host.host: (host.reports, host.pages, url) for host, url in response.context["hosts"]}
    assert hosts["cdn.chat.example"][:2] == (3, ["/about/", "/offers/"])
    assert "host=cdn.chat.example&directive=script-src" in hosts["cdn.chat.example"][2]
    assert hosts["px.ads.example"][2] == ""  # in the registry already (rejected)
    assert hosts["inline"][2] == ""
    body = response.content.decode()
    assert "Pixel (rejected)" in body
    pages = dict(response.context["pages"])
    assert {row.blocked_host for row in pages["/about/"]} == {
        "cdn.chat.example",
        "inline",
        "px.ads.example",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?days=9999", "?site=abc", "?mode=<script>", "?days=1&site=1"])
def test_ugly_filters_fall_back_to_defaults(home: Any, it_admin: Any, query: str) -> None:
    assert client_for(it_admin).get(FINDINGS + query).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
def test_only_it_reads_csp_findings(home: Any, request: Any, role: str) -> None:
    response = client_for(request.getfixturevalue(role)).get(FINDINGS)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "it_admin", "viewer"])
def test_everyone_reads_the_consent_counts(
    home: Any, it_admin: Any, request: Any, role: str
) -> None:
    registered_technology(
        it_admin, name="AdPixel", hosts={"script-src": ["ads.example"]}, consent_purpose="marketing"
    )
    from commonground.governance.consent.banner import banner

    for visitor, granted in enumerate((True, True, False)):
        choice = {"id": f"{visitor:032d}", "version": banner().version}
        answered = Client().post(  # three visitors, each from an address of their own
            "/-/consent",
            json.dumps({**choice, "purposes": {"marketing": granted}}),
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{visitor + 10}",
        )
        assert answered.status_code == 200, answered.content
    response = client_for(request.getfixturevalue(role)).get(CONSENT + "?days=30")
    assert response.status_code == 200
    share = response.context["shares"][0]
    assert (share.purpose, share.granted, share.declined) == ("marketing", 2, 1)
    assert 'data-purpose="marketing"' in response.content.decode()
    assert "67%" in response.content.decode()
