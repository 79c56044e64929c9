"""The sign-in throttle through HTTP (issue 14, point 9): growing delays per address and per
account instead of a lock anyone can trigger; 429 with Retry-After; the password unchecked
while held back; a password reset lifts it; every step audited."""

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.core.http.client_address import forget_trusted_proxies
from commonground.core.roles import MARKETING_EDITOR
from commonground.governance.access import throttling

from ...core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")
HOME = reverse("wagtailadmin_home")
ATTACKER = "198.51.100.66"
OWNER = "192.0.2.10"
NEW_PASSWORD = "a brand new password 5521"


def sign_in(address: str, username: str, password: str, **extra: str) -> Any:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password}, **extra)
    response.client = client
    return response


@pytest.fixture
def password_checks() -> Iterator[list[str]]:
    """The usernames whose password Django checked and found wrong (its own signal)."""
    checked: list[str] = []

    def failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
        checked.append(credentials.get("username", ""))

    user_login_failed.connect(failed, dispatch_uid="test-password-checks")
    yield checked
    user_login_failed.disconnect(dispatch_uid="test-password-checks")


@pytest.fixture
def long_waits(settings: Any) -> None:
    """A first wait of 30 s: the tests that are not timing the waits stay clear of them."""
    settings.LOGIN_THROTTLE_FIRST_DELAY_SECONDS = 30


def _entries(user: Any, action: str) -> list[dict[str, Any]]:
    rows = ModelLogEntry.objects.filter(
        object_id=str(user.pk),
        content_type=ContentType.objects.get_for_model(get_user_model()),
        action=action,
    ).order_by("pk")
    return [row.data for row in rows]


def test_five_failures_then_429_with_retry_after_and_the_password_is_not_checked(
    password_checks: list[str], settings: Any
) -> None:
    # 5 s rather than the default 1 s: a loaded test machine must not outlast the wait.
    settings.LOGIN_THROTTLE_FIRST_DELAY_SECONDS = 5
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(5):
        response = sign_in(ATTACKER, user.username, "not-the-password")
        assert response.status_code == 200
        assert "password didn" in response.content.decode()
    assert len(password_checks) == 5
    held = sign_in(ATTACKER, user.username, PASSWORD)
    assert held.status_code == 429
    wait = int(held["Retry-After"])
    assert 1 <= wait <= 5
    html = held.content.decode()
    assert "Too many failed sign-ins for this account from your network address" in html
    assert f"Wait {wait} second{'s' if wait > 1 else ''} before trying again" in html
    assert 'name="username"' in html and 'name="password"' in html, "the form still renders"
    assert held.client.get(HOME).status_code == 302, "not signed in"
    assert sign_in(ATTACKER, user.username, "another guess").status_code == 429
    assert len(password_checks) == 5, "no password was checked while held back"
    started = _entries(user, throttling.THROTTLE_STARTED)
    assert started[0].items() >= {"scope": "pair", "failures": 5, "delay_seconds": 5.0}.items()
    assert started[0]["address"] == ATTACKER
    [refused] = _entries(user, throttling.THROTTLED)
    assert refused["scope"] == "pair" and refused["retry_after_seconds"] == wait
    logged = str(list(ModelLogEntry.objects.values_list("data", flat=True)))
    assert PASSWORD not in logged and "not-the-password" not in logged


def test_the_delay_doubles_with_each_further_failure() -> None:
    # The default first wait, 1 s. Each Retry-After is the wait left when the answer was
    # made, so at most the delay (less on a slow machine); the delays themselves are in
    # the audit entries.
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(5):
        sign_in(ATTACKER, user.username, "wrong")
    for delay in (1, 2, 4):
        held = sign_in(ATTACKER, user.username, "wrong")
        assert held.status_code == 429
        wait = int(held["Retry-After"])
        assert 1 <= wait <= delay
        time.sleep(wait + 0.05)
        assert sign_in(ATTACKER, user.username, "wrong").status_code == 200, "checked again"
    last = sign_in(ATTACKER, user.username, PASSWORD)
    assert last.status_code == 429
    assert 4 < int(last["Retry-After"]) <= 8
    # The wait started at 5 failures and doubled at 6 and 8 (each doubling audited once).
    started = _entries(user, throttling.THROTTLE_STARTED)
    assert [(data["failures"], data["delay_seconds"]) for data in started] == [
        (5, 1.0),
        (6, 2.0),
        (8, 8.0),
    ]


def test_the_owner_signs_in_from_their_address_while_the_attacker_is_held_back(
    long_waits: None,
) -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(8):  # as fast as the throttle lets them: 5 failures, then held back
        sign_in(ATTACKER, user.username, "guess")
    assert sign_in(ATTACKER, user.username, PASSWORD).status_code == 429
    owner = sign_in(OWNER, user.username, PASSWORD)
    assert owner.status_code == 302, owner.content.decode()[-1500:]
    assert owner.client.get(HOME).status_code == 200
    # The owner's sign-in does not lift the attacker's throttle.
    assert sign_in(ATTACKER, user.username, PASSWORD).status_code == 429


