"""Content that would load from a host IT has not approved is refused when the page is
saved, through the page editor's own form, with the host named and a pre-filled request."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from wagtail.models import Page

from commonground.content.models import StandardPage

from ...conftest import client_for
from ...content.admin_forms import standard_page_form_data
from ...content.factories import StandardPageFactory
from ..factories import registered_technology

EMBED = "https://maps.vendor.example/embed?place=office"


def _save(user: Any, page: StandardPage, *blocks: tuple[str, Any]) -> Any:
    data = standard_page_form_data(page, title=page.title, paragraph="Intro", blocks=blocks)
    return client_for(user).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def _embed(url: str = EMBED) -> tuple[str, Any]:
    return ("embed", {"url": url, "title": "Our office on the map", "aspect_ratio": "16-9"})


def _messages(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "messages":
                yield from value
            else:
                yield from _messages(value)
    elif isinstance(data, list):
        for value in data:
            yield from _messages(value)


def _errors(response: Any) -> str:
    """Every message of the page form's errors, block errors included, on one line each."""
    assert response.status_code == 200, "the form again, not the redirect of a save"
    form = response.context["form"]
    found = []
    for errors in form.errors.values():
        for error in errors.as_data():
            json_data = getattr(error, "as_json_data", None)
            found += list(_messages(json_data())) if json_data else list(error.messages)
    return "\n".join(found)


def _revisions(page: Page) -> int:
    return page.revisions.count()


@pytest.mark.django_db
def test_an_embed_from_an_unapproved_host_is_refused_naming_it(home: Any, editor: Any) -> None:
    page = StandardPageFactory(parent=home, title="Visit us")
    before = _revisions(page)
    text = _errors(_save(editor, page, _embed()))
    assert "Embedded frames from “maps.vendor.example” are not approved" in text
    assert "/admin/governance/requests/new/?host=maps.vendor.example&directive=frame-src" in text
    assert _revisions(page) == before


@pytest.mark.django_db
def test_the_same_embed_saves_once_it_approves_the_vendor(
    home: Any, editor: Any, it_admin: Any
) -> None:
    page = StandardPageFactory(parent=home, title="Visit us")
    registered_technology(it_admin, name="Maps", hosts={"frame-src": ["*.vendor.example"]})
    response = _save(editor, page, _embed())
    assert response.status_code == 302
    saved = StandardPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert [block.block_type for block in saved.body] == ["paragraph", "embed"]


@pytest.mark.django_db
def test_a_host_approved_for_scripts_is_not_approved_for_frames(
    home: Any, editor: Any, it_admin: Any
) -> None:
    page = StandardPageFactory(parent=home, title="Visit us")
    registered_technology(it_admin, name="Maps", hosts={"script-src": ["maps.vendor.example"]})
    assert _save(editor, page, _embed()).status_code == 200


@pytest.mark.django_db
def test_a_requested_vendor_is_still_refused(home: Any, editor: Any, it_admin: Any) -> None:
    page = StandardPageFactory(parent=home, title="Visit us")
    registered_technology(
        it_admin, name="Maps", hosts={"frame-src": ["maps.vendor.example"]}, status="in_review"
    )
    assert _save(editor, page, _embed()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("snippet", "named"),
    [
        (
            '<script src="https://cdn.chat.example/w.js"></script>',
            "Scripts from “cdn.chat.example”",
        ),
        (
            '<img src="//pixel.ads.example/p.gif" alt="">',
            "Images and media from “pixel.ads.example”",
        ),
        (
            '<form action="https://forms.crm.example/submit"><button>Go</button></form>',
            "Form submissions to “forms.crm.example”",
        ),
        (
            '<iframe src="https://survey.example/s/1"></iframe>',
            "Embedded frames from “survey.example”",
        ),
        (
            '<link rel="stylesheet" href="https://fonts.cdn.example/css">',
            "Style sheets from “fonts.cdn.example”",
        ),
        ("<script>alert(1)</script>", "Remove an inline script"),
        ('<a href="#" onclick="track()">x</a>', "Remove an onclick handler"),
    ],
)
def test_html_snippets_are_refused_for_every_way_to_load(
    home: Any, editor: Any, snippet: str, named: str
) -> None:
    page = StandardPageFactory(parent=home, title="Snippets")
    assert named in _errors(_save(editor, page, ("html", snippet)))


@pytest.mark.django_db
def test_first_party_and_approved_snippets_save(home: Any, editor: Any, it_admin: Any) -> None:
    registered_technology(
        it_admin,
        name="Chat",
        hosts={"script-src": ["cdn.chat.example"], "connect-src": ["api.chat.example"]},
    )
    page = StandardPageFactory(parent=home, title="Snippets")
    snippet = (
        '<script src="https://cdn.chat.example/w.js" async></script>'
        '<img src="/static/content/logo.png" alt=""><a href="https://elsewhere.example/">a link</a>'
        '<script type="application/ld+json">{"@type": "Organization"}</script>'
    )
    assert _save(editor, page, ("html", snippet)).status_code == 302


@pytest.mark.django_db
def test_an_external_image_and_a_video_need_approved_hosts(
    home: Any, editor: Any, it_admin: Any
) -> None:
    page = StandardPageFactory(parent=home, title="Media")
    image = (
        "external_image",
        {"url": "https://badges.example/b.png", "alt_text": "Badge", "caption": ""},
    )
    video = (
        "video",
        {"url": "https://www.youtube.com/watch?v=abc123", "title": "Demo", "poster": ""},
    )
    text = _errors(_save(editor, page, image, video))
    assert "Images and media from “badges.example”" in text
    assert "Embedded frames from “www.youtube-nocookie.com”" in text
    registered_technology(it_admin, name="Badges", hosts={"img-src": ["badges.example"]})
    registered_technology(
        it_admin, name="YouTube", hosts={"frame-src": ["www.youtube-nocookie.com"]}
    )
    assert _save(editor, page, image, video).status_code == 302


@pytest.mark.django_db
def test_the_request_link_opens_a_prefilled_request(editor: Any) -> None:
    url = reverse("governance_request_new") + "?host=Maps.Vendor.example&directive=frame-src"
    response = client_for(editor).get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["hosts_frame"].value() == "maps.vendor.example"
    assert "maps.vendor.example" in form["problem"].value()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "?host=https://x.example/&directive=frame-src",
        "?host=a.example&directive=nope",
        "?host=" + "a" * 5000,
    ],
)
def test_a_bad_prefill_is_ignored_not_an_error(editor: Any, query: str) -> None:
    response = client_for(editor).get(reverse("governance_request_new") + query)
    assert response.status_code == 200
    assert not response.context["form"]["hosts_frame"].value()
