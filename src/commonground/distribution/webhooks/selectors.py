"""Webhook reads: who receives an event, one subscription by recipient, its delivery log."""

from ..models import Delivery
from .models import WebhookAttempt, WebhookSubscription

RECIPIENT_PREFIX = "webhook:"
DELIVERY_LOG_LENGTH = 50


def active_subscriptions_for(event: str) -> list[WebhookSubscription]:
    """The active subscriptions to ``event``, oldest first."""
    # Filtered here, not with events__contains: SQLite's JSON has no containment lookup.
    active = WebhookSubscription.objects.filter(is_active=True).order_by("pk")
    return [subscription for subscription in active if event in subscription.events]


def subscription_for_recipient(recipient: str) -> WebhookSubscription | None:
    """The subscription a Delivery's ``webhook:<pk>`` recipient names; None if it is gone."""
    pk = recipient.removeprefix(RECIPIENT_PREFIX)
    if not recipient.startswith(RECIPIENT_PREFIX) or not pk.isdigit():
        return None
    return WebhookSubscription.objects.filter(pk=int(pk)).first()


def subscriptions_for_recipients(recipients: list[str]) -> dict[str, WebhookSubscription]:
    """The subscriptions these ``webhook:<pk>`` recipients name, by recipient (one query);
    those that are gone are missing."""
    pks = {
        int(pk)
        for recipient in recipients
        if recipient.startswith(RECIPIENT_PREFIX)
        and (pk := recipient.removeprefix(RECIPIENT_PREFIX)).isdigit()
    }
    found = WebhookSubscription.objects.in_bulk(pks)
    return {subscription.recipient: subscription for subscription in found.values()}


def delivery_for_key(idempotency_key: str) -> Delivery | None:
    return (
        Delivery.objects.select_related("dispatch").filter(idempotency_key=idempotency_key).first()
    )


def recent_attempts(
    subscription: WebhookSubscription, *, limit: int = DELIVERY_LOG_LENGTH
) -> list[WebhookAttempt]:
    """The subscription's last ``limit`` attempts, newest first."""
    return list(subscription.attempts.order_by("-sent_at", "-pk")[:limit])
