"""The webhook channel: one signed POST per active subscription to the event.

Recipients are subscriptions (``webhook:<pk>``). Every retry of a delivery carries the same
``webhook-id`` (derived from its idempotency key), so a receiver that processed an attempt
whose answer was lost can drop the repeat; the signature's timestamp is new on each attempt.
Failures become ``RetryLater`` with exponential backoff and full jitter (a longer
``Retry-After`` on 429/503 wins), and ``Refused`` after ``max_attempts`` or once the
subscription is disabled.

A dispatch goes to its endpoints in parallel, at most ``concurrency`` at a time (one thread
each), so one slow receiver holds up only itself; the deliveries to one endpoint (one URL)
stay one after another, in order. The lease is renewed for all the threads together, at most
every ``_RENEW_EVERY`` seconds, and each thread closes its database connection when done.
"""

import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from ..webhooks import selectors, services
from ..webhooks.models import EVENT_TYPES, PAGE_PUBLISHED, WebhookSubscription
from ..webhooks.options import WebhookOptions
from ..webhooks.retry import parse_retry_after, retry_wait
from ..webhooks.signing import message_id_for
from .base import CannotSend, ChannelBackend, DeliveryRun, Message, Refused, RetryLater, Sent

if TYPE_CHECKING:
    from ..models import Delivery, MailingList
    from ..services import DispatchOutbox

# Where a receiver's Retry-After is read: "slow down" and "back later".
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_DETAIL_LENGTH = 200
# The longest a pause (or a lost lease) goes unnoticed by the sending threads; also well
# inside the lease, so it never lapses while deliveries progress.
_RENEW_EVERY = 1.0


@dataclass(frozen=True, slots=True)
class _DeliveryFacts:
    """What a payload needs of its Delivery row and dispatch."""

    delivery_id: int | None = None
    page_id: int | None = None
    created_at: datetime | None = None
    # Loaded with the others when the dispatch started; None: load it now.
    subscription: WebhookSubscription | None = None


class _SharedLease:
    """The dispatch's lease, renewed for every sending thread at most every ``interval``
    seconds; once lost (or the dispatch paused), lost for all of them."""

    def __init__(self, renew: Callable[[], bool], interval: float) -> None:
        self._renew = renew
        self._interval = interval
        self._lock = threading.Lock()
        self._renewed_at = float("-inf")
        self._held = True

    def renew(self) -> bool:
        with self._lock:
            if self._held and time.monotonic() - self._renewed_at >= self._interval:
                self._held = self._renew()
                self._renewed_at = time.monotonic()
            return self._held


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

    def deliver_dispatch(self, outbox: "DispatchOutbox") -> DeliveryRun:
        """Deliver the due messages, the endpoints in parallel (bounded), each endpoint's
        in order."""
        due = list(outbox.due().only("pk", "recipient", "idempotency_key"))
        subscriptions = selectors.subscriptions_for_recipients([d.recipient for d in due])
        groups = _by_endpoint(due, subscriptions)
        dispatch = outbox.dispatch
        facts = {
            delivery.idempotency_key: _DeliveryFacts(
                delivery.pk,
                dispatch.page_id,
                dispatch.created_at,
                subscriptions.get(delivery.recipient),
            )
            for delivery in due
        }

        def send(message: Message) -> Sent:
            return self._send(message, facts.get(message.idempotency_key, _DeliveryFacts()))

        workers = min(self.webhook_options.concurrency, len(groups))
        if workers <= 1:  # one endpoint: no thread to start (and the caller's connection)
            return outbox.send_each(send)
        interval = min(_RENEW_EVERY, _lease_seconds() / 3)
        lease = _SharedLease(outbox.renew, interval)
        parts: queue.SimpleQueue[DispatchOutbox] = queue.SimpleQueue()
        for group in groups:
            parts.put(outbox.part([delivery.pk for delivery in group], renew=lease.renew))

        def work() -> DeliveryRun:
            run = DeliveryRun()
            try:
                while not run.stopped:
                    try:
                        part = parts.get_nowait()
                    except queue.Empty:
                        break
                    _add(run, part.send_each(send))
            finally:
                connections.close_all()  # this thread's own connections
            return run

        total = DeliveryRun()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhooks") as pool:
            for run in [pool.submit(work) for _ in range(workers)]:
                _add(total, run.result())
        return total

    def send(self, message: Message) -> Sent:
        delivery = selectors.delivery_for_key(message.idempotency_key)
        if delivery is None:
            return self._send(message, _DeliveryFacts())
        dispatch = delivery.dispatch
        return self._send(
            message, _DeliveryFacts(delivery.pk, dispatch.page_id, dispatch.created_at)
        )

    def _send(self, message: Message, facts: _DeliveryFacts) -> Sent:
        subscription = facts.subscription or selectors.subscription_for_recipient(message.recipient)
        if subscription is None:
            raise Refused(f"no webhook subscription {message.recipient!r} (deleted?)")
        event = str(message.extra.get("event") or PAGE_PUBLISHED)
        if not subscription.is_active:
            reason = subscription.disabled_reason or "no reason recorded"
            raise Refused(f"webhook “{subscription.name}” is disabled: {reason}")
        if event not in subscription.events:
            raise Refused(f"webhook “{subscription.name}” no longer subscribes to {event}")
        attempt = max(1, int(message.extra.get("attempt") or 1))
        data: dict[str, Any] = {
            "title": message.title,
            "url": message.url,
            "summary": message.summary,
            "text": message.text,
        }
        if message.image_url:
            data["image_url"] = message.image_url
        if facts.page_id is not None:
            data["page_id"] = facts.page_id
        options = self.webhook_options
        outcome = services.deliver_webhook(
            subscription,
            event=event,
            data=data,
            occurred_at=self._occurred_at(message, facts),
            msg_id=message_id_for(message.idempotency_key),
            attempt=attempt,
            options=options,
            delivery_id=facts.delivery_id,
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
    def _occurred_at(message: Message, facts: _DeliveryFacts) -> datetime:
        """When the event happened (the same on every retry): the caller's ``occurred_at``,
        else when the publish wrote the dispatch."""
        given = message.extra.get("occurred_at")
        if isinstance(given, datetime):
            return given
        if isinstance(given, str) and (parsed := parse_datetime(given)) is not None:
            return parsed
        if facts.created_at is not None:
            return facts.created_at
        return timezone.now()


def _by_endpoint(
    due: "list[Delivery]", subscriptions: dict[str, WebhookSubscription]
) -> "list[list[Delivery]]":
    """The due deliveries in groups that go one after another: one group per endpoint URL
    (several subscriptions may share one), in the order they are due."""
    groups: dict[str, list[Delivery]] = {}
    for delivery in due:
        subscription = subscriptions.get(delivery.recipient)
        endpoint = subscription.url if subscription is not None else delivery.recipient
        groups.setdefault(endpoint, []).append(delivery)
    return list(groups.values())


def _add(total: DeliveryRun, run: DeliveryRun) -> None:
    total.sent += run.sent
    total.failed += run.failed
    total.retrying += run.retrying
    total.stopped = total.stopped or run.stopped


def _lease_seconds() -> float:
    # As distribution.services.lease_seconds (not imported: services imports the channels).
    return float(getattr(settings, "DISTRIBUTION_LEASE_SECONDS", 30))


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
