"""Webhook writes: subscriptions created, edited and rotated; every attempt signed, sent and
logged; a subscription disabled after repeated failures, with a notice to its owner.

The HTTP request is made outside any transaction of ours (a slow receiver holds no lock);
what it answered is then written in one: the attempt's log row, the subscription's failure
count and, when that reaches the threshold, the disabling with its audit entry. The owner's
e-mail is enqueued on commit, so a rolled-back disabling tells nobody.
"""

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.mail import send_mail
from django.db import transaction
from django.forms import ModelForm
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.log_actions import log

from . import tasks
from .models import WEBHOOK_TEST, WebhookAttempt, WebhookSubscription
from .options import WebhookOptions
from .sender import WebhookResponse, post_webhook
from .signing import new_webhook_secret, signature_headers

logger = logging.getLogger(__name__)

# Audit actions (registered by admin.register_webhook_log_actions).
DISABLED = "distribution.webhook.disabled"
ENABLED = "distribution.webhook.enabled"
SECRET_ROTATED = "distribution.webhook.secret_rotated"  # noqa: S105 (an audit code)
# Where the owner's notice sends them (the viewset's namespace is "distribution_webhooks").
EDIT_URL_NAME = "distribution_webhooks:edit"
GONE = 410

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    response: WebhookResponse
    # None when the subscription was deleted while the request was under way.
    attempt: WebhookAttempt | None
    # This attempt's failure disabled the subscription.
    disabled: bool = False


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the bytes that are signed are the bytes that are sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def deliver_webhook(
    subscription: WebhookSubscription,
    *,
    event: str,
    data: dict[str, Any],
    occurred_at: datetime,
    msg_id: str,
    attempt: int,
    options: WebhookOptions,
    delivery_id: int | None = None,
    counts_toward_health: bool = True,
) -> AttemptOutcome:
    """Sign and POST one event to ``subscription`` and log the attempt (never raises for
    what the receiver does: the outcome says)."""
    body = encode_payload(
        {"type": event, "timestamp": occurred_at.isoformat().replace("+00:00", "Z"), "data": data}
    )
    # Per attempt, so a retry hours later is not refused as a replay.
    timestamp = int(time.time())
    headers = {
        **signature_headers(
            subscription.signing_secrets(), msg_id=msg_id, timestamp=timestamp, body=body
        ),
        "Content-Type": "application/json",
        "User-Agent": options.user_agent,
    }
    sent_at = timezone.now()
    response = post_webhook(
        subscription.url,
        body=body,
        headers=headers,
        timeout=options.timeout_seconds,
        proxy=options.proxy,
        allow_private_networks=options.allow_private_networks,
    )
    return _record_attempt(
        subscription,
        response,
        event=event,
        msg_id=msg_id,
        attempt=attempt,
        sent_at=sent_at,
        delivery_id=delivery_id,
        options=options,
        counts_toward_health=counts_toward_health,
    )


def _record_attempt(
    subscription: WebhookSubscription,
    response: WebhookResponse,
    *,
    event: str,
    msg_id: str,
    attempt: int,
    sent_at: datetime,
    delivery_id: int | None,
    options: WebhookOptions,
    counts_toward_health: bool,
) -> AttemptOutcome:
    with transaction.atomic():
        # Locked, so concurrent failures count one by one and disable (and e-mail) once.
        current = WebhookSubscription.objects.select_for_update().filter(pk=subscription.pk)
        locked = current.first()
        if locked is None:
            return AttemptOutcome(response, None)
        row = WebhookAttempt.objects.create(
            subscription=locked,
            delivery_id=delivery_id,
            msg_id=msg_id,
            event=event,
            attempt=attempt,
            status_code=response.status_code,
            error=response.error,
            response_excerpt=response.excerpt,
            duration_ms=response.duration_ms,
            sent_at=sent_at,
        )
        # A test from the admin does not count: a person is watching it.
        disabled = counts_toward_health and _count_toward_health(locked, response, options)
        for name in ("consecutive_failures", "is_active", "disabled_at", "disabled_reason"):
            setattr(subscription, name, getattr(locked, name))
    return AttemptOutcome(response, row, disabled)


def _count_toward_health(
    locked: WebhookSubscription, response: WebhookResponse, options: WebhookOptions
) -> bool:
    """Reset the failure count on a success, count a failure otherwise, and disable the
    subscription on 410 Gone or too many failures in a row; whether this disabled it."""
    if response.succeeded:
        if locked.consecutive_failures:
            locked.consecutive_failures = 0
            locked.save(update_fields=["consecutive_failures", "updated_at"])
        return False
    locked.consecutive_failures += 1
    reason = ""
    if locked.is_active and response.status_code == GONE:
        reason = "the receiver answered 410 Gone: it wants no more webhooks"
    elif locked.is_active and locked.consecutive_failures >= options.disable_after_failures:
        reason = (
            f"{locked.consecutive_failures} failed attempts in a row;"
            f" the last: {response.error or 'no answer'}"
        )
    if reason:
        _disable(locked, reason=reason)
    locked.save(
        update_fields=[
            "consecutive_failures",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "updated_at",
        ]
    )
    return bool(reason)