@override_settings(
    LOGIN_FAILURE_LIMIT=2,
    LOGIN_FAILURE_ACCOUNT_LIMIT=3,
    LOGIN_THROTTLE_FIRST_DELAY_SECONDS=30,
    LOGIN_THROTTLE_ACCOUNT_MAX_DELAY_SECONDS=5,
)
def test_from_an_address_that_never_failed_the_accounts_wait_is_short() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    # A guesser spread over several addresses: each address's own wait grows long.
    for n in range(3):
        for _ in range(3):
            sign_in(f"203.0.113.{n}", user.username, "guess")
    attacker = sign_in("203.0.113.0", user.username, PASSWORD)
    assert attacker.status_code == 429
    assert int(attacker["Retry-After"]) >= 25
    owner = sign_in(OWNER, user.username, PASSWORD)
    assert owner.status_code == 429, "the account is being guessed at: a short wait"
    assert 1 <= int(owner["Retry-After"]) <= 5, "capped at LOGIN_THROTTLE_ACCOUNT_MAX_DELAY"
    assert "Too many failed sign-ins for this account." in owner.content.decode()
    time.sleep(int(owner["Retry-After"]) + 0.05)
    assert sign_in(OWNER, user.username, PASSWORD).status_code == 302
    assert sign_in("203.0.113.0", user.username, PASSWORD).status_code == 429


def test_a_password_reset_lifts_the_throttle_from_every_address(long_waits: None) -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(5):
        sign_in(OWNER, user.username, "misremembered")  # the owner forgot their password
    assert sign_in(OWNER, user.username, "misremembered").status_code == 429
    client = Client(REMOTE_ADDR=OWNER)
    client.post(reverse("wagtailadmin_password_reset"), {"email": user.email})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/admin/password_reset/confirm/\S+/)", message.body)
    assert link is not None, message.body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302, done.content.decode()[-1500:]
    assert done["Location"] == reverse("wagtailadmin_password_reset_complete")
    assert sign_in(OWNER, user.username, NEW_PASSWORD).status_code == 302
    [lifted] = _entries(user, throttling.THROTTLE_LIFTED)
    assert lifted == {"reason": "password reset", "address": OWNER}
    assert NEW_PASSWORD not in str(lifted)


def test_a_failed_reset_attempt_lifts_nothing(long_waits: None) -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(5):
        sign_in(ATTACKER, user.username, "guess")
    bogus = Client(REMOTE_ADDR=ATTACKER).get(
        "/admin/password_reset/confirm/MQ/set-password/", follow=True
    )
    assert bogus.status_code == 200
    assert sign_in(ATTACKER, user.username, PASSWORD).status_code == 429
    assert not _entries(user, throttling.THROTTLE_LIFTED)


@override_settings(LOGIN_FAILURE_ADDRESS_LIMIT=3)
def test_an_address_spraying_usernames_is_held_back_and_forwarded_for_is_not_believed(
    long_waits: None,
) -> None:
    users = [UserFactory(roles=[MARKETING_EDITOR]) for _ in range(4)]
    for n, user in enumerate(users[:3]):
        # Rotating X-Forwarded-For gives no new address: no proxy is trusted.
        sign_in(ATTACKER, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    held = sign_in(ATTACKER, users[3].username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert held.status_code == 429
    assert "Too many failed sign-ins for your network address" in held.content.decode()
    assert sign_in(OWNER, users[3].username, PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    settings: Any, long_waits: None
) -> None:
    settings.ANALYTICS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    forget_trusted_proxies()
    try:
        user = UserFactory(roles=[MARKETING_EDITOR])
        for _ in range(5):
            sign_in("10.1.1.1", user.username, "wrong", HTTP_X_FORWARDED_FOR=ATTACKER)
        behind = sign_in("10.1.1.1", user.username, PASSWORD, HTTP_X_FORWARDED_FOR=ATTACKER)
        assert behind.status_code == 429
        other = sign_in("10.1.1.1", user.username, PASSWORD, HTTP_X_FORWARDED_FOR=OWNER)
        assert other.status_code == 302
    finally:
        settings.ANALYTICS_TRUSTED_PROXIES = []
        forget_trusted_proxies()


def test_an_unknown_username_is_throttled_alike_and_audited_without_what_was_typed(
    long_waits: None,
) -> None:
    typed = "Secret-Password-Typed-As-Username"
    for _ in range(5):
        sign_in(ATTACKER, typed, "wrong")
    held = sign_in(ATTACKER, typed, "wrong")
    assert held.status_code == 429
    on_users = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ContentType),
        action__startswith="governance.sign_in.",
    )
    assert {entry.action for entry in on_users} == {
        throttling.THROTTLE_STARTED,
        throttling.THROTTLED,
    }
    for entry in on_users:
        assert entry.user_id is None
        assert len(entry.data["unknown_username_sha256"]) == 16
        assert typed.casefold() not in str(entry.data).casefold()


def test_held_back_attempts_are_audited_once_per_wait(long_waits: None) -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    for _ in range(5):
        sign_in(ATTACKER, user.username, "wrong")
    for _ in range(10):
        assert sign_in(ATTACKER, user.username, "wrong").status_code == 429
    assert len(_entries(user, throttling.THROTTLED)) == 1


@pytest.mark.parametrize("username", ["", "x" * 300, "ünïcødé\u202e", "a\x00b"])
def test_odd_usernames_are_answered_not_crashed_on(username: str) -> None:
    for _ in range(6):
        response = sign_in(ATTACKER, username, "wrong")
        assert response.status_code in {200, 429}
