"""Audit entries for what Wagtail does not log: sign-in, failed sign-in (the username tried,
never the password), sign-out, two-factor codes verified or refused and devices added or
removed (django-otp), and group and permission changes from any code path (m2m_changed).
Each is written in the transaction of what it records, through ``services.record_event``."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest

from ..http.client_address import client_ip
from . import services

SIGN_IN = "core.auth.sign_in"
SIGN_IN_FAILED = "core.auth.sign_in_failed"
SIGN_OUT = "core.auth.sign_out"
TWO_FACTOR_VERIFIED = "core.auth.two_factor_verified"
TWO_FACTOR_FAILED = "core.auth.two_factor_failed"
TWO_FACTOR_DEVICE_ADDED = "core.auth.two_factor_device_added"
TWO_FACTOR_DEVICE_REMOVED = "core.auth.two_factor_device_removed"
GROUPS_CHANGED = "core.auth.groups_changed"
PERMISSIONS_CHANGED = "core.auth.permissions_changed"
_MAX_USERNAME = 150


def _address(request: HttpRequest | None) -> str:
    if request is None or not hasattr(request, "META"):
        return ""
    try:
        return client_ip(request.META)
    except (ValueError, KeyError):
        return ""


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.record_event(
        action=SIGN_IN, instance=user, user=user, data={"address": _address(request)}
    )


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    User = get_user_model()
    tried = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    tried = tried[:_MAX_USERNAME]
    # Only the username: Django has already masked the password, and it is not copied anyway.
    account = (
        User._default_manager.filter(**{User.USERNAME_FIELD: tried}).first() if tried else None
    )
    services.record_event(
        action=SIGN_IN_FAILED,
        instance=account,
        user=None,
        title=tried,
        data={"username": tried, "address": _address(request), "known_user": account is not None},
    )


def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    services.record_event(
        action=SIGN_OUT, instance=user, user=user, data={"address": _address(request)}
    )


# Two-factor: django-otp records a verified code as the device's last_used_at and a refused
# one as a higher throttling_failure_count, whichever view or form checked it; comparing the
# row before and after each save sees both.
_DEVICE_STATE = ("last_used_at", "throttling_failure_count")


def _device_models() -> list[type[models.Model]]:
    from django.apps import apps
    from django_otp.models import Device

    return [model for model in apps.get_models() if issubclass(model, Device)]


def _device_data(device: Any) -> dict[str, Any]:
    return {"device": type(device).__name__, "name": str(getattr(device, "name", ""))}


def _device_before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    fields = [name for name in _DEVICE_STATE if hasattr(instance, name)]
    instance._audit_device_before = (
        sender._base_manager.filter(pk=instance.pk).values(*fields).first() or {}
    )


def _device_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    user = getattr(instance, "user", None)
    if created:
        services.record_event(
            action=TWO_FACTOR_DEVICE_ADDED, instance=user, user=user, data=_device_data(instance)
        )
        return
    before = getattr(instance, "_audit_device_before", {})
    instance._audit_device_before = {name: getattr(instance, name, None) for name in before}
    used = getattr(instance, "last_used_at", None)
    if used is not None and used != before.get("last_used_at"):
        services.record_event(
            action=TWO_FACTOR_VERIFIED, instance=user, user=user, data=_device_data(instance)
        )
    failures = getattr(instance, "throttling_failure_count", 0) or 0
    if failures > (before.get("throttling_failure_count") or 0):
        services.record_event(
            action=TWO_FACTOR_FAILED,
            instance=user,
            user=user,
            data={**_device_data(instance), "failures_in_a_row": failures},
        )


def _device_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    user = get_user_model()._default_manager.filter(pk=instance.user_id).first()
    services.record_event(
        action=TWO_FACTOR_DEVICE_REMOVED,
        instance=user,
        user=None,
        title=str(user) if user else f"user {instance.user_id}",
        data=_device_data(instance),
    )


# Groups and permissions ---------------------------------------------------------------------


def _memberships() -> dict[Any, tuple[str, str, str]]:
    """through model -> (forward field, reverse accessor, audit action)."""
    User = get_user_model()
    return {
        User.groups.through: ("groups", "user_set", GROUPS_CHANGED),
        User.user_permissions.through: ("user_permissions", "user_set", PERMISSIONS_CHANGED),
        Group.permissions.through: ("permissions", "group_set", PERMISSIONS_CHANGED),
    }


def _names(instance: models.Model, accessor: str) -> list[str]:
    return sorted(str(item) for item in getattr(instance, accessor).all())


def _membership_changed(
    sender: Any, instance: models.Model, action: str, reverse: bool, **kwargs: Any
) -> None:
    known = _memberships().get(sender)
    if known is None:
        return
    forward, backward, audit_action = known
    accessor = backward if reverse else forward
    if action.startswith("pre_"):
        pending = instance.__dict__.setdefault("_audit_m2m_before", {})
        pending.setdefault(accessor, _names(instance, accessor))
        return
    if not action.startswith("post_"):
        return
    before = instance.__dict__.get("_audit_m2m_before", {}).pop(accessor, None)
    after = _names(instance, accessor)
    if before is None or before == after:
        return
    services.record_event(
        action=audit_action,
        instance=instance,
        data={
            "field": accessor,
            "added": sorted(set(after) - set(before)),
            "removed": sorted(set(before) - set(after)),
            "before": before,
            "after": after,
        },
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit_signed_in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_logged_out.connect(_signed_out, dispatch_uid="audit_signed_out")
    # Per device model, not for every model: a post_delete receiver for all models would
    # turn every bulk delete into a row-by-row one.
    for device_model in _device_models():
        uid = device_model._meta.label_lower
        pre_save.connect(_device_before_save, sender=device_model, dispatch_uid=f"audit_b_{uid}")
        post_save.connect(_device_saved, sender=device_model, dispatch_uid=f"audit_s_{uid}")
        post_delete.connect(_device_deleted, sender=device_model, dispatch_uid=f"audit_d_{uid}")
    for through in _memberships():
        uid = f"audit_m2m_{through._meta.label_lower}"
        m2m_changed.connect(_membership_changed, sender=through, dispatch_uid=uid)
