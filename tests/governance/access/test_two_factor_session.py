"""Two-factor for the session, not the path: a user who owes a code is signed in nowhere, the
login-only public pages included, until the code is given (issue 14, point 8)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from commonground.content.models import HomePage
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR

from ...content.factories import StandardPageFactory
from ...core.factories import PASSWORD, UserFactory, app_code, authenticator_key, give_authenticator

pytestmark = pytest.mark.django_db

VERIFY = reverse("governance_two_factor_verify")
SET_UP = reverse("governance_two_factor")


@pytest.fixture
def members(home: HomePage) -> Any:
    page = StandardPageFactory(parent=home, title="Members only", slug="members")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    return page


def signed_in_with_password(user: Any) -> Client:
    client = Client()
    response = client.post(
        reverse("wagtailadmin_login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session, "the password was right: half signed in"
    return client


def served(response: Any) -> bool:
    return response.status_code == 200 and "Members only" in response.content.decode()


def test_a_password_alone_opens_no_login_only_page_the_code_does(members: Any) -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    give_authenticator(user)
    client = signed_in_with_password(user)

    page = client.get("/members/")
    assert not served(page)
    assert page.status_code == 302
    assert page["Location"].startswith("/_util/login/?next=/members/")
    # The sign-in page it sends them to asks for the code instead of a password again.
    asked = client.get(page["Location"])
    assert asked["Location"] == f"{VERIFY}?next=%2Fmembers%2F"
    assert client.get(reverse("wagtailadmin_login") + "?next=/members/")["Location"] == (
        f"{VERIFY}?next=%2Fmembers%2F"
    )

    verified = client.post(
        VERIFY, {"code": app_code(authenticator_key(user.username)), "next": "/members/"}
    )
    assert verified.status_code == 302
    assert verified["Location"] == "/members/"
    assert served(client.get("/members/"))


def test_an_it_admin_without_an_app_opens_nothing_until_they_set_one_up(members: Any) -> None:
    client = signed_in_with_password(UserFactory(roles=[IT_ADMINISTRATOR]))
    assert not served(client.get("/members/"))
    assert client.get("/_util/login/?next=/members/")["Location"] == (
        f"{SET_UP}?next=%2Fmembers%2F"
    )
    assert client.get(SET_UP).status_code == 200, "the set-up page itself still opens"


def test_anyone_with_an_app_owes_the_code_and_anyone_without_one_has_signed_in(
    members: Any,
) -> None:
    volunteer = UserFactory(roles=[MARKETING_EDITOR])
    give_authenticator(volunteer)  # not required for editors, but set up: the code counts
    assert not served(signed_in_with_password(volunteer).get("/members/"))
    editor = UserFactory(roles=[MARKETING_EDITOR])  # no second factor: the password is all
    assert served(signed_in_with_password(editor).get("/members/"))
