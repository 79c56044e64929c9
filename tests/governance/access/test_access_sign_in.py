"""Sign-in limits through HTTP: session timeouts, the password policy (the failed-password
throttle: test_sign_in_throttle.py)."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from commonground.core.roles import MARKETING_EDITOR
from commonground.governance.access import sessions

from ...conftest import client_for
from ...core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")
HOME = reverse("wagtailadmin_home")


def sign_in(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = int(now - ago)
    session.save()


def test_an_idle_session_is_signed_out_with_a_message() -> None:
    client = client_for(UserFactory(roles=[MARKETING_EDITOR]))
    assert client.get(HOME).status_code == 200
    _age_session(client, **{sessions.LAST_SEEN: 29 * 60})
    assert client.get(HOME).status_code == 200, "29 minutes idle is still signed in"
    _age_session(client, **{sessions.LAST_SEEN: 31 * 60})
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "You were signed out after 30 minutes without activity" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_the_last_seen_time_is_written_at_most_once_a_minute() -> None:
    client = client_for(UserFactory(roles=[MARKETING_EDITOR]))
    client.get(HOME)
    first = client.session[sessions.LAST_SEEN]
    _age_session(client, **{sessions.LAST_SEEN: 30})
    client.get(HOME)
    assert client.session[sessions.LAST_SEEN] == pytest.approx(first - 30, abs=2)
    _age_session(client, **{sessions.LAST_SEEN: 61})
    client.get(HOME)
    assert client.session[sessions.LAST_SEEN] == pytest.approx(time.time(), abs=2)


def test_a_session_ends_twelve_hours_after_signing_in_however_busy() -> None:
    client = client_for(UserFactory(roles=[MARKETING_EDITOR]))
    client.get(HOME)
    _age_session(client, **{sessions.SIGNED_IN: 12 * 3600 + 5, sessions.LAST_SEEN: 5})
    response = client.get(HOME, follow=True)
    assert "You were signed out 12 hours after signing in" in response.content.decode()


def test_the_password_policy() -> None:
    user = UserFactory.build(username="maria.lopez", email="maria.lopez@example.com")
    for weak in ("password1234", "short-pw", "123456789012345", "maria.lopez2024"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("correct horse battery staple", user)
    validate_password(PASSWORD, user)


def test_the_admin_refuses_a_weak_new_password() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    response = client_for(user).post(
        reverse("wagtailadmin_account"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "password1234",
            "password-new_password2": "password1234",
        },
    )
    assert "too common" in response.content.decode()
