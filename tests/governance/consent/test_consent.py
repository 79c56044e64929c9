"""The consent banner derived from the registry, the consent gate on content, and the count
of choices (through the HTTP stack, as visitors' browsers reach them)."""

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from commonground.governance.models import ConsentRecord, ConsentTally

from ...conftest import client_for
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


CONSENT_ID = "0123456789abcdef0123456789abcdef"


def _version() -> str:
    from commonground.governance.consent.banner import banner

    return banner().version


def _choose(client: Client, body: Any, **headers: Any) -> Any:
    if isinstance(body, dict) and "purposes" in body:
        body = {"id": CONSENT_ID, "version": _version(), **body}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/-/consent", data, content_type="application/json", **headers)


@pytest.fixture
def heatmaps(it_admin: Any) -> Any:
    return registered_technology(
        it_admin, name="Heatmaps", hosts={"script-src": ["hm.example"]}, consent_purpose="analytics"
    )


@pytest.mark.django_db
def test_each_choice_is_recorded_and_counted_with_nothing_about_the_visitor(
    home: Any, ads: Any, heatmaps: Any
) -> None:
    client = Client()
    first = _choose(
        client,
        {"purposes": {"marketing": True, "analytics": False}},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 Unmistakable/1.0",
    )
    assert first.status_code == 200
    assert first.json() == {
        "id": CONSENT_ID,
        "purposes": {"marketing": True, "analytics": False},
        "gpc": False,
    }
    assert (
        _choose(client, {"purposes": {"marketing": False, "analytics": False}}).status_code == 200
    )
    counts = {
        row.purpose: (row.granted, row.declined)
        for row in ConsentTally.objects.filter(day=timezone.localdate())
    }
    assert counts == {"marketing": (1, 1), "analytics": (0, 2)}
    records = list(ConsentRecord.objects.order_by("pk"))
    assert [(r.consent_id, r.granted, r.refused, r.gpc) for r in records] == [
        (CONSENT_ID, ["marketing"], ["analytics"], False),
        (CONSENT_ID, [], ["analytics", "marketing"], False),
    ]
    assert {r.banner_version for r in records} == {_version()}
    assert abs((timezone.now() - records[0].chosen_at).total_seconds()) < 60
    # No address and no user agent, in any column.
    columns = {field.name for field in ConsentRecord._meta.get_fields()}
    assert columns == {
        "id",
        "consent_id",
        "site",
        "banner_version",
        "granted",
        "refused",
        "gpc",
        "chosen_at",
    }
    stored = json.dumps(list(ConsentRecord.objects.values()), default=str)
    assert "203.0.113.9" not in stored and "Unmistakable" not in stored


@pytest.mark.django_db
def test_global_privacy_control_refuses_marketing_whatever_was_clicked(
    home: Any, ads: Any, heatmaps: Any
) -> None:
    everything = {"purposes": {"marketing": True, "analytics": True}}
    by_header = _choose(Client(), everything, HTTP_SEC_GPC="1")
    by_body = _choose(Client(), {**everything, "gpc": True})
    for response in (by_header, by_body):
        assert response.status_code == 200
        assert response.json()["purposes"] == {"marketing": False, "analytics": True}
        assert response.json()["gpc"] is True
    records = list(ConsentRecord.objects.all())
    assert [(r.granted, r.refused, r.gpc) for r in records] == [
        (["analytics"], ["marketing"], True)
    ] * 2
    without = _choose(Client(), everything, HTTP_SEC_GPC="0")
    assert without.json() == {"id": CONSENT_ID, "purposes": everything["purposes"], "gpc": False}


@pytest.mark.django_db
def test_the_banner_version_changes_with_the_purposes_and_an_old_one_is_refused(
    home: Any, ads: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = _version()
    config = _banner_config(Client().get("/").content.decode())
    assert config["version"] == before
    assert config["max_age_days"] == 365
    assert config["gpc_refuses"] == ["marketing"]
    with django_capture_on_commit_callbacks(execute=True):
        registered_technology(
            it_admin,
            name="Heatmaps",
            hosts={"script-src": ["hm.example"]},
            consent_purpose="analytics",
        )
    assert _version() != before
    assert _banner_config(Client().get("/").content.decode())["version"] == _version()
    stale = {
        "id": CONSENT_ID,
        "version": before,
        "purposes": {"marketing": True, "analytics": True},
    }
    response = _choose(Client(), stale)
    assert response.status_code == 409
    assert "reload" in response.json()["error"]
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_how_long_a_choice_holds_is_a_setting(home: Any, ads: Any, settings: Any) -> None:
    settings.CONSENT_MAX_AGE_DAYS = 30
    body = Client().get("/").content.decode()
    assert _banner_config(body)["max_age_days"] == 30
    assert "We ask again after 30 days" in body


def _banner_config(body: str) -> dict[str, Any]:
    return json.loads(  # type: ignore[no-any-return]
        body.split('id="cg-consent-config" type="application/json">')[1].split("<")[0]
    )


NESTED = json.loads("[" * 400 + "]" * 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"not json", 400, "not valid JSON"),
        (b"\xff\xfe{}", 400, "UTF-8"),
        (b"[" * 1000 + b"]" * 20, 400, "deeper than 4 levels"),
        ({"purposes": NESTED}, 400, "deeper than 4 levels"),
        ({"purposes": {"marketing": NESTED}}, 400, "deeper than 4 levels"),
        (b'{"purposes": {"marketing": true, "marketing": false}}', 400, "twice"),
        ({"purposes": {"marketing": "yes"}}, 400, "true or false"),
        ({"purposes": {"marketing": [[True]]}}, 400, "true or false"),
        ({"purposes": {"marketing": [[[[True]]]]}}, 400, "deeper than 4 levels"),
        ({"purposes": {"espionage": True, "marketing": True}}, 400, "espionage"),
        ({"purposes": {"\ud800": True}}, 400, "\\ud800"),
        ({"purposes": {}}, 400, "purposes"),
        ({"purposes": [["marketing", True]]}, 400, "purposes"),
        ({"purposes": {"marketing": True}, "gpc": "1"}, 400, "gpc"),
        ({"purposes": {"marketing": True}, "ip": "1.2.3.4"}, 400, "ip"),
        ({"id": "short", "version": "x", "purposes": {"marketing": True}}, 400, "id"),
        ({"id": ["0" * 32], "version": "x", "purposes": {"marketing": True}}, 400, "id"),
        ({"id": "-" * 32, "version": "x", "purposes": {"marketing": True}}, 400, "id"),
        ({"id": CONSENT_ID, "version": 7, "purposes": {"marketing": True}}, 400, "version"),
        ([1, 2], 400, "purposes"),
        (b'{"purposes": {"marketing": true}, "x": "' + b"a" * 2000 + b'"}', 413, "1024"),
    ],
)
def test_bad_choices_get_a_clear_4xx_and_record_nothing(
    home: Any, ads: Any, body: Any, status: int, says: str
) -> None:
    response = _choose(Client(), body)
    assert response.status_code == status
    assert says in response.json()["error"]
    assert not ConsentTally.objects.exists()
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_every_purpose_on_offer_needs_an_answer(home: Any, ads: Any, heatmaps: Any) -> None:
    response = _choose(Client(), {"purposes": {"marketing": True}})
    assert response.status_code == 400
    assert response.json()["error"] == "No choice for: analytics."


