"""The security-posture page: who may open it, and what each check says."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from commonground.core.audit.models import AuditAnchor
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR
from commonground.governance.models import TechnologyRequest
from commonground.governance.posture import checks as posture

from ...conftest import client_for
from ...core.factories import UserFactory, give_authenticator
from ..factories import submitted_request

pytestmark = pytest.mark.django_db

URL = reverse("governance_security_posture")
PRODUCTION_LIKE = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    # The admin on its own origin; the test client's host is the admin's.
    "WAGTAILADMIN_BASE_URL": "https://www.example.com",
    "ADMIN_BASE_URL": "https://testserver",
    "AUDIT_KEY": "a-production-like-audit-key-0123456789abcdef",
}


def statuses(client) -> dict[str, str]:
    response = client.get(URL, secure=True)
    assert response.status_code == 200
    return dict(
        re.findall(r'data-posture-check="([^"]+)" data-status="(\w+)"', response.content.decode())
    )


@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
def test_only_it_administrators_open_the_page(request, role: str) -> None:
    response = client_for(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    home = client_for(request.getfixturevalue(role)).get(reverse("wagtailadmin_home"))
    assert URL not in home.content.decode(), "nor see it in the menu"


def test_the_page_is_in_the_governance_menu_for_it(it_admin) -> None:
    assert URL in client_for(it_admin).get(reverse("wagtailadmin_home")).content.decode()


@override_settings(DEBUG=True, SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0)
def test_debug_and_plain_http_are_problems(it_admin) -> None:
    found = statuses(client_for(it_admin))
    assert found["Debug mode off"] == "problem"
    assert found["HTTPS everywhere"] == "problem"
    html = client_for(it_admin).get(URL).content.decode()
    assert "Unset DEBUG" in html and "HSTS" in html


@override_settings(**PRODUCTION_LIKE)
def test_production_settings_pass(it_admin, home) -> None:
    from commonground.governance.scan.services import scan_site
    from commonground.governance.scripts.services import run_monitor

    scan_site(trigger="command")
    run_monitor()
    # An anchor written a minute ago (as `commonground audit anchor` records it).
    AuditAnchor.objects.create(created_at=timezone.now(), sequence=0, hash="0" * 64)
    found = statuses(client_for(it_admin))
    assert found == {
        "Audit trail keyed and anchored": "ok",
        "Debug mode off": "ok",
        "HTTPS everywhere": "ok",
        "Content-Security-Policy enforcing": "ok",
        "No unapproved third-party hosts": "ok",
        "Two-factor sign-in": "ok",
        "Password policy": "ok",
        "Session timeout": "ok",
        "Technology reviews on time": "ok",
        "Third-party scripts reviewed and monitored": "ok",
        "Registry approvals taken by four eyes": "ok",
        "Admin on its own origin": "ok",
    }


@override_settings(**{**PRODUCTION_LIKE, "SECURE_HSTS_SECONDS": 3600 * 24 * 200})
def test_a_short_hsts_is_a_warning(it_admin) -> None:
    assert statuses(client_for(it_admin))["HTTPS everywhere"] == "warning"


def test_two_factor_coverage_names_it_administrators_without_it(it_admin) -> None:
    late = UserFactory(roles=[IT_ADMINISTRATOR], username="late.adopter")
    editor = UserFactory(roles=[MARKETING_EDITOR])
    UserFactory(roles=[IT_ADMINISTRATOR], username="gone", is_active=False)
    UserFactory(username="no.admin.access")
    check = posture.two_factor_coverage()
    assert check.status == posture.Status.PROBLEM
    assert check.found == (
        "1 of 3 admin users have two-factor sign-in. IT administrators without it: late.adopter."
    )
    give_authenticator(late)
    assert posture.two_factor_coverage().status == posture.Status.WARNING
    give_authenticator(editor)
    assert posture.two_factor_coverage() == posture.PostureCheck(
        "Two-factor sign-in", posture.Status.OK, "3 of 3 admin users have two-factor sign-in."
    )


@override_settings(
    AUTH_PASSWORD_VALIDATORS=[
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}
    ],
    SESSION_IDLE_TIMEOUT_SECONDS=0,
)
def test_weak_passwords_and_no_idle_timeout_are_reported(it_admin) -> None:
    found = statuses(client_for(it_admin))
    assert found["Password policy"] == "problem"
    assert found["Session timeout"] == "warning"
    assert "Passwords may be 8 characters" in posture.password_policy().found


def test_overdue_reviews_are_named(editor) -> None:
    request = submitted_request(editor)
    TechnologyRequest.objects.filter(pk=request.pk).update(
        review_due=timezone.localdate() - timedelta(days=1)
    )
    check = posture.technology_reviews_on_time()
    assert check.status == posture.Status.WARNING
    assert request.technology.name in check.found


def test_a_failing_check_is_a_problem_on_the_page_not_an_error(it_admin, monkeypatch) -> None:
    def broken() -> posture.PostureCheck:
        """Broken check"""
        raise RuntimeError("boom")

    monkeypatch.setattr(posture, "_CHECKS", [*posture._CHECKS, (99, broken)])
    assert statuses(client_for(it_admin))["Broken check"] == "problem"


def test_a_site_in_report_only_mode_is_a_warning(it_admin, home) -> None:
    from wagtail.models import Site

    from commonground.governance.models import SecuritySettings

    assert statuses(client_for(it_admin))["Content-Security-Policy enforcing"] == "ok"
    site = Site.objects.get(is_default_site=True)
    SecuritySettings.objects.create(site=site, csp_mode=SecuritySettings.CspMode.REPORT_ONLY)
    assert statuses(client_for(it_admin))["Content-Security-Policy enforcing"] == "warning"
    assert str(site) in posture.csp_enforcing().found


def test_unapproved_hosts_found_by_the_scan_are_a_problem(it_admin, home) -> None:
    from commonground.content.models import StandardPage
    from commonground.governance.scan.services import scan_site

    assert posture.no_unapproved_hosts().status == posture.Status.WARNING  # never scanned
    scan_site(trigger="command")
    assert posture.no_unapproved_hosts().status == posture.Status.OK
    page = StandardPage(
        title="Legacy", body=[("html", '<script src="https://x.tracker.example/t.js"></script>')]
    )
    home.add_child(instance=page)
    scan_site(trigger="command")
    check = posture.no_unapproved_hosts()
    assert check.status == posture.Status.PROBLEM
    assert "x.tracker.example" in check.found
    assert statuses(client_for(it_admin))["No unapproved third-party hosts"] == "problem"
