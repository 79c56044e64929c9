"""The webhook channel: one signed POST per active subscription to the event.

Recipients are subscriptions (``webhook:<pk>``). Every retry of a delivery carries the same
``webhook-id`` (derived from its idempotency key), so a receiver that processed an attempt
whose answer was lost can drop the repeat; the signature's timestamp is new on each attempt.
Failures become ``RetryLater`` with exponential backoff and full jitter (a longer
``Retry-After`` on 429/503 wins), and ``Refused`` after ``max_attempts`` or once the
subscription is disabled.
"""

import random
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from ..webhooks import selectors, services
from ..webhooks.models import EVENT_TYPES, PAGE_PUBLISHED
from ..webhooks.options import WebhookOptions
from ..webhooks.retry import parse_retry_after, retry_wait
from ..webhooks.signing import message_id_for
from .base import CannotSend, ChannelBackend, Message, Refused, RetryLater, Sent

if TYPE_CHECKING:
    from ..models import MailingList

# Where a receiver's Retry-After is read: "slow down" and "back later".
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_DETAIL_LENGTH = 200


class WebhookChannel(ChannelBackend):
    """POSTs each message to the subscriptions of its event (OPTIONS: see WebhookOptions)."""

    label = "Webhooks"
    per_recipient = True
    utm_medium = "webhook"  # on the page links a payload carries
    plan_fields = ()  # the payload is the page's; a row only says when

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.label = str(options.get("label") or self.label)
        self.webhook_options = WebhookOptions.from_options(options)
        # Jitter only spreads retries out; a test may seed it.
        self.jitter = random.Random()  # noqa: S311

    def problems(self) -> list[str]:
        return [
            f"unknown webhook option {name!r}"
            for name in WebhookOptions.unknown_names(self.options)
        ]

    def cannot_send(self, *, mailing_list: "MailingList | None" = None) -> CannotSend | None:
        if refusal := super().cannot_send(mailing_list=mailing_list):
            return refusal
        if not self.recipients(PAGE_PUBLISHED):
            return CannotSend(
                reason=(
                    "No active webhook endpoint subscribes to "
                    f"“{EVENT_TYPES[PAGE_PUBLISHED]}”: this row would reach nobody."
                ),
                fix_url=reverse("distribution_webhooks:index"),
                fix_label="Set up an endpoint on the Webhooks page",
            )
        return None

    def recipients(self, event: str) -> list[str]:
        """The recipients of ``event``: its active subscriptions, as ``webhook:<pk>``."""
        return [
            subscription.recipient for subscription in selectors.active_subscriptions_for(event)
        ]

    def send(self, message: Message) -> Sent:
        subscription = selectors.subscription_for_recipient(message.recipient)
        if subscription is None:
            raise Refused(f"no webhook subscription {message.recipient!r} (deleted?)")
        event = str(message.extra.get("event") or PAGE_PUBLISHED)
        if not subscription.is_active:
            reason = subscription.disabled_reason or "no reason recorded"
            raise Refused(f"webhook “{subscription.name}” is disabled: {reason}")
        if event not in subscription.events:
            raise Refused(f"webhook “{subscription.name}” no longer subscribes to {event}")
        attempt = max(1, int(message.extra.get("attempt") or 1))
        delivery = selectors.delivery_for_key(message.idempotency_key)
        data: dict[str, Any] = {
            "title": message.title,
            "url": message.url,
            "summary": message.summary,
            "text": message.text,
        }
        if message.image_url:
            data["image_url"] = message.image_url
        if delivery is not None:
            data["page_id"] = delivery.dispatch.page_id
        options = self.webhook_options
        outcome = services.deliver_webhook(
            subscription,
            event=event,
            data=data,
            occurred_at=self._occurred_at(message, delivery),
            msg_id=message_id_for(message.idempotency_key),
            attempt=attempt,
            options=options,
            delivery_id=delivery.pk if delivery is not None else None,
        )
        response = outcome.response
        if response.succeeded:
            return Sent(
                remote_id=str(response.status_code), detail=response.excerpt[:_DETAIL_LENGTH]
            )
        if outcome.disabled or not subscription.is_active:
            raise Refused(f"{response.error}; webhook disabled: {subscription.disabled_reason}")
        if attempt >= options.max_attempts:
            raise Refused(f"gave up after {attempt} attempts: {response.error}")
        retry_after = None
        if response.status_code in _RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        wait = retry_wait(
            attempt,
            base=options.base_seconds,
            cap=options.cap_seconds,
            rng=self.jitter,
            retry_after=retry_after,
        )
        raise RetryLater(
            f"{response.error} (attempt {attempt} of {options.max_attempts})", retry_after=wait
        )

    @staticmethod
    def _occurred_at(message: Message, delivery: Any) -> datetime:
        """When the event happened (the same on every retry): the caller's ``occurred_at``,
        else when the publish wrote the dispatch."""
        given = message.extra.get("occurred_at")
        if isinstance(given, datetime):
            return given
        if isinstance(given, str) and (parsed := parse_datetime(given)) is not None:
            return parsed
        if delivery is not None:
            created: datetime = delivery.dispatch.created_at
            return created
        return timezone.now()


def configured_webhook_options() -> WebhookOptions:
    """The options of the first configured webhook channel; the defaults if there is none
    (the admin's "Send test" works before any channel is set up)."""
    # The classes, not get_channel(): building every backend would make a misconfigured
    # Mastodon account break the webhooks' "Send test".
    for config in getattr(settings, "DISTRIBUTION_CHANNELS", {}).values():
        try:
            backend = import_string(config["BACKEND"])
        except (KeyError, ImportError):
            continue
        if isinstance(backend, type) and issubclass(backend, WebhookChannel):
            return WebhookOptions.from_options(config.get("OPTIONS", {}))
    return WebhookOptions()