@pytest.mark.django_db
def test_a_choice_in_another_content_type_is_refused(home: Any, ads: Any) -> None:
    body = json.dumps({"id": CONSENT_ID, "version": _version(), "purposes": {"marketing": True}})
    form = Client().post("/-/consent", body, content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    beacon = Client().post("/-/consent", body, content_type="text/plain")
    assert beacon.status_code == 200


@pytest.mark.django_db
def test_a_choice_is_refused_while_nothing_needs_consent(home: Any) -> None:
    assert _choose(Client(), {"purposes": {"marketing": True}}).status_code == 400


def _record(consent_id: str, *, days_old: int = 0, gpc: bool = False) -> ConsentRecord:
    from wagtail.models import Site

    return ConsentRecord.objects.create(
        consent_id=consent_id,
        site=Site.objects.get(is_default_site=True),
        banner_version="abcdef012345",
        granted=["analytics"],
        refused=["marketing"],
        gpc=gpc,
        chosen_at=timezone.now() - timedelta(days=days_old),
    )


RECORDS_URL = "/admin/governance/consent/records/"


@pytest.mark.django_db
def test_it_finds_a_visitors_records_by_their_id_and_exports_them(home: Any, it_admin: Any) -> None:
    mine, other = "a" * 32, "b" * 32
    _record(mine, days_old=2, gpc=True)
    _record(mine)
    _record(other)
    client = client_for(it_admin)
    page = client.get(RECORDS_URL, {"id": mine})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count(f'data-consent-id="{mine}"') == 2
    assert other not in body
    export = client.get(RECORDS_URL, {"id": mine, "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == [
        "consent_id",
        "chosen_at",
        "site",
        "banner_version",
        "granted",
        "refused",
        "gpc",
    ]
    assert [(r[0], r[4], r[5], r[6]) for r in rows[1:]] == [
        (mine, "analytics", "marketing", "no"),
        (mine, "analytics", "marketing", "yes"),
    ]
    everything = client.get(RECORDS_URL, {"format": "csv"})
    assert len(list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode())))) == 4
    bad = client.get(RECORDS_URL, {"id": "=HYPERLINK(1)"})
    assert bad.status_code == 400
    assert "16 to 64 letters and digits" in bad.content.decode()


@pytest.mark.django_db
def test_only_it_sees_the_records(home: Any, viewer: Any, editor: Any) -> None:
    _record("c" * 32)
    for user in (viewer, editor):
        assert client_for(user).get(RECORDS_URL).status_code in {302, 403}
    assert Client().get(RECORDS_URL).status_code == 302


@pytest.mark.django_db
def test_records_are_kept_under_the_retention_rules(home: Any) -> None:
    from commonground.governance.privacy import retention

    policy = retention.policy("consent_records")
    assert policy is not None and policy.days == 3 * 365 and policy.enabled
    old, new = _record("d" * 32, days_old=3 * 365 + 1), _record("e" * 32, days_old=3 * 365 - 1)
    run = retention.run_retention()
    assert run.removed["consent_records"] == 1
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [new.pk]
    assert not ConsentRecord.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_video_block_names_the_purpose_its_player_needs(home: Any, it_admin: Any) -> None:
    video = ("video", {"url": "https://www.youtube.com/watch?v=abc123", "title": "Our film"})
    page = StandardPageFactory(parent=home, title="Film", body=[video])
    plain = Client().get(page.url).content.decode()
    assert "data-video-purpose" not in plain and "data-video-consent" not in plain
    registered_technology(
        it_admin,
        name="YouTube",
        hosts={"frame-src": ["www.youtube-nocookie.com"]},
        consent_purpose="marketing",
    )
    held = StandardPageFactory(parent=home, title="Film 2", body=[video])
    body = Client().get(held.url).content.decode()
    assert 'data-video-purpose="marketing"' in body
    assert "needs your agreement to marketing first" in body
    # The player's address is only in a data attribute: nothing loads it until play.
    assert 'src="https://www.youtube-nocookie.com' not in body
