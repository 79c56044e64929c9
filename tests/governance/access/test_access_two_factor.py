"""Two-factor sign-in through HTTP: set-up, the guard, verify, backup codes, removal, reset."""

import re
from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from commonground.core.audit.models import AuditEntry
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR
from commonground.governance.access import two_factor

from ...conftest import client_for
from ...core.factories import PASSWORD, UserFactory, app_code, authenticator_key, give_authenticator

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")
SET_UP = reverse("governance_two_factor")
VERIFY = reverse("governance_two_factor_verify")
BACKUP_CODES = reverse("governance_two_factor_backup_codes")
REMOVE = reverse("governance_two_factor_remove")


def signed_in_with_password(user) -> Client:
    client = Client()
    response = client.post(
        reverse("wagtailadmin_login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def shown_secret(html: str) -> str:
    match = re.search(r"<code data-totp-secret>([A-Z2-7 ]+)</code>", html)
    assert match, "the set-up page shows the secret as text"
    return b32decode(match.group(1).replace(" ", "")).hex()


def actions_for(user) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(user.pk), action__startswith="governance.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_an_it_admin_without_an_app_can_only_set_one_up_then_gets_in() -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    client = signed_in_with_password(user)

    for url in (HOME, reverse("governance_requests"), reverse("wagtailusers_users:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SET_UP)
    page = client.get(SET_UP)
    html = page.content.decode()
    assert page.status_code == 200
    assert "IT administrators must use two-factor sign-in" in html
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    ), "the QR code is inline SVG, no image from elsewhere"
    key = shown_secret(html)
    assert shown_secret(client.get(SET_UP).content.decode()) == key, "a reload keeps the secret"

    wrong = client.post(SET_UP, {"code": "000000" if app_code(key) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    confirmed = client.post(SET_UP, {"code": app_code(key)})
    assert confirmed.status_code == 302 and confirmed["Location"].startswith(BACKUP_CODES)
    codes_page = client.get(confirmed["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert client.get(BACKUP_CODES)["Location"] == SET_UP, "backup codes are shown once"
    assert client.get(HOME).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    assert actions_for(user) == [two_factor.ENROL]
    assert AuditEntry.objects.filter(action=two_factor.ENROL, actor_id=user.pk).exists()


def test_a_user_with_an_app_must_enter_a_code_after_the_password() -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    key = give_authenticator(user).key
    client = signed_in_with_password(user)

    asked = client.get(reverse("governance_requests"))
    assert asked.status_code == 302
    assert asked["Location"] == f"{VERIFY}?next=%2Fadmin%2Fgovernance%2Frequests%2F"
    assert client.get(SET_UP)["Location"].startswith(VERIFY), "no second app before verifying"
    page = client.get(asked["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()

    refused = client.post(VERIFY, {"code": app_code(key, steps_ahead=5)})
    assert refused.status_code == 400
    assert "That code is not right, or it was used already" in refused.content.decode()
    assert actions_for(user) == [two_factor.VERIFY_FAIL]
    too_soon = client.post(VERIFY, {"code": app_code(key)})
    assert "Too many wrong codes. Wait 1 second" in too_soon.content.decode()

    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)
    accepted = client.post(VERIFY, {"code": app_code(key), "next": reverse("governance_requests")})
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("governance_requests")
    assert client.get(reverse("governance_requests")).status_code == 200


def test_a_used_code_cannot_be_used_again() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    key = give_authenticator(user).key
    code = app_code(key)
    first = signed_in_with_password(user)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second = signed_in_with_password(user)
    replayed = second.post(VERIFY, {"code": code})
    assert replayed.status_code == 400
    assert "used already" in replayed.content.decode()
    assert second.get(HOME)["Location"].startswith(VERIFY)


def test_a_backup_code_gets_in_once() -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    give_authenticator(user)
    codes = two_factor._new_backup_codes(user)
    client = signed_in_with_password(user)
    used = client.post(VERIFY, {"code": codes[0].upper()[:4] + " " + codes[0][4:]}, follow=True)
    assert used.status_code == 200
    assert f"{len(codes) - 1} left" in used.content.decode()
    again = signed_in_with_password(user).post(VERIFY, {"code": codes[0]})
    assert again.status_code == 400
    assert "That backup code is not right, or it was used already." in again.content.decode()


@pytest.mark.parametrize(
    "code",
    ["", "12345", "1234567", "abc", "١٢٣٤٥٦", "<script>", "9" * 19, "x" * 10_000, "12 34\x0056"],
)
def test_malformed_codes_are_refused_with_a_message(code: str) -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    give_authenticator(user)
    client = signed_in_with_password(user)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    html = response.content.decode()
    assert "error" in html and "<script>" not in html.split("</header>")[-1]
    assert not ModelLogEntry.objects.filter(action=two_factor.VERIFY_FAIL).exists(), (
        "a malformed code is not a guess at the secret"
    )


def test_the_pages_take_only_their_methods_and_a_csrf_token() -> None:
    user = UserFactory(roles=[MARKETING_EDITOR])
    give_authenticator(user)
    client = client_for(user)
    assert client.get(REMOVE).status_code == 405
    assert client.put(VERIFY).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert (
        strict.post(REMOVE, {"code": app_code(authenticator_key(user.username))}).status_code == 403
    )
    assert TOTPDevice.objects.filter(user=user).exists()


def test_editors_may_use_the_admin_without_and_turn_it_on() -> None:
    editor = UserFactory(roles=[MARKETING_EDITOR])
    client = signed_in_with_password(editor)
    assert client.get(HOME).status_code == 200
    page = client.get(SET_UP).content.decode()
    assert "IT administrators must use" not in page
    assert client.post(SET_UP, {"code": app_code(shown_secret(page))}).status_code == 302
    assert TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
    account = client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Two-factor sign-in" in account and "On: your authenticator app" in account


def test_only_the_user_themself_removes_their_app_with_a_code() -> None:
    owner = UserFactory(roles=[MARKETING_EDITOR])
    other = UserFactory(roles=[MARKETING_EDITOR])
    key = give_authenticator(owner).key
    two_factor._new_backup_codes(owner)

    response = client_for(other).post(REMOVE, {"code": app_code(key)}, follow=True)
    assert "Your account has no authenticator app" in response.content.decode()
    assert TOTPDevice.objects.filter(user=owner).exists()

    client = client_for(owner)
    refused = client.post(REMOVE, {"code": "123 456" if app_code(key) != "123456" else "654321"})
    assert refused.status_code == 302
    assert TOTPDevice.objects.filter(user=owner).exists()
    TOTPDevice.objects.filter(user=owner).update(throttling_failure_timestamp=None)

    removed = client.post(REMOVE, {"code": app_code(key)}, follow=True)
    assert "Two-factor sign-in is off for your account." in removed.content.decode()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not StaticDevice.objects.filter(user=owner).exists()
    assert actions_for(owner) == [two_factor.VERIFY_FAIL, two_factor.REMOVE]


def test_new_backup_codes_replace_the_old_ones() -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    key = give_authenticator(user).key
    old = two_factor._new_backup_codes(user)
    client = client_for(user)
    response = client.post(BACKUP_CODES, {"code": app_code(key)})
    assert response["Location"] == BACKUP_CODES
    new = re.findall(
        r"<li><code>([a-z2-7]{8})</code></li>", client.get(BACKUP_CODES).content.decode()
    )
    assert len(new) == two_factor.BACKUP_CODE_COUNT and not set(new) & set(old)
    assert actions_for(user) == [two_factor.RENEW_BACKUP_CODES]


def test_it_resets_a_lost_device_with_the_command(capsys) -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    give_authenticator(user)
    two_factor._new_backup_codes(user)
    call_command("reset_two_factor", user.username, "--reason", "ticket 42, phone lost")
    assert "Removed 2 two-factor device(s)" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = ModelLogEntry.objects.get(action=two_factor.RESET)
    assert entry.user_id is None and entry.data["reason"] == "ticket 42, phone lost"
    assert AuditEntry.objects.filter(action=two_factor.RESET, actor="system").exists()
    client = signed_in_with_password(user)
    assert client.get(HOME)["Location"].startswith(SET_UP)
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        call_command("reset_two_factor", "nobody")
