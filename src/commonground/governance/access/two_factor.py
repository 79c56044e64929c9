"""Two-factor sign-in's writes: enrolment, verification, backup codes, removal and reset.

Devices are django-otp's: one authenticator app (TOTP) and one set of backup codes (static
tokens) per user. Every enrolment, removal, reset, renewal and refused code writes a
``governance.two_factor.*`` audit entry against the user, in the same transaction.
"""

import re
import time
from binascii import unhexlify

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.functional import LazyObject
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from wagtail.log_actions import log

# Audit actions.
ENROL = "governance.two_factor.enrol"
REMOVE = "governance.two_factor.remove"
RESET = "governance.two_factor.reset"
RENEW_BACKUP_CODES = "governance.two_factor.renew_backup_codes"
VERIFY_FAIL = "governance.two_factor.verify_fail"

BACKUP_CODE_COUNT = 10
# What the app shows (six digits) and what random_token makes (eight base-32 characters).
APP_CODE = re.compile(r"[0-9]{6}")
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
# Codes from the step before or after are accepted: phones' clocks drift.
TOLERANCE = 1


class CodeRefusedError(Exception):
    """The code was wrong, used already, or came too soon after wrong ones; says which."""


class AlreadyEnrolledError(Exception):
    """The user has an authenticator app already (set up in another tab, say)."""


def _row(user: AbstractBaseUser) -> AbstractBaseUser:
    """The user itself rather than request.user's lazy wrapper (django-otp's middleware):
    Wagtail's log registry looks the logged instance's class up."""
    if isinstance(user, LazyObject):
        user.pk  # noqa: B018  (evaluates the wrapper)
        wrapped: AbstractBaseUser = user._wrapped
        return wrapped
    return user


def normalise_code(text: str) -> str:
    """As people type codes: with spaces or dashes, in either case."""
    return re.sub(r"[\s-]", "", text).lower()


def new_secret() -> str:
    """A TOTP key (hex, 160 bits, as RFC 6238 recommends for SHA-1)."""
    return str(random_hex(20))


def _totp_now(key_hex: str) -> TOTP:
    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return totp


def _new_backup_codes(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_enrolment(
    *, user: AbstractBaseUser, secret: str, code: str
) -> tuple[Device, list[str]]:
    """Save the authenticator app whose secret the user was shown, once they prove it works
    with a current code; returns the device and the new backup codes (shown once)."""
    totp = _totp_now(secret)
    token = normalise_code(code)
    if not APP_CODE.fullmatch(token) or not totp.verify(int(token), tolerance=TOLERANCE):
        raise CodeRefusedError(
            "That code does not match. Check that the app shows the account you just added "
            "and that your phone's clock is right, then enter the code it shows now."
        )
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise AlreadyEnrolledError("Two-factor sign-in is set up for your account already.")
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name=AUTHENTICATOR_NAME,
            key=secret,
            confirmed=True,
            tolerance=TOLERANCE,
            drift=totp.drift,
            # The code that confirmed the app cannot be used again to sign in.
            last_t=totp.t(),
            last_used_at=timezone.now(),
        )
        codes = _new_backup_codes(user)
        log(_row(user), ENROL, user=user, data={"backup_codes": len(codes)})
    return device, codes


def _refused(device: Device) -> str | None:
    """Why ``device`` takes no code just now (too many wrong ones), or None."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return "Too many wrong codes. Wait a moment and try again."
    seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
    return (
        f"Too many wrong codes. Wait {seconds} second{'s' if seconds != 1 else ''} and try again."
    )


def check_code(*, user: AbstractBaseUser, code: str) -> Device:
    """The device that accepts ``code`` (an app code or an unused backup code), which is
    then spent; raises CodeRefusedError otherwise. A wrong code is an audit entry and makes
    the next attempt wait (django-otp's throttling, per device)."""
    token = normalise_code(code)
    if APP_CODE.fullmatch(token):
        devices: type[Device] = TOTPDevice
    elif BACKUP_CODE.fullmatch(token):
        devices = StaticDevice
    else:
        raise CodeRefusedError(
            "Enter the 6-digit code from your authenticator app, or one of your 8-character "
            "backup codes."
        )
    with transaction.atomic():
        # Locked, so two requests with the same code cannot both spend it.
        device = devices.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            kind = "authenticator app" if devices is TOTPDevice else "backup codes"
            raise CodeRefusedError(f"Your account has no {kind} for two-factor sign-in.")
        waiting = _refused(device)
        if waiting is None:
            if device.verify_token(token):
                return device
            log(_row(user), VERIFY_FAIL, user=user, data={"device": type(device).__name__})
    raise CodeRefusedError(
        waiting
        or (
            "That code is not right, or it was used already. Enter the code your app shows "
            "now (a new one comes every 30 seconds)."
            if devices is TOTPDevice
            else "That backup code is not right, or it was used already."
        )
    )


def renew_backup_codes(*, user: AbstractBaseUser, code: str) -> list[str]:
    """New backup codes in place of the old ones, for a user who proves it with a code."""
    check_code(user=user, code=code)
    with transaction.atomic():
        codes = _new_backup_codes(user)
        log(_row(user), RENEW_BACKUP_CODES, user=user, data={"backup_codes": len(codes)})
    return codes


def _delete_devices(user: AbstractBaseUser) -> int:
    deleted = 0
    for model in (TOTPDevice, StaticDevice):
        deleted += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return deleted


def remove(*, user: AbstractBaseUser, code: str) -> None:
    """Switch two-factor sign-in off for one's own account, proven with a current code."""
    check_code(user=user, code=code)
    with transaction.atomic():
        _delete_devices(user)
        log(_row(user), REMOVE, user=user, data={})


def reset(*, user: AbstractBaseUser, reason: str) -> int:
    """IT's way back in for someone who lost their phone and backup codes (the
    ``reset_two_factor`` command): every device goes; returns how many there were."""
    with transaction.atomic():
        deleted = _delete_devices(user)
        log(_row(user), RESET, user=None, data={"devices": deleted, "reason": reason[:500]})
    return deleted
