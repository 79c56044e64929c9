"""The registry through its admin views (listing, filters, CSV export, who may change it)
and what other apps read of it (public.py)."""

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.governance import public
from commonground.governance.models import Technology
from commonground.governance.registry import services

from ...conftest import client_for
from ..factories import submitted_request


def _entry(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Chat Widget",
        "vendor": "Chatty Inc",
        "category": "chat",
        "owner": "",
        "business_purpose": "Support chat on product pages.",
        "annual_cost": "600",
        "contract_renewal": "",
        "data_category": "personal",
        "data_location": "other",
        # Critical tier: filed in review (the registry form may not approve it alone).
        "status": "in_review",
        "consent_purpose": "personalisation",
        "hosts_script": "widget.chatty.example",
        "hosts_frame": "*.chatty.example",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_it_adds_an_entry_and_the_tier_is_computed_and_logged(it_admin: Any) -> None:
    client = client_for(it_admin)
    assert client.get(reverse("governance_registry:add")).status_code == 200
    # Critical: the registry form may file it, not approve it (four eyes, via a request).
    response = client.post(reverse("governance_registry:add"), _entry())
    assert response.status_code == 302
    technology = Technology.objects.get()
    assert technology.risk_tier == "critical"  # personal 2 + abroad 1 + no DPA 1 + no SSO 1
    assert "data leaves the EU/EEA" in technology.risk_reason
    assert sorted(technology.hosts.values_list("directive", "host")) == [
        ("frame-src", "*.chatty.example"),
        ("script-src", "widget.chatty.example"),
    ]
    actions = ModelLogEntry.objects.for_instance(technology).values_list("action", flat=True)
    assert list(actions) == [services.TECHNOLOGY_CREATE]


@pytest.mark.django_db
def test_bad_hosts_in_the_registry_form_are_refused(it_admin: Any) -> None:
    response = client_for(it_admin).post(
        reverse("governance_registry:add"), _entry(hosts_script="widget.chatty.example\n*")
    )
    assert response.status_code == 200
    assert "hosts_script" in response.context["form"].errors
    assert not Technology.objects.exists()


@pytest.mark.django_db
def test_marketing_reads_the_registry_but_cannot_change_it(
    editor: Any, publisher: Any, viewer: Any, it_admin: Any
) -> None:
    request = submitted_request(editor)
    technology = request.technology
    for user in (editor, publisher, viewer):
        client = client_for(user)
        assert client.get(reverse("governance_registry:index")).status_code == 200
        assert (
            client.get(reverse("governance_registry:inspect", args=[technology.pk])).status_code
            == 200
        )
        add = client.post(reverse("governance_registry:add"), _entry())
        edit = client.post(
            reverse("governance_registry:edit", args=[technology.pk]),
            _entry(name=technology.name, status="approved", dpa_signed="on"),
        )
        for refused in (add, edit):
            assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    technology.refresh_from_db()
    assert (technology.status, technology.dpa_signed) == ("requested", False)
    assert Technology.objects.count() == 1
    # Services hold the rule too, for callers other than these views.
    with pytest.raises(services.PermissionDenied):
        services.decide(user=editor, request=request, approve=True, rationale="Mine.")
    with pytest.raises(services.PermissionDenied):
        services.save_technology(user=publisher, technology=technology, hosts={})


@pytest.mark.django_db
def test_listing_filters_and_search(it_admin: Any, editor: Any) -> None:
    client = client_for(it_admin)
    client.post(reverse("governance_registry:add"), _entry())
    client.post(
        reverse("governance_registry:add"),
        _entry(
            name="Web Fonts",
            vendor="Fonts Co",
            status="approved",
            category="fonts_cdn",
            data_category="none",
            data_location="eu_eea",
            consent_purpose="necessary",
            single_sign_on="on",
            hosts_script="",
            hosts_frame="",
            hosts_style="fonts.fonts.example",
        ),
    )
    index = reverse("governance_registry:index")

    def names(**query: str) -> set[str]:
        response = client.get(index, query)
        assert response.status_code == 200
        return {t.name for t in response.context["object_list"]}

    assert names() == {"Chat Widget", "Web Fonts"}
    assert names(risk_tier="low") == {"Web Fonts"}
    assert names(risk_tier="critical") == {"Chat Widget"}
    assert names(category="chat") == {"Chat Widget"}
    assert names(data_category="none") == {"Web Fonts"}
    assert names(consent_purpose="personalisation") == {"Chat Widget"}
    assert names(status="approved") == {"Web Fonts"}
    assert names(status="in_review") == {"Chat Widget"}
    assert names(q="fonts.fonts.example") == {"Web Fonts"}


@pytest.mark.django_db
def test_the_csv_export_is_complete_and_formula_safe(it_admin: Any) -> None:
    client = client_for(it_admin)
    client.post(
        reverse("governance_registry:add"),
        _entry(name='=HYPERLINK("http://evil.example","x")', vendor="@SUM(1+1)"),
    )
    client.post(reverse("governance_registry:add"), _entry(name="Plain", vendor="-2+3"))
    response = client.get(reverse("governance_registry:index"), {"export": "csv"})
    assert response.status_code == 200
    assert "technology-registry.csv" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(content)))
    by_risk = {row["Risk tier"] for row in rows}
    assert by_risk == {"critical"}
    names = {row["Tool"]: row for row in rows}
    evil = names['\'=HYPERLINK("http://evil.example","x")']
    assert evil["Vendor"] == "'@SUM(1+1)"
    assert names["Plain"]["Vendor"] == "'-2+3"
    assert evil["Hosts"] == "frame-src *.chatty.example script-src widget.chatty.example"
    assert evil["Annual cost"] == "600.00"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.django_db
