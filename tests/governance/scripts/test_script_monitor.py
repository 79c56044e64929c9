"""The script monitor (PCI DSS 11.6.1): it re-fetches each reviewed script from a real local
vendor server and each public page from the live server; a change of the script's bytes or
of a security header is one finding and one alert e-mail to IT, found once; nothing changed,
nothing raised. Its run also fills the inventory (admin page and formula-safe CSV)."""

import csv
import io
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from commonground.governance.models import (
    ReviewedScript,
    ScriptFinding,
    SecuritySettings,
    SiteTag,
)
from commonground.governance.posture.checks import Status, script_integrity
from commonground.governance.scripts import services

from ...alignment.meetings import smtp_backend_fixture  # noqa: F401  (a fixture)
from ...conftest import client_for
from ...content.factories import StandardPageFactory
from ...live_http import Browser
from ...smtp_inbox import Inbox
from ..factories import registered_technology
from .vendor_scripts import REVIEWED, TAMPERED, VendorScripts, vendor_scripts

TAG_URL = "http://cdn.vendor.test/tag.js"


@pytest.fixture
def vendor(settings: Any) -> Iterator[VendorScripts]:
    with vendor_scripts(tag_js=REVIEWED, snippet_js=b"window.snippet = 1;") as server:
        settings.SCRIPT_FETCH_PROXY = server.url
        yield server


def _reviewed_tag(it_admin: Any, *, consent_purpose: str = "necessary") -> ReviewedScript:
    registered_technology(
        it_admin,
        name="Vendor CDN",
        hosts={"script-src": ["cdn.vendor.test"]},
        consent_purpose=consent_purpose,
    )
    SiteTag.objects.create(name="Vendor tag", script_url=TAG_URL)
    fetched = services.fetch_for_review(user=it_admin, url=TAG_URL)
    return services.approve_script(user=it_admin, url=TAG_URL, integrity=fetched.fetched_integrity)


def _script_findings() -> list[tuple[str, str]]:
    return list(
        ScriptFinding.objects.exclude(kind=ScriptFinding.Kind.PAGE_UNREACHABLE)
        .order_by("pk")
        .values_list("kind", "subject")
    )


