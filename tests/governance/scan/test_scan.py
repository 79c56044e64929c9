"""The shadow-IT scan: pages rendered as visitors get them, hosts judged against the registry,
the command line, the admin report, and the demo's planted chat widget."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from commonground.content.demo.campaign import CHAT_WIDGET_HOST
from commonground.content.models import LandingPage, StandardPage
from commonground.governance.models import (
    ScanFinding,
    SiteScan,
    Technology,
    TechnologyHost,
)
from commonground.governance.scan import services as scans

from ...conftest import client_for
from ...content.factories import StandardPageFactory
from ..factories import registered_technology

Verdict = ScanFinding.Verdict


def _html_page(parent: Page, title: str, snippet: str, **kwargs: Any) -> StandardPage:
    body = json.dumps([{"type": "html", "value": snippet}])
    page: StandardPage = StandardPageFactory(parent=parent, title=title, body=body, **kwargs)
    return page


def _registered(name: str, status: str, **hosts: list[str]) -> Technology:
    technology = Technology.objects.create(name=name, vendor=f"{name} Ltd", status=status)
    for directive, names in hosts.items():
        for host in names:
            TechnologyHost.objects.create(
                technology=technology, directive=directive.replace("_", "-"), host=host
            )
    return technology


def _verdicts(scan: SiteScan) -> dict[tuple[str, str, str], str]:
    return {
        (row.page_title, row.directive, row.host): row.verdict
        for row in scan.findings.exclude(verdict=Verdict.ERROR)
    }


# --- The demo (acceptance) --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_scan_finds_the_planted_chat_widget_not_approved(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commonground.content.demo import load_demo, loader

    settings.DATA_DIR = tmp_path
    settings.EVENT_STORE = {
        **settings.EVENT_STORE,
        "OPTIONS": {"path": str(tmp_path / "events.duckdb")},
    }
    monkeypatch.setattr(loader, "HISTORY_EVENTS", 2_000)  # traffic is not what is tested here
    output: list[str] = []
    load_demo(write=output.append)

    # The loader's own scan, so the report has data on the first sign-in.
    demo_scan = SiteScan.objects.get()
    assert demo_scan.trigger == SiteScan.Trigger.DEMO
    assert demo_scan.status == SiteScan.Status.FINISHED
    assert demo_scan.pages_scanned == Page.objects.live().public().filter(depth__gt=1).count()
    assert demo_scan.pages_failed == 0
    assert any("not approved" in line for line in output)

    landing = LandingPage.objects.get()
    widget = demo_scan.findings.get(host=CHAT_WIDGET_HOST)
    assert widget.page_id == landing.pk
    assert widget.directive == "script-src"
    assert widget.verdict == Verdict.UNKNOWN
    assert widget.example_url == f"https://{CHAT_WIDGET_HOST}/widget.js"
    assert widget.page_url.endswith(landing.url_path.split("/", 2)[2])
    # The video block's player, created on play, is found and approved in the registry.
    player = demo_scan.findings.get(host="www.youtube-nocookie.com")
    assert (player.directive, player.verdict) == ("frame-src", Verdict.APPROVED)
    assert player.technology_name == "YouTube embedded player"
    assert player.element == "div, on play"
    assert demo_scan.unapproved_found == 1
    # Nothing of the site's own is third-party.
    assert not demo_scan.findings.filter(host__in=["127.0.0.1", "localhost"]).exists()

    # The command line: per page, the host and its verdict; exit status 1.
    stdout = io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("scan_site", stdout=stdout, stderr=io.StringIO())
    assert exit_status.value.code == 1
    printed = stdout.getvalue()
    assert f"script-src   {CHAT_WIDGET_HOST}  NOT IN REGISTRY" in printed
    assert "www.youtube-nocookie.com  approved" in printed
    assert "1 not approved." in printed
    assert SiteScan.objects.filter(trigger=SiteScan.Trigger.COMMAND).count() == 1

    # The admin report, as IT and as marketing: the host, its verdict, a pre-filled request.
    from django.contrib.auth.models import User

    link = f"{reverse('governance_request_new')}?host={CHAT_WIDGET_HOST}&amp;directive=script-src"
    for username in ("itadmin", "editor"):
        page = client_for(User.objects.get(username=username)).get(
            reverse("governance_scans:index")
        )
        assert page.status_code == 200
        text = page.content.decode()
        assert f'data-host="{CHAT_WIDGET_HOST}" data-verdict="unknown"' in text
        assert link in text
        assert landing.title in text
    # The registry the demo brings: approved, in review and rejected entries with requests.
    statuses = set(Technology.objects.values_list("status", flat=True))
    assert statuses == {"approved", "in_review", "rejected"}
    assert Technology.objects.get(name="Hotjar").requests.get().comments.count() == 2


# --- What is scanned, and how it is judged ------------------------------------------------


@pytest.mark.django_db
def test_hosts_are_judged_against_the_registry_directive_by_directive(home: Page) -> None:
    _registered("Fonts", "approved", style_src=["fonts.example"], frame_src=["*.player.example"])
    _registered("Heatmaps", "in_review", script_src=["cdn.heatmaps.example"])
    _registered("Pixel", "rejected", img_src=["pixel.example"])
    _html_page(
        home,
        "Snippets",
        '<link rel="stylesheet" href="https://fonts.example/brand.css">'
        '<iframe src="https://eu.player.example/v/1"></iframe>'
        '<script src="https://fonts.example/loader.js"></script>'
        '<script src="https://cdn.heatmaps.example/h.js"></script>'
        '<img src="https://pixel.example/p.gif" alt="">'
        '<form action="https://forms.unknown.example/post"></form>'
        '<a href="https://links-load-nothing.example/">a link</a>',
    )

    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert _verdicts(done) == {
        ("Snippets", "style-src", "fonts.example"): Verdict.APPROVED,
        ("Snippets", "frame-src", "eu.player.example"): Verdict.APPROVED,
        ("Snippets", "script-src", "fonts.example"): Verdict.NOT_APPROVED,
        ("Snippets", "script-src", "cdn.heatmaps.example"): Verdict.NOT_APPROVED,
        ("Snippets", "img-src", "pixel.example"): Verdict.NOT_APPROVED,
        ("Snippets", "form-action", "forms.unknown.example"): Verdict.UNKNOWN,
    }
    details = {(row.directive, row.host): row.detail for row in done.findings.all()}
    assert details["script-src", "fonts.example"] == (
        "approved for style-src only, not for script-src"
    )
    assert details["script-src", "cdn.heatmaps.example"] == "in review in the technology registry"
    assert details["img-src", "pixel.example"] == "rejected in the technology registry"
    assert done.findings.get(host="pixel.example").technology_status == "rejected"
    assert (done.hosts_found, done.unapproved_found) == (5, 4)
    assert done.status == SiteScan.Status.FINISHED
    assert done.pages_scanned == 2  # home and the snippet page


@pytest.mark.django_db
def test_own_hosts_and_relative_urls_are_first_party(home: Page, settings: Any) -> None:
    settings.STATIC_URL = "https://static.ours.example/static/"
    _html_page(
        home,
        "Own things",
        '<script src="/static/site.js"></script>'
        '<img src="http://localhost/media/a.png" alt="">'
        '<img src="//LOCALHOST/media/b.png" alt="">'
        '<link rel="stylesheet" href="https://static.ours.example/static/site.css">'
        '<img src="https://tracker.example/p.gif" alt="">',
    )

    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert set(done.findings.values_list("host", flat=True)) == {"tracker.example"}


@pytest.mark.django_db
def test_what_the_consent_gate_holds_back_still_counts(home: Page) -> None:
    _registered("Maps", "approved", frame_src=["maps.example"])
    Technology.objects.filter(name="Maps").update(consent_purpose="marketing")
    body = json.dumps(
        [
            {
                "type": "embed",
                "value": {"url": "https://maps.example/e/1", "title": "Map", "aspect_ratio": "4-3"},
            }
        ]
    )
    StandardPageFactory(parent=home, title="Where we are", body=body)

    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    held = done.findings.get(host="maps.example")
    assert (held.directive, held.verdict) == ("frame-src", Verdict.APPROVED)
    assert held.element == "iframe, after consent"


@pytest.mark.django_db
def test_restricted_and_unpublished_pages_are_not_scanned(home: Page) -> None:
    _html_page(home, "Public", '<script src="https://public.example/a.js"></script>')
    _html_page(home, "Draft", '<script src="https://draft.example/a.js"></script>', live=False)
    members = _html_page(home, "Members", '<script src="https://members.example/a.js"></script>')
    PageViewRestriction.objects.create(
        page=members, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    _html_page(members, "Members child", '<script src="https://child.example/a.js"></script>')

    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert set(done.findings.values_list("host", flat=True)) == {"public.example"}
    assert done.pages_scanned == 2


@pytest.mark.django_db
def test_a_page_that_fails_is_an_error_row_and_the_scan_goes_on(
    home: Page, it_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _html_page(home, "Broken", '<script src="https://broken.example/a.js"></script>')
    _html_page(home, "Fine", '<script src="https://fine.example/a.js"></script>')
    serve = StandardPage.serve

    def failing_serve(self: StandardPage, request: Any, *args: Any, **kwargs: Any) -> Any:
        if self.pk == broken.pk:
            raise RuntimeError("template exploded")
        return serve(self, request, *args, **kwargs)

    monkeypatch.setattr(StandardPage, "serve", failing_serve)

    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert done.status == SiteScan.Status.FINISHED
    error = done.findings.get(verdict=Verdict.ERROR)
    assert (error.page_id, error.detail) == (broken.pk, "answered HTTP 500")
    assert done.findings.filter(host="fine.example").exists()
    assert (done.pages_scanned, done.pages_failed) == (3, 1)
    # The command line does not vouch for a site it could not read in full, even when
    # every host it did see is approved.
    registered_technology(
        it_admin, name="Both", hosts={"script-src": ["fine.example", "broken.example"]}
    )
    with pytest.raises(SystemExit) as exited:
        call_command("scan_site", stdout=io.StringIO())
    assert exited.value.code == 1


@pytest.mark.django_db
def test_the_page_cap_and_the_size_guard_bound_a_scan(home: Page, settings: Any) -> None:
    for n in range(3):
        _html_page(home, f"Page {n}", f'<script src="https://h{n}.example/a.js"></script>')
    settings.SCAN_MAX_PAGES = 2
    settings.SCAN_BATCH_SIZE = 1

    capped = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert capped.pages_scanned == 2
    assert "SCAN_MAX_PAGES" in capped.stopped_early

    settings.SCAN_MAX_PAGES = 5000
    settings.SCAN_MAX_PAGE_BYTES = 100
    guarded = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)

    assert guarded.pages_failed == guarded.pages_scanned == 4
    assert "SCAN_MAX_PAGE_BYTES" in guarded.findings.first().detail  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_daily_scan_runs_once_a_day(home: Page) -> None:
    first = scans.scan_if_due()
    assert first is not None and first.trigger == SiteScan.Trigger.SCHEDULE
    assert scans.scan_if_due() is None
    assert SiteScan.objects.count() == 1


# --- The admin report and who may start a scan ---------------------------------------------


@pytest.mark.django_db
def test_only_it_starts_a_scan(
    home: Page, editor: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _html_page(home, "Chat", '<script src="https://chat.example/w.js"></script>')
    start = reverse("governance_scans:start")

    # Wagtail answers a refused admin request by sending the user home with a message.
    refused = client_for(editor).post(start, follow=True)
    assert refused.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    assert b"do not have permission" in refused.content
    assert client_for(editor).get(start).status_code == 405
    assert not SiteScan.objects.exists()

    it = client_for(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = it.post(start)
    assert response.status_code == 302
    done = SiteScan.objects.get()
    assert (done.status, done.trigger, done.triggered_by) == ("finished", "admin", it_admin)
    assert done.findings.filter(host="chat.example", verdict=Verdict.UNKNOWN).exists()

    # The report shows the button to IT only.
    assert b"Scan now" in it.get(reverse("governance_scans:index")).content
    page = client_for(editor).get(reverse("governance_scans:index"))
    assert page.status_code == 200
    assert b"Scan now" not in page.content
    assert b"chat.example" in page.content


@pytest.mark.django_db
def test_a_second_scan_is_refused_while_one_runs(home: Page, it_admin: Any) -> None:
    from django.utils import timezone

    SiteScan.objects.create(started_at=timezone.now())
    it = client_for(it_admin)

    response = it.post(reverse("governance_scans:start"), follow=True)

    assert SiteScan.objects.count() == 1
    assert b"A scan is running since" in response.content
    assert b"data-scan-running" in response.content


@pytest.mark.django_db
def test_the_report_filters_and_exports(home: Page, viewer: Any) -> None:
    _registered("Fonts", "approved", style_src=["fonts.example"])
    _html_page(
        home,
        "Mixed",
        '<link rel="stylesheet" href="https://fonts.example/a.css">'
        '<script src="https://=cmd.example/a.js"></script>'
        '<script src="https://chat.example/w.js"></script>',
    )
    done = scans.scan_site(trigger=SiteScan.Trigger.COMMAND)
    client = client_for(viewer)
    index = reverse("governance_scans:index")

    approved = client.get(index, {"verdict": "approved"}).content.decode()
    assert 'data-host="fonts.example"' in approved
    assert 'data-host="chat.example"' not in approved
    scripts = client.get(index, {"directive": "script-src"}).content.decode()
    assert 'data-host="chat.example"' in scripts
    assert 'data-host="fonts.example"' not in scripts
    assert client.get(index, {"verdict": "nonsense", "scan": "x"}).status_code == 200
    assert client.get(index, {"scan": "999999"}).status_code == 404

    export = client.get(index, {"export": "csv", "scan": done.pk, "verdict": "unknown"})
    assert export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("Page,Title,Directive,Host,Verdict")
    assert len(lines) == 3
    assert any(",chat.example,unknown," in line for line in lines)
    # A host that would read as a formula ("=cmd.example") is written as text.
    assert not any(",=" in line for line in lines)


@pytest.mark.django_db
def test_the_report_needs_admin_access(home: Page, client: Any) -> None:
    response = client.get(reverse("governance_scans:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