def _disable(subscription: WebhookSubscription, *, reason: str, by: User | None = None) -> None:
    """Mark ``subscription`` (locked, saved by the caller) disabled; audit it; tell the owner
    after commit when the failures, not a person, disabled it."""
    subscription.is_active = False
    subscription.disabled_at = timezone.now()
    subscription.disabled_reason = reason
    automatic = by is None
    log(
        subscription,
        DISABLED,
        user=by,
        data={
            "reason": reason,
            "consecutive_failures": subscription.consecutive_failures,
            "automatic": automatic,
        },
    )
    if automatic:
        pk = subscription.pk
        transaction.on_commit(lambda: _enqueue_owner_notice(pk))


def _enqueue_owner_notice(subscription_id: int) -> None:
    tasks.notify_owner_of_disabled_webhook.enqueue(subscription_id)


def notify_owner_of_disabled_subscription(subscription_id: int) -> bool:
    """E-mail the owner that the subscription was disabled, why and how to re-enable it;
    False when there is nobody to tell or it was re-enabled in the meantime."""
    subscription = (
        WebhookSubscription.objects.select_related("owner").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.is_active:
        return False
    owner = subscription.owner
    if owner is None or not owner.email:
        logger.warning("webhook %s was disabled and has no owner to tell", subscription_id)
        return False
    context = {
        "subscription": subscription,
        "owner": owner,
        "edit_url": _admin_url(subscription),
    }
    send_mail(
        subject=f"Webhook “{subscription.name}” was disabled",
        message=render_to_string("distribution/webhooks/disabled_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[owner.email],
    )
    return True


def _admin_url(subscription: WebhookSubscription) -> str:
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
    try:
        path = reverse(EDIT_URL_NAME, args=[subscription.pk])
    except NoReverseMatch:  # the viewset is not registered: the admin's home at least
        path = reverse("wagtailadmin_home")
    return f"{base}{path}"


# --- the admin's writes -----------------------------------------------------------------------


def create_webhook_subscription(
    *, form: ModelForm[WebhookSubscription], by: User
) -> WebhookSubscription:
    """Save a new subscription from a valid admin form; its creator owns it unless another
    owner was chosen."""
    with transaction.atomic():
        subscription = form.save(commit=False)
        if subscription.owner_id is None and isinstance(by, AbstractBaseUser):
            subscription.owner = by  # type: ignore[assignment]
        subscription.save()
        form.save_m2m()
        log(subscription, "wagtail.create", user=by)
    return subscription


def update_webhook_subscription(
    *, form: ModelForm[WebhookSubscription], by: User
) -> WebhookSubscription:
    """Save an admin form's changes. Ticking "active" again re-enables a disabled
    subscription with a clean failure count; unticking it disables it (no e-mail: a person
    did it)."""
    with transaction.atomic():
        subscription = form.save(commit=False)
        before = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        changed = [name for name in form.fields if name in form.changed_data]
        fields = [*changed, "updated_at"]
        # Deliveries may have counted failures since the form was loaded: keep theirs.
        for name in ("consecutive_failures", "disabled_at", "disabled_reason"):
            setattr(subscription, name, getattr(before, name))
        health = ["consecutive_failures", "disabled_at", "disabled_reason", "is_active"]
        if subscription.is_active and not before.is_active:
            subscription.consecutive_failures = 0
            subscription.disabled_at = None
            subscription.disabled_reason = ""
            fields += health
            log(subscription, ENABLED, user=by, data={"was": before.disabled_reason})
        elif before.is_active and not subscription.is_active:
            _disable(subscription, reason=f"disabled by {_name(by)}", by=by)
            fields += health
        subscription.save(update_fields=sorted(set(fields)))
        log(subscription, "wagtail.edit", user=by, content_changed=True)
    return subscription


def rotate_webhook_secret(
    subscription: WebhookSubscription, *, by: User, grace: timedelta
) -> WebhookSubscription:
    """A new secret; deliveries are signed with the old one too for ``grace``, so the
    receiver can switch over without refusing any."""
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + grace
        locked.secret = new_webhook_secret()
        locked.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
        # Never the secrets themselves: log entries are readable by more people.
        log(
            locked,
            SECRET_ROTATED,
            user=by,
            data={"previous_valid_until": locked.previous_secret_expires_at.isoformat()},
        )
    return locked


def send_test_webhook(
    subscription: WebhookSubscription, *, by: User, options: WebhookOptions
) -> AttemptOutcome:
    """POST a ``webhook.test`` event now (also to a disabled subscription: the check before
    re-enabling it). Logged, but neither counted as a failure nor as a recovery."""
    now = timezone.now()
    return deliver_webhook(
        subscription,
        event=WEBHOOK_TEST,
        data={
            "subscription": subscription.name,
            "sent_by": _name(by),
            "message": "A test from Common Ground: this receiver's signature check works.",
        },
        occurred_at=now,
        msg_id=f"msg_test_{secrets.token_hex(12)}",
        attempt=1,
        options=options,
        counts_toward_health=False,
    )


def _name(user: User) -> str:
    return user.get_username() or "an anonymous user"