@pytest.mark.django_db
def test_a_changed_script_is_one_finding_and_one_alert(
    home: Any,
    it_admin: Any,
    vendor: VendorScripts,
    smtp_backend: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    reviewed = _reviewed_tag(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_monitor()
    assert _script_findings() == [] and smtp_backend.count() == 0  # unchanged: nothing

    vendor.scripts["/tag.js"] = TAMPERED
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_monitor()
    assert run.scripts_checked == 1
    assert _script_findings() == [("script_changed", TAG_URL)]
    [(recipients, message)] = smtp_backend.deliveries()
    assert recipients == [it_admin.email]
    assert message["Subject"] == "Script monitor: 1 change found"
    body = message.get_content()
    assert f"script changed: {TAG_URL}" in body and reviewed.integrity in body
    assert services.sri_hash(TAMPERED) in body
    script = ReviewedScript.objects.get(url=TAG_URL)
    assert script.status == ReviewedScript.Status.CHANGED
    assert script.integrity == reviewed.integrity  # pages keep the reviewed hash: blocked

    with django_capture_on_commit_callbacks(execute=True):
        services.run_monitor()
    assert len(_script_findings()) == 1 and smtp_backend.count() == 1  # found once

    check = script_integrity()
    assert check.status == Status.WARNING and TAG_URL in check.found

    del vendor.scripts["/tag.js"]
    with django_capture_on_commit_callbacks(execute=True):
        services.run_monitor()
        services.run_monitor()
    assert _script_findings()[1:] == [("script_gone", TAG_URL)]
    assert smtp_backend.count() == 2
    assert "HTTP 404" in ScriptFinding.objects.get(kind="script_gone").after


@pytest.mark.django_db
def test_posture_warns_on_an_unreviewed_tag_and_is_green_once_reviewed_and_monitored(
    home: Any, it_admin: Any, vendor: VendorScripts
) -> None:
    registered_technology(it_admin, name="Vendor CDN", hosts={"script-src": ["cdn.vendor.test"]})
    SiteTag.objects.create(name="Vendor tag", script_url=TAG_URL)
    first = script_integrity()
    assert first.status == Status.WARNING
    assert "1 of 1 third-party script has no reviewed hash" in first.found
    assert "last ran: never" in first.found
    fetched = services.fetch_for_review(user=it_admin, url=TAG_URL)
    services.approve_script(user=it_admin, url=TAG_URL, integrity=fetched.fetched_integrity)
    services.run_monitor()
    assert script_integrity().status == Status.OK


def _serve_site_at(live_url: str) -> None:
    """Point the default site at the live server, so page URLs are the ones it answers."""
    address = urlsplit(live_url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)
    Site.clear_site_root_paths_cache()


def _wait_for_header(url: str, name: str) -> None:
    for _ in range(4):  # both server processes
        deadline = time.monotonic() + 10
        while name not in Browser().get(url).headers:
            assert time.monotonic() < deadline, f"{name} never came"
            time.sleep(0.2)


def test_a_header_change_on_the_live_pages_is_found_once_and_the_inventory_fills(
    live_url: str,
    home: Any,
    it_admin: Any,
    vendor: VendorScripts,
    smtp_backend: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _serve_site_at(live_url)
    reviewed = _reviewed_tag(it_admin, consent_purpose="marketing")
    StandardPageFactory(
        parent=home,
        title='=HYPERLINK("http://evil.example","click")',
        slug="formula",
        body=[("html", '<script src="http://cdn.vendor.test/snippet.js"></script>')],
    )
    for path in ("/", "/formula/"):
        # Into the page cache first: the baseline is then what visitors get from the cache
        # (the same headers as a render; tests/core/test_page_cache.py checks that).
        Browser().get(f"{live_url}{path}")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_monitor()
    assert first.pages_checked == 2
    assert list(ScriptFinding.objects.values_list("kind", flat=True)) == []  # the baseline
    assert smtp_backend.count() == 0

    settings_row, _ = SecuritySettings.objects.get_or_create(site=Site.objects.get())
    settings_row.csp_mode = SecuritySettings.CspMode.REPORT_ONLY
    settings_row.save()
    _wait_for_header(f"{live_url}/", "content-security-policy-report-only")
    with django_capture_on_commit_callbacks(execute=True):
        services.run_monitor()
    found = sorted(ScriptFinding.objects.values_list("kind", "header", "subject"))
    assert found == sorted(
        (kind, header, url)
        for url in (f"{live_url}/", f"{live_url}/formula/")
        for kind, header in (
            ("header_added", "content-security-policy-report-only"),
            ("header_removed", "content-security-policy"),
        )
    )
    [(_, message)] = smtp_backend.deliveries()
    assert message["Subject"] == "Script monitor: 4 changes found"
    assert "security header removed (content-security-policy)" in message.get_content()
    with django_capture_on_commit_callbacks(execute=True):
        services.run_monitor()
    assert ScriptFinding.objects.count() == 4 and smtp_backend.count() == 1  # once

    admin = client_for(it_admin)
    page = admin.get(reverse("governance_script_inventory")).content.decode()
    assert page.count("data-inventory-row") >= 5
    assert "review this script" in page
    exported = admin.get(reverse("governance_script_inventory_csv"))
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    by_script = {}
    for row in rows:
        by_script.setdefault(row["script"], []).append(row)
    [tag_home, tag_formula] = by_script[TAG_URL]
    assert tag_home["source"] == "site tag" and tag_home["held for consent"] == "yes"
    assert tag_home["reviewed hash"] == tag_home["hash on the page"] == reviewed.integrity
    assert tag_home["justification"] == "Vendor CDN (approved in the registry)"
    assert tag_home["status"] == "reviewed: unchanged"
    assert tag_formula["page URL"] == f"{live_url}/formula/"
    [snippet] = by_script["http://cdn.vendor.test/snippet.js"]
    assert snippet["source"] == "in the page's content"
    assert snippet["status"] == "not reviewed" and snippet["reviewed hash"] == ""
    assert snippet["page"] == '\'=HYPERLINK("http://evil.example","click")'  # formula-safe
    own = [row for row in rows if row["source"] == "the site's own script"]
    assert own and all(row["justification"].startswith("first-party") for row in own)
    assert any(row["script"].endswith("/consent.js") for row in own)


@pytest.mark.django_db
def test_a_walk_cut_short_by_the_page_limit_keeps_the_other_pages_inventory(
    home: Any, it_admin: Any, vendor: VendorScripts, settings: Any
) -> None:
    from commonground.governance.models import ScriptOnPage

    StandardPageFactory(parent=home, title="Second", slug="second")
    kept = ScriptOnPage.objects.create(
        page_url="http://localhost/second/",
        page_title="Second",
        script_url="http://cdn.vendor.test/old.js",
        source="content",
        seen_at=timezone.now(),
    )
    settings.SCRIPT_MONITOR_MAX_PAGES = 1
    run = services.run_monitor()
    assert run.pages_checked == 1
    assert ScriptOnPage.objects.filter(pk=kept.pk).exists()
    settings.SCRIPT_MONITOR_MAX_PAGES = 500
    assert services.run_monitor().pages_checked == 2
    assert not ScriptOnPage.objects.filter(pk=kept.pk).exists()  # a full walk replaces it
