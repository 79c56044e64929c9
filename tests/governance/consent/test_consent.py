"""The consent banner derived from the registry, the consent gate on content, and the count
of choices (through the HTTP stack, as visitors' browsers reach them)."""

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from commonground.governance.models import ConsentTally

from ...content.factories import StandardPageFactory
from ..factories import registered_technology

PIXEL = '<script src="https://pixel.ads.example/p.js" async></script>'


@pytest.fixture
def ads(it_admin: Any, django_capture_on_commit_callbacks: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return registered_technology(
            it_admin,
            name="AdPixel",
            hosts={"script-src": ["pixel.ads.example"], "frame-src": ["*.ads.example"]},
            consent_purpose="marketing",
        )


@pytest.mark.django_db
def test_no_banner_while_no_approved_vendor_needs_consent(home: Any, it_admin: Any) -> None:
    registered_technology(it_admin, name="Fonts", hosts={"style-src": ["fonts.example"]})
    registered_technology(
        it_admin,
        name="Pending ads",
        hosts={"script-src": ["ads.example"]},
        consent_purpose="marketing",
        status="in_review",
    )
    body = Client().get("/").content.decode()
    assert 'id="cg-consent"' not in body
    assert "consent.js" not in body


@pytest.mark.django_db
def test_the_banner_lists_each_purpose_with_its_vendors(home: Any, ads: Any, it_admin: Any) -> None:
    registered_technology(
        it_admin,
        name="Heatmaps",
        hosts={"script-src": ["hm.example"]},
        consent_purpose="analytics",
    )
    response = Client().get("/")
    body = response.content.decode()
    assert 'id="cg-consent"' in body
    config = json.loads(
        body.split('id="cg-consent-config" type="application/json">')[1].split("<")[0]
    )
    assert [(p["name"], p["technologies"]) for p in config["purposes"]] == [
        ("analytics", ["Heatmaps"]),
        ("marketing", ["AdPixel"]),
    ]
    assert len(config["version"]) == 12


@pytest.mark.django_db
def test_a_snippet_from_a_vendor_that_needs_consent_is_written_inert(home: Any, ads: Any) -> None:
    page = StandardPageFactory(
        parent=home,
        title="Offers",
        body=[
            ("html", PIXEL + '<img src="https://first.example/x.png" alt="">'),
            ("embed", {"url": "https://tv.ads.example/v/1", "title": "Ad", "aspect_ratio": "16-9"}),
        ],
    )
    body = Client().get(page.url).content.decode()
    assert ' src="https://pixel.ads.example' not in body
    assert (
        '<script async data-consent-src="https://pixel.ads.example/p.js" type="text/plain" '
        'data-consent-purpose="marketing"></script>'
    ) in body
    assert 'data-consent-src="https://tv.ads.example/v/1"' in body
    assert ' src="https://tv.ads.example' not in body
    # Hosts that need no consent are left as they are (the policy decides on those).
    assert '<img src="https://first.example/x.png" alt="">' in body


@pytest.mark.django_db
def test_a_change_in_the_registry_reaches_cached_pages(
    home: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    page = StandardPageFactory(parent=home, title="Offers", body=[("html", PIXEL)])
    client = Client()
    assert 'src="https://pixel.ads.example/p.js"' in client.get(page.url).content.decode()
    assert client.get(page.url)["X-Cache"] == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        registered_technology(
            it_admin,
            name="AdPixel",
            hosts={"script-src": ["pixel.ads.example"]},
            consent_purpose="marketing",
        )
    response = client.get(page.url)
    assert response["X-Cache"] == "MISS"
    assert 'data-consent-src="https://pixel.ads.example/p.js"' in response.content.decode()


def _choose(client: Client, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/-/consent", data, content_type="application/json", **headers)


@pytest.mark.django_db
def test_choices_are_counted_per_day_and_purpose_with_nothing_about_the_visitor(
    home: Any, ads: Any, it_admin: Any
) -> None:
    registered_technology(
        it_admin, name="Heatmaps", hosts={"script-src": ["hm.example"]}, consent_purpose="analytics"
    )
    client = Client()
    assert _choose(client, {"purposes": {"marketing": True, "analytics": False}}).status_code == 204
    assert (
        _choose(client, {"purposes": {"marketing": False, "analytics": False}}).status_code == 204
    )
    assert _choose(client, {"purposes": {"marketing": True}}).status_code == 204
    counts = {
        row.purpose: (row.granted, row.declined)
        for row in ConsentTally.objects.filter(day=timezone.localdate())
    }
    assert counts == {"marketing": (2, 1), "analytics": (0, 2)}
    columns = {field.name for field in ConsentTally._meta.get_fields()}
    assert columns == {"id", "site", "day", "purpose", "granted", "declined"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        ({"purposes": {"marketing": "yes"}}, 400),
        ({"purposes": {"espionage": True}}, 400),
        ({"purposes": {}}, 400),
        ([1, 2], 400),
        (b'{"purposes": {"marketing": true}, "x": "' + b"a" * 2000 + b'"}', 413),
    ],
)
def test_bad_choices_get_a_clear_4xx_and_count_nothing(
    home: Any, ads: Any, body: Any, status: int
) -> None:
    response = _choose(Client(), body)
    assert response.status_code == status
    assert response.json()["error"]
    assert not ConsentTally.objects.exists()


@pytest.mark.django_db
def test_a_choice_is_refused_while_nothing_needs_consent(home: Any) -> None:
    assert _choose(Client(), {"purposes": {"marketing": True}}).status_code == 400
