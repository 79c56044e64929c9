"""No quiet root: the admin's user forms never offer the superuser flag, a posted one is
ignored, and only a superuser changes a superuser's account."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR

from ...conftest import client_for
from ...core.factories import PASSWORD, UserFactory, give_authenticator

pytestmark = pytest.mark.django_db

ADD = "/admin/users/new/"
NEW_PASSWORD = "a long new password 8813"


def _edit(user: Any) -> str:
    return f"/admin/users/edit/{user.pk}/"


def _new_user(**changes: str) -> dict[str, str]:
    return {
        "username": "mallory",
        "email": "mallory@example.com",
        "first_name": "Mallory",
        "last_name": "Root",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "groups": str(Group.objects.get(name=MARKETING_EDITOR).pk),
        **changes,
    }


@pytest.fixture
def superuser(db: None) -> Any:
    user = UserFactory(is_superuser=True, is_staff=True)
    give_authenticator(user)
    return user


def test_the_add_user_form_offers_no_superuser_flag(it_admin: Any) -> None:
    page = client_for(it_admin).get(ADD)
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert 'name="is_superuser"' not in page.content.decode()


def test_a_posted_superuser_flag_makes_no_superuser(it_admin: Any) -> None:
    response = client_for(it_admin).post(ADD, _new_user(is_superuser="on"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    made = get_user_model().objects.get(username="mallory")
    assert made.is_superuser is False
    assert list(made.groups.values_list("name", flat=True)) == [MARKETING_EDITOR]


def test_an_it_admin_cannot_make_a_colleague_superuser(it_admin: Any, editor: Any) -> None:
    client = client_for(it_admin)
    assert 'name="is_superuser"' not in client.get(_edit(editor)).content.decode()
    data = {
        "username": editor.username,
        "email": editor.email,
        "first_name": editor.first_name,
        "last_name": editor.last_name,
        "is_active": "on",
        "is_superuser": "on",
        "groups": str(Group.objects.get(name=MARKETING_EDITOR).pk),
    }
    response = client.post(_edit(editor), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    editor.refresh_from_db()
    assert editor.is_superuser is False


def test_an_it_admin_cannot_change_a_superusers_account(it_admin: Any, superuser: Any) -> None:
    client = client_for(it_admin)
    page = client.get(_edit(superuser))
    assert page.status_code == 403
    assert "Only a superuser may change a superuser" in page.content.decode()
    refused = client.post(
        _edit(superuser),
        {
            "username": superuser.username,
            "email": "it-admin@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "is_active": "on",
        },
    )
    assert refused.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email != "it-admin@example.com"
    assert superuser.check_password(PASSWORD)


def test_a_superuser_still_manages_accounts_but_grants_no_superuser(superuser: Any) -> None:
    client = client_for(superuser)
    assert client.get(_edit(superuser)).status_code == 200
    response = client.post(ADD, _new_user(is_superuser="on", username="trent"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert get_user_model().objects.get(username="trent").is_superuser is False
    assert Group.objects.filter(name=IT_ADMINISTRATOR).exists()
