"""Sign-ins, failed sign-ins (the username tried, never the password), sign-outs and two-factor
events are on the audit trail (issue 14, point 5), through the admin's real sign-in views."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from commonground.core.audit.models import AuditEntry
from commonground.core.audit.verification import verify_chain
from commonground.core.roles import IT_ADMINISTRATOR

from .factories import PASSWORD, UserFactory, app_code, authenticator_key, give_authenticator

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")
LOGOUT = reverse("wagtailadmin_logout")
VERIFY = reverse("governance_two_factor_verify")


def _events(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def _data(entry: AuditEntry) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(entry.data)
    return data


def test_a_failed_sign_in_records_the_username_tried_and_no_password(editor: Any) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post(LOGIN, {"username": editor.username, "password": "wrong-guess-123"})
    assert response.status_code in (200, 400, 429)
    [failed] = _events("core.auth.sign_in_failed")
    assert _data(failed) == {
        "username": editor.username,
        "address": "198.51.100.7",
        "known_user": True,
    }
    assert (failed.actor, failed.object_type, failed.object_id) == (
        "system",
        "auth.user",
        str(editor.pk),
    )
    assert "wrong-guess-123" not in failed.data and "wrong-guess-123" not in failed.object_title

    client.post(LOGIN, {"username": "nobody-here", "password": "wrong-guess-456"})
    unknown = _events("core.auth.sign_in_failed")[-1]
    assert _data(unknown)["known_user"] is False
    assert (unknown.object_title, unknown.object_id) == ("nobody-here", "")
    assert verify_chain().intact


def test_sign_in_and_sign_out_are_recorded(editor: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    response = client.post(LOGIN, {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302
    [signed_in] = _events("core.auth.sign_in")
    assert (signed_in.actor, signed_in.object_id) == (editor.username, str(editor.pk))
    assert _data(signed_in)["address"] == "203.0.113.9"

    assert client.post(LOGOUT).status_code == 302
    [signed_out] = _events("core.auth.sign_out")
    assert signed_out.actor == editor.username
    assert signed_out.sequence > signed_in.sequence


def test_two_factor_codes_verified_and_refused_and_devices_added_and_removed() -> None:
    user = UserFactory(roles=[IT_ADMINISTRATOR])
    give_authenticator(user)
    [added] = _events("core.auth.two_factor_device_added")
    assert (added.object_id, _data(added)["device"]) == (str(user.pk), "TOTPDevice")

    client = Client()
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    wrong = "000000" if app_code(authenticator_key(user.username)) != "000000" else "111111"
    assert client.post(VERIFY, {"code": wrong}).status_code == 400
    [refused] = _events("core.auth.two_factor_failed")
    assert (refused.actor, _data(refused)["failures_in_a_row"]) == (user.username, 1)
    assert not _events("core.auth.two_factor_verified")

    # A refused code makes the next wait (django-otp's throttle): let it pass.
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)
    code = app_code(authenticator_key(user.username))
    assert client.post(VERIFY, {"code": code}).status_code == 302
    [verified] = _events("core.auth.two_factor_verified")
    assert (verified.actor, verified.object_id) == (user.username, str(user.pk))
    assert code not in verified.data

    TOTPDevice.objects.get(user=user).delete()
    [removed] = _events("core.auth.two_factor_device_removed")
    assert removed.object_id == str(user.pk)
    assert verify_chain().intact
