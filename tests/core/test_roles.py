"""The four roles, proven through Wagtail's admin HTTP views as each role's user."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, Workflow
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from commonground.core import roles

from ..conftest import client_for
from ..content.admin_forms import image_form_data, standard_page_form_data
from ..content.factories import ContentImageFactory, StandardPageFactory

pytestmark = pytest.mark.django_db

# Wagtail 8 names them /admin/users/ and /admin/users/new/.
USERS_INDEX = "wagtailusers_users:index"
USERS_ADD = "wagtailusers_users:add"


def edit_url(page: Page) -> str:
    return f"/admin/pages/{page.pk}/edit/"


def anonymous_text(page: Page) -> tuple[int, str]:
    response = Client().get(page.url)
    return response.status_code, response.content.decode()


def test_migration_creates_the_four_roles_and_the_approval_workflow() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {r.name for r in roles.ROLES}
    workflow = Workflow.objects.get(name=roles.APPROVAL_WORKFLOW)
    assert workflow.active
    task = workflow.tasks.get().specific
    assert task.name == roles.APPROVAL_TASK
    assert set(task.groups.values_list("name", flat=True)) == {
        roles.MARKETING_PUBLISHER,
        roles.IT_ADMINISTRATOR,
    }
    root = Page.get_first_root_node()
    assert root.get_workflow() == workflow


def test_editor_cannot_publish_the_page_stays_a_draft(home, editor) -> None:
    page = StandardPageFactory(parent=home, title="Draft news", live=False)
    client = client_for(editor)

    response = client.post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Draft news",
            paragraph="Editor wants this live",
            **{"action-publish": "action-publish"},
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert not page.live
    assert page.has_unpublished_changes
    # The edit was kept as a draft revision, nothing more.
    assert "Editor wants this live" in str(page.get_latest_revision_as_object().body)
    assert anonymous_text(page)[0] == 404


def test_editor_cannot_publish_an_edit_to_a_live_page(home, editor) -> None:
    page = StandardPageFactory(parent=home, title="Pricing")
    client = client_for(editor)

    response = client.post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Pricing",
            paragraph="Unapproved price cut",
            **{"action-publish": "action-publish"},
        ),
    )

    assert response.status_code == 302
    status, html = anonymous_text(page)
    assert status == 200
    assert "Unapproved price cut" not in html
    page.refresh_from_db()
    assert page.has_unpublished_changes


def test_publisher_can_publish_directly(home, publisher) -> None:
    # The control for the editor tests: the same POST by a publisher does go live.
    page = StandardPageFactory(parent=home, title="Launch", live=False)

    response = client_for(publisher).post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Launch",
            paragraph="Launch day copy",
            **{"action-publish": "action-publish"},
        ),
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    status, html = anonymous_text(page)
    assert status == 200
    assert "Launch day copy" in html


def test_editor_submits_publisher_approves_page_goes_live(home, editor, publisher) -> None:
    page = StandardPageFactory(parent=home, title="Spring campaign", live=False)

    response = client_for(editor).post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Spring campaign",
            paragraph="Spring is here",
            **{"action-submit": "action-submit"},
        ),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.workflow_in_progress
    assert not page.live
    task_state = page.current_workflow_task_state
    assert task_state.task.name == roles.APPROVAL_TASK
    assert anonymous_text(page)[0] == 404

    approve_url = f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/"
    # The editor is not in the approving groups.
    client_for(editor).post(approve_url, {"comment": ""})
    page.refresh_from_db()
    assert not page.live

    response = client_for(publisher).post(approve_url, {"comment": "Looks good"})

    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert not page.workflow_in_progress
    status, html = anonymous_text(page)
    assert status == 200
    assert "Spring is here" in html


def test_publisher_approves_through_the_edit_view(home, editor, publisher) -> None:
    page = StandardPageFactory(parent=home, title="Summer campaign", live=False)
    client_for(editor).post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Summer campaign",
            paragraph="Summer copy",
            **{"action-submit": "action-submit"},
        ),
    )
    page.refresh_from_db()
    assert page.workflow_in_progress

    response = client_for(publisher).post(
        edit_url(page),
        standard_page_form_data(
            page,
            title="Summer campaign",
            paragraph="Summer copy",
            **{
                "action-workflow-action": "true",
                "workflow-action-name": "approve",
            },
        ),
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    status, html = anonymous_text(page)
    assert status == 200
    assert "Summer copy" in html


def test_viewer_cannot_edit(home, viewer) -> None:
    page = StandardPageFactory(parent=home, title="About us")
    revisions_before = page.revisions.count()
    client = client_for(viewer)

    assert client.get("/admin/").status_code == 200  # a viewer may look around the admin
    response = client.get(edit_url(page))
    assert response.status_code in (302, 403)
    assert b'id="page-edit-form"' not in response.content

    response = client.post(
        edit_url(page),
        standard_page_form_data(
            page, title="Defaced", paragraph="Defaced", **{"action-publish": "action-publish"}
        ),
    )

    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert page.title == "About us"
    assert page.revisions.count() == revisions_before
    assert "Defaced" not in anonymous_text(page)[1]


def test_viewer_cannot_add_pages(home, viewer) -> None:
    url = f"/admin/pages/add/content/standardpage/{home.pk}/"
    response = client_for(viewer).post(
        url,
        nested_form_data(
            {
                "title": "Sneaky",
                "slug": "sneaky",
                "body": streamfield([]),
                "comments": inline_formset([]),
                "distribution": inline_formset([]),
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code in (302, 403)
    assert not Page.objects.filter(slug="sneaky").exists()


def test_editor_can_add_a_draft_page(home, editor) -> None:
    url = f"/admin/pages/add/content/standardpage/{home.pk}/"
    data = nested_form_data(
        {
            "title": "Fresh page",
            "slug": "fresh-page",
            "intro": "",
            "body": streamfield([("paragraph", rich_text("<p>Fresh</p>"))]),
            "comments": inline_formset([]),
            "distribution": inline_formset([]),
            "action-publish": "action-publish",
        }
    )

    response = client_for(editor).post(url, data)

    assert response.status_code == 302
    page = Page.objects.get(slug="fresh-page")
    assert not page.live


@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
@pytest.mark.parametrize("url_name", [USERS_INDEX, USERS_ADD])
def test_only_it_administrators_manage_users(request, role: str, url_name: str) -> None:
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse(url_name))
    assert response.status_code in (302, 403)
    users_before = get_user_model().objects.count()

    response = client_for(user).post(reverse(USERS_ADD), new_user_form("intruder"))

    assert response.status_code in (302, 403)
    assert get_user_model().objects.count() == users_before
    assert not get_user_model().objects.filter(username="intruder").exists()


def new_user_form(username: str, *groups: Group) -> dict:
    return {
        "username": username,
        "email": f"{username}@example.com",
        "first_name": "New",
        "last_name": "Colleague",
        "password1": "correct-horse-battery-staple-9",
        "password2": "correct-horse-battery-staple-9",
        "groups": [g.pk for g in groups],
    }


def test_it_administrator_lists_and_creates_users(it_admin, editor) -> None:
    client = client_for(it_admin)
    response = client.get(reverse(USERS_INDEX))
    assert response.status_code == 200
    assert editor.username in response.content.decode()
    assert reverse(USERS_ADD) == "/admin/users/new/"
    assert client.get(reverse(USERS_ADD)).status_code == 200

    editors = Group.objects.get(name=roles.MARKETING_EDITOR)
    response = client.post(reverse(USERS_ADD), new_user_form("newcolleague", editors))

    assert response.status_code == 302, response.content.decode()[:3000]
    user = get_user_model().objects.get(username="newcolleague")
    assert list(user.groups.all()) == [editors]
    assert not user.is_superuser
    assert user.check_password("correct-horse-battery-staple-9")


@pytest.mark.parametrize("role", ["editor", "publisher", "it_admin"])
def test_media_roles_can_upload_and_edit_images(request, role: str) -> None:
    # Wagtail checks image permissions against wagtailimages.Image, even for a custom model.
    client = client_for(request.getfixturevalue(role))
    image = ContentImageFactory(title="Shared photo")

    assert client.get("/admin/images/add/").status_code == 200
    response = client.post(f"/admin/images/{image.pk}/", image_form_data(image, credit="New"))

    assert response.status_code == 302
    assert response["Location"] != "/admin/"  # Wagtail's answer to a permission denial
    image.refresh_from_db()
    assert image.credit == "New"


def test_viewer_cannot_edit_images(viewer) -> None:
    image = ContentImageFactory(credit="Original")
    client_for(viewer).post(f"/admin/images/{image.pk}/", image_form_data(image, credit="New"))
    image.refresh_from_db()
    assert image.credit == "Original"
