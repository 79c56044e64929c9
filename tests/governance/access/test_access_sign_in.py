"""Sign-in limits through HTTP: failed-password throttling, session timeouts, the password
policy."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
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


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    bystander = UserFactory(roles=[MARKETING_EDITOR])
    client = Client()
    for _ in range(5):
        response = sign_in(client, user.username, "not-the-password")
        assert response.status_code == 200
        assert "password didn" in response.content.decode()
    refused = sign_in(client, user.username.upper(), PASSWORD)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Too many failed sign-ins for this account. Try again in 15 minutes" in html
    assert client.get(HOME).status_code == 302, "not signed in"
    assert sign_in(Client(), bystander.username, PASSWORD).status_code == 302


def test_a_success_clears_the_count_for_the_username() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(4):
        sign_in(Client(), user.username, "wrong")
    assert sign_in(Client(), user.username, PASSWORD).status_code == 302
    for _ in range(4):
        sign_in(Client(), user.username, "wrong")
    assert sign_in(Client(), user.username, PASSWORD).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_SECONDS=1)
def test_sign_in_works_again_once_the_window_has_passed() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(2):
        sign_in(Client(), user.username, "wrong")
    assert "Try again in 1 minute" in sign_in(Client(), user.username, PASSWORD).content.decode()
    time.sleep(1.1)
    assert sign_in(Client(), user.username, PASSWORD).status_code == 302


@override_settings(LOGIN_FAILURE_ADDRESS_LIMIT=3)
def test_an_address_is_locked_across_usernames_and_forwarded_for_is_not_believed() -> None:
    users = [UserFactory(roles=[MARKETING_EDITOR]) for _ in range(4)]
    for n, user in enumerate(users[:3]):
        # A guesser rotating X-Forwarded-For does not get a new address: no proxy is trusted.
        sign_in(Client(), user.username, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    refused = sign_in(Client(), users[3].username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert "Too many failed sign-ins for your network address" in refused.content.decode()
    elsewhere = sign_in(Client(REMOTE_ADDR="192.0.2.7"), users[3].username, PASSWORD)
    assert elsewhere.status_code == 302


@override_settings(REST_FRAMEWORK={"NUM_PROXIES": 1}, LOGIN_FAILURE_ADDRESS_LIMIT=2)
def test_behind_a_declared_proxy_the_forwarded_address_counts() -> None:
    # REST framework reloads its settings on override_settings: NUM_PROXIES is read anew.
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(2):
        sign_in(Client(), f"x{user.username}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1")
    behind = sign_in(Client(), user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert "network address" in behind.content.decode()
    other = sign_in(Client(), user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


@pytest.mark.parametrize("username", ["", "x" * 300, "ünïcødé\u202e", "a\x00b"])
def test_odd_usernames_are_answered_not_crashed_on(username: str) -> None:
    response = sign_in(Client(), username, "wrong")
    assert response.status_code == 200


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