def test_public_approved_hosts_only_from_approved_technologies(editor: Any, it_admin: Any) -> None:
    approved = submitted_request(
        editor, name="Approved", **{"script-src": ["a.example.com"], "img-src": ["i.example.com"]}
    )
    services.decide(user=it_admin, request=approved, approve=True, rationale="ok")
    submitted_request(editor, name="Pending", **{"script-src": ["pending.example.com"]})
    rejected = submitted_request(editor, name="Rejected", **{"script-src": ["r.example.com"]})
    services.decide(user=it_admin, request=rejected, approve=False, rationale="no")
    retired = submitted_request(editor, name="Retired", **{"script-src": ["old.example.com"]})
    services.decide(user=it_admin, request=retired, approve=True, rationale="ok")
    tech = Technology.objects.get(name="Retired")
    tech.status = Technology.Status.RETIRED
    services.save_technology(user=it_admin, technology=tech, hosts=services.hosts_of(tech))

    assert public.approved_hosts("script-src") == {"a.example.com"}
    assert public.approved_hosts("img-src") == {"i.example.com"}
    assert public.approved_hosts("frame-src") == set()
    with pytest.raises(ValueError, match="unknown directive"):
        public.approved_hosts("script")

    found = public.technology_for_host("A.Example.com")
    assert found is not None and (found.name, found.approved) == ("Approved", True)
    old = public.technology_for_host("old.example.com")
    assert old is not None and (old.status, old.approved) == ("retired", False)
    assert public.technology_for_host("unknown.example.com") is None
    assert public.technology_for_host("https://a.example.com/x") is None


@pytest.mark.django_db
def test_technology_for_host_matches_wildcards_exact_first(editor: Any, it_admin: Any) -> None:
    wide = submitted_request(editor, name="Wide", **{"script-src": ["*.vendor.example"]})
    services.decide(user=it_admin, request=wide, approve=True, rationale="ok")
    submitted_request(editor, name="Exact", **{"script-src": ["cdn.vendor.example"]})
    exact = public.technology_for_host("cdn.vendor.example")
    sub = public.technology_for_host("x.y.vendor.example")
    assert exact is not None and exact.name == "Exact"
    assert sub is not None and sub.name == "Wide"
    assert public.technology_for_host("vendor.example") is None  # *.d does not cover d
