"""Site tags: marketing puts a vendor's script on every page without a deploy, from hosts IT
approved only, held for consent where the vendor needs it; through the admin's views and
the public pages, as people use them."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from commonground.governance.models import SiteTag, Technology
from commonground.governance.registry import services
from commonground.governance.scripts.models import ReviewedScript
from commonground.governance.scripts.services import sri_hash

from ...conftest import client_for
from ..factories import registered_technology

ADD = reverse("governance_site_tags:add")
INDEX = reverse("governance_site_tags:index")


def _tag(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Insight tag",
        "script_url": "https://snap.ads.example/insight.js",
        "placement": "head",
        "load_async": "on",
        "site": "",
        "enabled": "on",
    }
    data.update(changes)
    return data


def reviewed(url: str) -> str:
    """The script at ``url`` as IT approved it (tests/governance/scripts fetch it for real)."""
    integrity = sri_hash(url.encode())
    ReviewedScript.objects.create(url=url, integrity=integrity, status="reviewed")
    return integrity


@pytest.fixture
def ads(it_admin: Any) -> Technology:
    return registered_technology(
        it_admin,
        name="Ads Insight",
        hosts={"script-src": ["snap.ads.example"]},
        consent_purpose="marketing",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publisher_adds_a_tag_and_every_page_carries_it_held_for_consent(
    home: Any, publisher: Any, ads: Technology
) -> None:
    visitor = Client()
    assert "snap.ads.example" not in visitor.get("/").content.decode()  # cached now
    response = client_for(publisher).post(ADD, _tag())
    assert response.status_code == 302
    assert "snap.ads.example" not in visitor.get("/").content.decode()  # not reviewed yet
    listing = client_for(publisher).get(INDEX).content.decode()
    assert "not loaded: its script has no reviewed hash" in listing
    integrity = reviewed("https://snap.ads.example/insight.js")
    SiteTag.objects.get().save()  # the tag's save re-renders the pages, as a review does
    body = visitor.get("/").content.decode()
    head = body.split("</head>")[0]
    assert (
        '<script data-consent-src="https://snap.ads.example/insight.js" async '
        'data-consent-purpose="marketing" type="text/plain" '
        f'integrity="{integrity}" crossorigin="anonymous" data-site-tag="Insight tag">'
    ) in head
    assert 'id="cg-consent"' in body
    listing = client_for(publisher).get(INDEX).content.decode()
    assert "loads after consent (marketing)" in listing


@pytest.mark.django_db
def test_a_tag_from_an_unapproved_host_is_refused_naming_it(home: Any, publisher: Any) -> None:
    response = client_for(publisher).post(ADD, _tag(script_url="https://px.tracker.example/t.js"))
    assert response.status_code == 200
    errors = response.context["form"].errors["script_url"]
    assert "Scripts from “px.tracker.example” are not approved" in errors[0]
    assert "host=px.tracker.example&directive=script-src" in errors[0]
    assert not SiteTag.objects.exists()


@pytest.mark.django_db
def test_a_necessary_vendor_loads_at_once_and_a_retired_one_not_at_all(
    home: Any, it_admin: Any, publisher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        chat = registered_technology(
            it_admin, name="Support chat", hosts={"script-src": ["widget.chat.example"]}
        )
        SiteTag.objects.create(
            name="Chat", script_url="https://widget.chat.example/w.js", placement="body"
        )
        integrity = reviewed("https://widget.chat.example/w.js")
    body = Client().get("/").content.decode()
    assert (
        f'<script src="https://widget.chat.example/w.js" async integrity="{integrity}" '
        'crossorigin="anonymous" data-site-tag="Chat">' in (body.split("</main>")[1])
    )
    chat.status = Technology.Status.RETIRED
    with django_capture_on_commit_callbacks(execute=True):
        services.save_technology(user=it_admin, technology=chat, hosts=services.hosts_of(chat))
    assert "widget.chat.example" not in Client().get("/").content.decode()
    listing = client_for(publisher).get(INDEX).content.decode()
    assert "not loaded: widget.chat.example is not approved for scripts" in listing


@pytest.mark.django_db
def test_a_disabled_tag_or_another_sites_tag_is_not_on_the_page(home: Any, ads: Technology) -> None:
    from wagtail.models import Site

    other = Site.objects.create(hostname="other.example", root_page=home, port=81)
    SiteTag.objects.create(name="Off", script_url="https://snap.ads.example/a.js", enabled=False)
    SiteTag.objects.create(name="Other", script_url="https://snap.ads.example/b.js", site=other)
    body = Client().get("/").content.decode()
    assert "snap.ads.example" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_publishers_and_it_manage_tags(home: Any, request: Any, role: str, ads: Any) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(INDEX).status_code == 200  # everyone sees what runs on the site
    refused = client.post(ADD, _tag())
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert not SiteTag.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "not a url", "ftp://snap.ads.example/x.js", "https://" + "a" * 600],
)
def test_ugly_script_urls_are_refused(home: Any, publisher: Any, url: str, ads: Any) -> None:
    response = client_for(publisher).post(ADD, _tag(script_url=url))
    assert response.status_code == 200
    assert "script_url" in response.context["form"].errors
    assert not SiteTag.objects.exists()
