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
