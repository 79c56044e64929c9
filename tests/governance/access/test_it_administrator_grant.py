"""Granting IT Administrator (issue 14, point 7): by the user forms or the users list's
"Assign role", it is audited with the user's groups before and after, and every IT
administrator is told by e-mail (a real SMTP server) who granted it to whom and when. A
superuser is made only on the server (``createsuperuser``)."""

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, VIEWER
from commonground.governance.access import role_changes

from ...conftest import client_for
from ...core.factories import UserFactory, give_authenticator
from ...smtp_inbox import Inbox

pytestmark = pytest.mark.django_db

ADD = "/admin/users/new/"
NEW_PASSWORD = "a long new password 8813"
ASSIGN_ROLE = reverse("wagtail_bulk_action", args=("auth", "user", "assign_role"))


@pytest.fixture
def inbox(smtp: tuple[Inbox, int], settings: Any) -> Inbox:
    box, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    return box


@pytest.fixture
def colleague(db: None) -> Any:
    """A second IT administrator, who did not make the grant but is told of it."""
    user = UserFactory(roles=[IT_ADMINISTRATOR], username="colleague")
    give_authenticator(user)
    return user


def _group(name: str) -> str:
    return str(Group.objects.get(name=name).pk)


def _edit(user: Any) -> str:
    return f"/admin/users/edit/{user.pk}/"


def _edit_form(user: Any, *groups: str) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "groups": [_group(name) for name in groups],
    }


def _entries(user: Any, action: str) -> list[ModelLogEntry]:
    return list(ModelLogEntry.objects.filter(object_id=str(user.pk), action=action))


def _notices(inbox: Inbox) -> dict[str, str]:
    """Recipient → body of the grant notices received."""
    return {
        rcpts[0]: message.get_content()
        for rcpts, message in inbox.deliveries()
        if "was made an IT administrator" in str(message["Subject"])
    }


Capture = Callable[..., Any]


def test_a_grant_by_the_edit_form_is_audited_and_told_to_every_it_administrator(
    it_admin: Any,
    colleague: Any,
    editor: Any,
    inbox: Inbox,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(it_admin).post(
            _edit(editor), _edit_form(editor, MARKETING_EDITOR, IT_ADMINISTRATOR)
        )
    assert response.status_code == 302, response.content.decode()[-2000:]

    [entry] = _entries(editor, role_changes.GRANTED)
    assert entry.user_id == it_admin.pk
    assert entry.data["groups"] == {
        "before": [MARKETING_EDITOR],
        "after": [IT_ADMINISTRATOR, MARKETING_EDITOR],
    }
    notices = _notices(inbox)
    assert set(notices) == {it_admin.email, colleague.email, editor.email}
    body = notices[colleague.email]
    assert f"{editor.username} was made an IT administrator." in body
    assert f"Granted by: {it_admin.username}" in body
    assert f"When: {entry.timestamp:%Y-%m-%d %H:%M:%S}" in body
    assert f"Groups before: {MARKETING_EDITOR}" in body
    assert f"Groups after: {IT_ADMINISTRATOR}, {MARKETING_EDITOR}" in body
    assert "/admin/users/" in body


def test_a_new_user_made_it_administrator_is_audited_and_told(
    it_admin: Any, colleague: Any, inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    form = {
        "username": "newit",
        "email": "newit@example.com",
        "first_name": "New",
        "last_name": "It",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "groups": [_group(IT_ADMINISTRATOR)],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(it_admin).post(ADD, form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    made = get_user_model().objects.get(username="newit")
    [entry] = _entries(made, role_changes.GRANTED)
    assert entry.data["groups"] == {"before": [], "after": [IT_ADMINISTRATOR]}
    assert set(_notices(inbox)) == {it_admin.email, colleague.email, "newit@example.com"}


def test_assign_role_on_the_users_list_is_audited_and_told(
    it_admin: Any,
    colleague: Any,
    inbox: Inbox,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    viewers = [UserFactory(roles=[VIEWER]) for _ in range(2)]
    query = "?" + "&".join(f"id={user.pk}" for user in viewers)
    client = client_for(it_admin)
    assert client.get(ASSIGN_ROLE + query).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASSIGN_ROLE + query, {"role": _group(IT_ADMINISTRATOR)})
    assert response.status_code == 302
    for user in viewers:
        [entry] = _entries(user, role_changes.GRANTED)
        assert entry.data["groups"] == {"before": [VIEWER], "after": [IT_ADMINISTRATOR, VIEWER]}
        assert entry.user_id == it_admin.pk
    # One notice per grant, to each IT administrator.
    assert inbox.by_recipient()[colleague.email] == 2


def test_changes_that_do_not_touch_the_role_grant_nothing_and_tell_no_one(
    it_admin: Any, editor: Any, inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(it_admin).post(_edit(editor), _edit_form(editor, MARKETING_EDITOR, VIEWER))
    assert not ModelLogEntry.objects.filter(action__startswith="governance.role.").exists()
    assert inbox.count() == 0


def test_removing_the_role_is_audited_without_a_notice(
    it_admin: Any, colleague: Any, inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(it_admin).post(_edit(colleague), _edit_form(colleague, VIEWER))
    assert response.status_code == 302
    [entry] = _entries(colleague, role_changes.REVOKED)
    assert entry.data["groups"] == {"before": [IT_ADMINISTRATOR], "after": [VIEWER]}
    assert inbox.count() == 0


def test_assign_role_does_not_reach_a_superuser_for_an_it_administrator(it_admin: Any) -> None:
    root = UserFactory(is_superuser=True)
    response = client_for(it_admin).post(f"{ASSIGN_ROLE}?id={root.pk}", {"role": _group(VIEWER)})
    assert response.status_code in {200, 302}
    assert list(root.groups.all()) == []


def test_a_superuser_is_made_on_the_server_with_createsuperuser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(os.environ, "DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com")
    root = get_user_model().objects.get(username="root")
    assert root.is_superuser and root.check_password(NEW_PASSWORD)
