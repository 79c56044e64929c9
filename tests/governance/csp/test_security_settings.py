"""Only IT administrators change the site's security settings (the CSP mode); marketing
can neither open nor post the form. Through Wagtail's settings views, as the admin uses them."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry, Site

from commonground.governance.models import SecuritySettings

from ...conftest import client_for


def _url(site: Site) -> str:
    return reverse("wagtailsettings:edit", args=["governance", "securitysettings", site.pk])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_switches_a_site_to_report_only_and_the_header_follows(home: Any, it_admin: Any) -> None:
    site = Site.objects.get(is_default_site=True)
    assert "Content-Security-Policy" in Client().get("/")
    client = client_for(it_admin)
    assert client.get(_url(site)).status_code == 200
    response = client.post(
        _url(site), {"csp_mode": "report-only", "csp_mode_reason": "Trying the new chat widget."}
    )
    assert response.status_code == 302
    assert SecuritySettings.objects.get(site=site).csp_mode == "report-only"
    page = Client().get("/")
    assert "Content-Security-Policy" not in page
    assert "default-src 'self'" in page["Content-Security-Policy-Report-Only"]
    assert ModelLogEntry.objects.filter(
        content_type__model="securitysettings", action="governance.csp_mode.change", user=it_admin
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
def test_marketing_cannot_change_security_settings(home: Any, request: Any, role: str) -> None:
    site = Site.objects.get(is_default_site=True)
    client = client_for(request.getfixturevalue(role))
    refused_get = client.get(_url(site))
    refused_post = client.post(_url(site), {"csp_mode": "report-only"})
    for refused in (refused_get, refused_post):
        assert refused.status_code == 302
        assert refused["Location"] == reverse("wagtailadmin_home")
    assert not SecuritySettings.objects.filter(csp_mode="report-only").exists()
    assert "Content-Security-Policy" in Client().get("/")


@pytest.mark.django_db
def test_an_unknown_mode_is_refused(home: Any, it_admin: Any) -> None:
    site = Site.objects.get(is_default_site=True)
    response = client_for(it_admin).post(_url(site), {"csp_mode": "off"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SecuritySettings.objects.exclude(csp_mode="enforcing").exists()


@pytest.mark.django_db
def test_report_only_needs_a_written_reason(home: Any, it_admin: Any) -> None:
    site = Site.objects.get(is_default_site=True)
    for reason in ("", "   "):
        refused = client_for(it_admin).post(
            _url(site), {"csp_mode": "report-only", "csp_mode_reason": reason}
        )
        assert refused.status_code == 200
        assert "Say why the policy stops blocking" in refused.content.decode()
    assert not SecuritySettings.objects.filter(csp_mode="report-only").exists()
    assert not ModelLogEntry.objects.filter(action="governance.csp_mode.change").exists()
    assert "Content-Security-Policy" in Client().get("/")


@pytest.mark.django_db
def test_the_switch_is_audited_with_reason_and_alerts_the_other_it_admins(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from commonground.core.roles import IT_ADMINISTRATOR

    from ...core.factories import UserFactory

    colleague = UserFactory(roles=[IT_ADMINISTRATOR], username="colleague.it")
    UserFactory(roles=["Marketing Editor"], username="marketing.person")
    site = Site.objects.get(is_default_site=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(it_admin).post(
            _url(site),
            {"csp_mode": "report-only", "csp_mode_reason": "Testing the <chat> widget's hosts."},
        )
    assert response.status_code == 302
    entry = ModelLogEntry.objects.get(action="governance.csp_mode.change")
    assert entry.user == it_admin
    assert entry.data == {
        "site": str(site),
        "before": "enforcing",
        "after": "report-only",
        "reason": "Testing the <chat> widget's hosts.",
    }
    # The other IT administrator only: not the one who switched it, not marketing.
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    message = mail.outbox[0]
    assert "now report only" in message.subject
    assert "Testing the <chat> widget's hosts." in message.body
    assert it_admin.get_username() in message.body or it_admin.get_full_name() in message.body

    # Switching back needs no reason, and is audited and announced as well.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        back = client_for(it_admin).post(_url(site), {"csp_mode": "enforcing"})
    assert back.status_code == 302
    changes = ModelLogEntry.objects.filter(action="governance.csp_mode.change").order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in changes] == [
        ("enforcing", "report-only"),
        ("report-only", "enforcing"),
    ]
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert "Content-Security-Policy" in Client().get("/")


@pytest.mark.django_db
def test_saving_without_a_mode_change_needs_no_reason_and_sends_nothing(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    site = Site.objects.get(is_default_site=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(it_admin).post(_url(site), {"csp_mode": "enforcing"})
    assert response.status_code == 302
    assert not ModelLogEntry.objects.filter(action="governance.csp_mode.change").exists()
    assert mail.outbox == []
