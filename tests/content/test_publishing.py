"""Publishing without traps (issue 15, point 7) through HTTP: one page per create form, the
reviewer's primary action, and the schedule dialog's time zone data."""

import json
import re

from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page

from ..conftest import client_for
from .factories import StandardPageFactory

KEY = "0123456789abcdef0123456789abcdef"


def _create_form(title: str, **extra: str) -> dict[str, str]:
    return {
        "title": title,
        "slug": re.sub(r"\W+", "-", title.lower()),
        "intro": "",
        "body-count": "0",
        "distribution-TOTAL_FORMS": "0",
        "distribution-INITIAL_FORMS": "0",
        "distribution-MIN_NUM_FORMS": "0",
        "distribution-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        **extra,
    }


def _add_url(home: Page) -> str:
    return f"/admin/pages/add/content/standardpage/{home.pk}/"


def test_publish_sent_before_the_autosave_answer_publishes_the_autosaved_page(
    home, publisher
) -> None:
    client = client_for(publisher)
    autosave = client.post(
        _add_url(home),
        _create_form("Quick launch", cg_creation_key=KEY),
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 200, autosave.content
    assert autosave.json()["success"]
    # The browser has not seen that answer: its form still posts to the create view.
    published = client.post(
        _add_url(home), _create_form("Quick launch", cg_creation_key=KEY, **{"action-publish": "1"})
    )
    assert published.status_code == 302, published.content.decode()[:2000]
    pages = Page.objects.filter(slug="quick-launch")
    assert pages.count() == 1
    assert pages.get().live


def test_a_new_form_still_refuses_a_slug_in_use(home, publisher) -> None:
    StandardPageFactory(parent=home, title="Taken", slug="taken")
    client = client_for(publisher)
    response = client.post(_add_url(home), _create_form("Taken", cg_creation_key=KEY))
    assert response.status_code == 200
    assert "is already in use" in response.content.decode()
    assert Page.objects.filter(slug="taken").count() == 1


def test_a_key_from_another_user_does_not_reach_their_page(home, publisher, editor) -> None:
    client_for(publisher).post(
        _add_url(home),
        _create_form("Mine", cg_creation_key=KEY),
        headers={"Accept": "application/json"},
    )
    response = client_for(editor).post(_add_url(home), _create_form("Mine", cg_creation_key=KEY))
    # The key lives in the publisher's session: the editor's form is a new page, refused
    # for the slug the publisher's page holds, and the publisher's page is untouched.
    assert response.status_code == 200
    assert "is already in use" in response.content.decode()
    assert Page.objects.get(slug="mine").owner == publisher


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=st.text(max_size=300) | st.binary(max_size=64).map(lambda b: b.hex()))
def test_odd_creation_keys_never_fail_the_server(home, publisher, key: str) -> None:
    client = client_for(publisher)
    response = client.post(
        _add_url(home),
        _create_form("", cg_creation_key=key.replace("\x00", "")),
        headers={"Accept": "application/json"},
    )
    assert response.status_code < 500
    assert response.status_code == 400 or response.json()["success"] is False


def test_the_reviewer_gets_approve_and_publish_as_the_primary_button(
    home, editor, publisher
) -> None:
    page = StandardPageFactory(parent=home, title="For review", live=False)
    page.save_revision(user=editor)
    workflow = page.get_workflow()
    assert workflow is not None
    workflow.start(page, editor)

    html = client_for(publisher).get(f"/admin/pages/{page.pk}/edit/").content.decode()
    footer = html[html.index("<footer") :]
    first_button = re.search(r"<button[^>]*>(.*?)</button>", footer, re.S)
    assert first_button is not None
    assert "Approve and publish" in re.sub(r"<[^>]+>|\s+", " ", first_button.group(1))
    # The editor, who may not approve, keeps Save draft first.
    editor_html = client_for(editor).get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Approve and publish" not in editor_html


@override_settings(TIME_ZONE="Europe/Paris")
def test_the_schedule_dialog_knows_the_zone_times_are_read_in(home, publisher) -> None:
    page = StandardPageFactory(parent=home, title="Zoned")
    html = client_for(publisher).get(f"/admin/pages/{page.pk}/edit/").content.decode()
    data = re.search(
        r'<script id="cg-publishing-time-zone" type="application/json">(.*?)</script>', html
    )
    assert data is not None
    zone = json.loads(data.group(1))
    assert zone["name"] == "Europe/Paris"
    assert zone["offset"] in {"UTC+1", "UTC+2"}
    assert zone["offsetMinutes"] in {60, 120}


def test_anonymous_visitors_reach_no_editor(home) -> None:
    response = Client().post(_add_url(home), _create_form("Nope", cg_creation_key=KEY))
    assert response.status_code == 302
    assert not Page.objects.filter(slug="nope").exists()
