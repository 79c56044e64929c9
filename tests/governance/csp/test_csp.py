"""The Content-Security-Policy the site sends, derived from the registry, and the report
endpoint browsers send violations to (through the HTTP stack, as browsers reach them)."""

import json
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from wagtail.models import Site

from commonground.governance.csp.policy import nonce_placeholder
from commonground.governance.models import CspViolation, SecuritySettings, Technology
from commonground.governance.registry import services

from ...content.factories import StandardPageFactory
from ..factories import registered_technology


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def _policy(response: Any) -> dict[str, list[str]]:
    return _directives(response["Content-Security-Policy"])


@pytest.mark.django_db
def test_the_policy_allows_only_first_party_until_vendors_are_approved(home: Any) -> None:
    response = Client().get("/")
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'" and policy["script-src"][1].startswith("'nonce-")
    assert len(policy["script-src"]) == 2
    assert policy["frame-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["report-uri"] == ["/-/csp-report"]
    # The Reporting API delivers over HTTPS only (and would silence report-uri in Chromium).
    assert "report-to" not in policy and "Reporting-Endpoints" not in response
    secure = Client().get("/", secure=True)
    assert _policy(secure)["report-to"] == ["csp"]
    assert secure["Reporting-Endpoints"] == 'csp="https://testserver/-/csp-report"'


@pytest.mark.django_db
def test_approving_and_retiring_a_vendor_changes_the_header_at_once(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    assert "maps.vendor.example" not in client.get("/")["Content-Security-Policy"]
    with django_capture_on_commit_callbacks(execute=True):
        maps = registered_technology(
            it_admin,
            name="Maps",
            hosts={"frame-src": ["maps.vendor.example"], "img-src": ["*.tiles.example"]},
        )
    policy = _policy(client.get("/"))
    assert "maps.vendor.example" in policy["frame-src"]
    assert "*.tiles.example" in policy["img-src"] and "*.tiles.example" in policy["media-src"]
    assert "maps.vendor.example" not in policy["script-src"]

    maps.status = Technology.Status.RETIRED
    with django_capture_on_commit_callbacks(execute=True):
        services.save_technology(user=it_admin, technology=maps, hosts=services.hosts_of(maps))
    assert "maps.vendor.example" not in client.get("/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_requested_vendor_is_not_in_the_policy(home: Any, it_admin: Any) -> None:
    registered_technology(
        it_admin, name="Pixel", hosts={"script-src": ["px.ads.example"]}, status="in_review"
    )
    assert "px.ads.example" not in Client().get("/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_report_only_per_site(home: Any, django_capture_on_commit_callbacks: Any) -> None:
    site = Site.objects.get(is_default_site=True)
    Client().get("/")  # a policy built before the change must not outlive it
    with django_capture_on_commit_callbacks(execute=True):
        SecuritySettings.objects.create(site=site, csp_mode=SecuritySettings.CspMode.REPORT_ONLY)
    response = Client().get("/")
    assert "Content-Security-Policy" not in response
    assert "default-src 'self'" in response["Content-Security-Policy-Report-Only"]
    # Another site on another host keeps the default, enforcing.
    other_root = StandardPageFactory(parent=home.get_parent(), title="Other site root")
    with django_capture_on_commit_callbacks(execute=True):
        Site.objects.create(hostname="other.example", port=80, root_page=other_root)
    with override_settings(ALLOWED_HOSTS=["testserver", "other.example"]):
        other = Client().get("/", HTTP_HOST="other.example")
    assert other.status_code == 200
    assert "Content-Security-Policy" in other


@pytest.mark.django_db
def test_https_enforcing_upgrades_insecure_requests(home: Any) -> None:
    response = Client().get("/", secure=True)
    assert "upgrade-insecure-requests" in _policy(response)


@pytest.mark.django_db
def test_the_admin_is_outside_the_site_policy(home: Any) -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_our_inline_script_carries_a_fresh_nonce_even_from_the_page_cache(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The banner (and its inline start-up script) appears once a vendor needs consent.
    with django_capture_on_commit_callbacks(execute=True):
        registered_technology(
            it_admin, name="Ads", hosts={"script-src": ["ads.example"]}, consent_purpose="marketing"
        )
    page = StandardPageFactory(parent=home, title="Cached")
    client = Client()
    nonces = []
    for expected_cache in ("MISS", "HIT", "HIT"):
        response = client.get(page.url)
        assert response["X-Cache"] == expected_cache
        header_nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
        body = response.content.decode()
        assert f'<script nonce="{header_nonce}">' in body
        assert nonce_placeholder() not in body
        assert int(response["Content-Length"]) == len(response.content)
        nonces.append(header_nonce)
    assert len(set(nonces)) == 3


def _report(document: str, blocked: str, directive: str = "script-src-elem") -> bytes:
    return json.dumps(
        {
            "csp-report": {
                "document-uri": document,
                "violated-directive": directive,
                "effective-directive": directive,
                "blocked-uri": blocked,
                "disposition": "enforce",
                "original-policy": "default-src 'self'",
            }
        }
    ).encode()


@pytest.mark.django_db
def test_reports_are_counted_per_page_directive_and_host(home: Any) -> None:
    client = Client()
    for _ in range(3):
        response = client.post(
            "/-/csp-report",
            _report("http://testserver/offers/?email=a@b.example", "https://evil.example/x.js"),
            content_type="application/csp-report",
        )
        assert response.status_code == 204
    reporting_api = [
        {
            "type": "csp-violation",
            "url": "http://testserver/",
            "body": {
                "documentURL": "http://testserver/",
                "blockedURL": "inline",
                "effectiveDirective": "script-src-elem",
                "disposition": "report",
            },
        }
    ]
    response = client.post(
        "/-/csp-report", json.dumps(reporting_api), content_type="application/reports+json"
    )
    assert response.status_code == 204
    rows = {
        (v.page_path, v.directive, v.blocked_host, v.enforced): v
        for v in CspViolation.objects.all()
    }
    offers = rows[("/offers/", "script-src", "evil.example", True)]
    assert offers.count == 3
    assert offers.blocked_url == "https://evil.example/x.js"
    assert rows[("/", "script-src", "inline", False)].count == 1
    # The page's query string (which may hold anything) is never kept.
    assert not CspViolation.objects.filter(page_path__contains="email").exists()


@pytest.mark.django_db
def test_a_report_about_another_site_is_not_counted(home: Any) -> None:
    response = Client().post(
        "/-/csp-report",
        _report("https://victim.example/", "https://evil.example/x.js"),
        content_type="application/csp-report",
    )
    assert response.status_code == 204
    assert not CspViolation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/csp-report", 400),
        (b"[]", "application/csp-report", 400),
        (b'{"csp-report": "x"}', "application/csp-report", 400),
        (json.dumps([{"type": "csp-violation"}] * 21).encode(), "application/reports+json", 400),
        (b"x" * (33 * 1024), "application/csp-report", 413),
        (b"{}", "text/plain", 415),
        (b"\xff\xfe", "application/csp-report", 400),
    ],
)
def test_bad_reports_get_a_clear_4xx(
    home: Any, body: bytes, content_type: str, status: int
) -> None:
    response = Client().post("/-/csp-report", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"]
    assert not CspViolation.objects.exists()


@pytest.mark.django_db
def test_reports_are_rate_limited_per_client(home: Any) -> None:
    from commonground.governance.csp import endpoints as site_views

    site_views._report_limiter.cache_clear()
    with override_settings(CSP_REPORTS_PER_MINUTE=5):
        client = Client(REMOTE_ADDR="198.51.100.7")
        statuses = [
            client.post(
                "/-/csp-report",
                _report("http://testserver/", "https://evil.example/x.js"),
                content_type="application/csp-report",
            ).status_code
            for _ in range(7)
        ]
        other = Client(REMOTE_ADDR="198.51.100.8").post(
            "/-/csp-report",
            _report("http://testserver/", "https://evil.example/x.js"),
            content_type="application/csp-report",
        )
    site_views._report_limiter.cache_clear()
    assert statuses == [204] * 5 + [429, 429]
    assert other.status_code == 204
    assert CspViolation.objects.get().count == 6


@pytest.mark.django_db
def test_the_report_endpoint_takes_only_post(home: Any) -> None:
    assert Client().get("/-/csp-report").status_code == 405


@pytest.mark.django_db
def test_a_change_past_the_signals_reaches_the_policy_within_its_age(
    home: Any, it_admin: Any, monkeypatch: Any
) -> None:
    from commonground.governance.csp import policy as csp

    maps = registered_technology(
        it_admin, name="Maps", hosts={"frame-src": ["maps.vendor.example"]}, status="in_review"
    )
    client = Client()
    assert "maps.vendor.example" not in client.get("/")["Content-Security-Policy"]
    # A raw update (a fix in SQL, a bulk script) sends no signal: the token stays.
    Technology.objects.filter(pk=maps.pk).update(status=Technology.Status.APPROVED)
    assert "maps.vendor.example" not in client.get("/")["Content-Security-Policy"]
    monkeypatch.setattr(csp._PolicyCache, "MAX_AGE_SECONDS", 0.0)
    assert "maps.vendor.example" in client.get("/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_another_process_s_change_is_read_within_the_check_interval(
    home: Any, it_admin: Any, monkeypatch: Any
) -> None:
    from django.core.cache import caches

    from commonground.governance.csp import policy as csp

    clock = [1000.0]
    monkeypatch.setattr(csp.time, "monotonic", lambda: clock[0])
    csp._policies.forget()  # this process's state from earlier tests ran on the real clock
    client = Client()
    client.get("/")
    # What another process's commit leaves behind: the rows, and a new token.
    registered_technology(it_admin, name="Maps", hosts={"frame-src": ["maps.example"]})
    caches["default"].set(csp.GENERATION_KEY, "from-another-process", None)
    clock[0] += csp._PolicyCache.TOKEN_CHECK_SECONDS - 0.01
    assert "maps.example" not in client.get("/")["Content-Security-Policy"]  # not read yet
    clock[0] += 0.02
    assert "maps.example" in client.get("/")["Content-Security-Policy"]
