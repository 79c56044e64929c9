"""Distribution's writes: a publish into the outbox, and the outbox into deliveries.

A publish writes one Dispatch per planned channel in the publishing transaction; the task
that delivers it is enqueued on commit. A worker delivers a dispatch only while it holds
the dispatch's lease (renewed as it works), so two workers never send the same dispatch and
a killed worker's dispatch is taken over once its lease lapses (``deliver_due``, run by the
scheduler). Every message has its Delivery row (unique idempotency key per plan row and
recipient) and is sent only from "queued", so a retry or a take-over sends nothing twice.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from wagtail.models import Page

from commonground.content.public import page_facts

from . import tasks
from .channels import ChannelBackend, DeliveryRun, Message, Refused, RetryLater, Sent, get_channel
from .channels.links import tagged_url
from .models import Delivery, Dispatch, PlannedChannel

logger = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> float:
    return float(getattr(settings, "DISTRIBUTION_LEASE_SECONDS", 30))


# --- publish -> outbox ------------------------------------------------------------------------


def campaign_of(page: Page) -> str:
    """The ``utm_campaign`` of the page's links: its campaign code, else its slug."""
    return page_facts(page).campaign_code


def send_tag(planned_channel_id: int) -> str:
    """The ``utm_content`` of a newsletter send's links: its plan row's id, which names one
    dispatch (``Dispatch.planned_channel_id`` is unique) and is known before it is made."""
    return f"send-{planned_channel_id}"


def record_publication(page: Page) -> list[Dispatch]:
    """The outbox rows for the published ``page``'s planned channels not dispatched yet.

    Called from ``page_published``, inside the publishing transaction when there is one."""
    rows = list(PlannedChannel.objects.filter(page=page).select_related("mailing_list"))
    if not rows:
        return []
    done = set(
        Dispatch.objects.filter(planned_channel_id__in=[r.pk for r in rows]).values_list(
            "planned_channel_id", flat=True
        )
    )
    pending = [row for row in rows if row.pk not in done]
    if not pending:
        return []
    created = []
    now = timezone.now()
    facts = page_facts(page)
    with transaction.atomic():
        for row in pending:
            channel = get_channel(row.channel)
            campaign = facts.campaign_code
            url = tagged_url(
                facts.url,
                source=row.channel,
                medium=channel.utm_medium,
                campaign=campaign,
                # A newsletter's links name their send: two sends of one page to two lists
                # share source, medium and campaign (see newsletter/send_stats.py).
                content=send_tag(row.pk) if channel.sends_to_list else "",
            )
            created.append(
                Dispatch.objects.create(
                    page=page,
                    planned_channel_id=row.pk,
                    channel=row.channel,
                    title=facts.title[:255],
                    url=url,
                    campaign=campaign[:255],
                    text=row.text,
                    subject=row.subject or facts.title[:200],
                    preheader=row.preheader,
                    summary=facts.summary,
                    html=channel.body_html(page=page, planned=row, url=url),
                    mailing_list=row.mailing_list,
                    due_at=max(row.send_at or now, now),
                )
            )
    due = [d.pk for d in created if d.due_at <= now]
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    return created


def _enqueue(dispatch_ids: list[int]) -> None:
    for dispatch_id in dispatch_ids:
        tasks.deliver_dispatch.enqueue(dispatch_id)


# --- the lease --------------------------------------------------------------------------------


def take_lease(dispatch_id: int, owner: str = WORKER_ID) -> bool:
    """Whether ``owner`` now holds the dispatch (free, lapsed or its own lease)."""
    now = timezone.now()
    taken = (
        Dispatch.objects.filter(
            pk=dispatch_id, status__in=[Dispatch.Status.QUEUED, Dispatch.Status.SENDING]
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds()),
            status=Dispatch.Status.SENDING,
        )
    )
    if taken:
        Dispatch.objects.filter(pk=dispatch_id, started_at__isnull=True).update(started_at=now)
    return bool(taken)


def _renew(dispatch_id: int, owner: str) -> bool:
    """Renew the lease; False when it was lost or the dispatch paused (stop sending)."""
    return bool(
        Dispatch.objects.filter(
            pk=dispatch_id, lease_owner=owner, status=Dispatch.Status.SENDING
        ).update(lease_until=timezone.now() + timedelta(seconds=lease_seconds()))
    )


def _release(dispatch_id: int, owner: str, **changes: Any) -> None:
    Dispatch.objects.filter(pk=dispatch_id, lease_owner=owner).update(
        lease_owner="", lease_until=None, **changes
    )


# --- delivering -------------------------------------------------------------------------------


def _expand(dispatch: Dispatch, channel: ChannelBackend) -> None:
    """One Delivery per recipient the channel names, once (a repeat after a crash creates
    nothing new)."""
    if dispatch.recipients_expanded:
        return
    with transaction.atomic():
        rows = [
            Delivery(
                dispatch=dispatch,
                recipient=recipient.address,
                subscription_id=recipient.subscription_id,
                idempotency_key=f"plan-{dispatch.planned_channel_id}:{recipient.key}",
                **_skipped(recipient.skipped),
            )
            for recipient in channel.dispatch_recipients(dispatch)
        ]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        Dispatch.objects.filter(pk=dispatch.pk).update(recipients_expanded=True)


def _skipped(reason: str) -> dict[str, Any]:
    return {"status": Delivery.Status.SKIPPED, "error": reason} if reason else {}


class DispatchOutbox:
    """A dispatch being delivered under ``owner``'s lease, as a channel backend's
    ``deliver_dispatch`` works through it: the due deliveries, the lease to renew between
    messages, and the one-at-a-time delivery of the channels that send each message alone."""

    def __init__(self, dispatch: Dispatch, owner: str) -> None:
        self.dispatch = dispatch
        self.owner = owner

    def due(self) -> QuerySet[Delivery]:
        """The deliveries still queued and due, oldest first."""
        return _due(self.dispatch.pk)

    def renew(self) -> bool:
        """Renew the lease; False when it was lost or the dispatch paused (stop sending)."""
        return _renew(self.dispatch.pk, self.owner)

    def send_each(self, send: Callable[[Message], Sent]) -> DeliveryRun:
        """Hand each due message to ``send`` and record what it answered."""
        return _deliver_messages(self, send)

    def part(self, delivery_ids: Collection[int], *, renew: Callable[[], bool]) -> "DispatchOutbox":
        """The same dispatch limited to ``delivery_ids``, its lease renewed through ``renew``:
        what a channel that sends in parallel (webhooks) hands each of its workers."""
        return _OutboxPart(self.dispatch, self.owner, delivery_ids=delivery_ids, renew=renew)


class _OutboxPart(DispatchOutbox):
    def __init__(
        self,
        dispatch: Dispatch,
        owner: str,
        *,
        delivery_ids: Collection[int],
        renew: Callable[[], bool],
    ) -> None:
        super().__init__(dispatch, owner)
        self.delivery_ids = list(delivery_ids)
        self._renew_lease = renew

    def due(self) -> QuerySet[Delivery]:
        return super().due().filter(pk__in=self.delivery_ids)

    def renew(self) -> bool:
        return self._renew_lease()


def deliver(dispatch_id: int, *, owner: str = WORKER_ID) -> DeliveryRun | None:
    """Deliver what is due of the dispatch; None when another worker holds it."""
    if not take_lease(dispatch_id, owner):
        return None
    dispatch = Dispatch.objects.select_related("mailing_list").get(pk=dispatch_id)
    channel = get_channel(dispatch.channel)
    try:
        _expand(dispatch, channel)
        if nothing := _nothing_to_send_to(dispatch, channel):
            _release(
                dispatch_id,
                owner,
                status=Dispatch.Status.FAILED,
                error=nothing,
                finished_at=timezone.now(),
            )
            return DeliveryRun()
        run = channel.deliver_dispatch(DispatchOutbox(dispatch, owner))
    except Exception as error:
        logger.exception("dispatch %s failed", dispatch_id)
        _release(dispatch_id, owner, error=str(error)[:2000])
        raise
    if run.stopped:
        _release(dispatch_id, owner)
        return run
    counts = progress(dispatch)  # one grouped query
    if counts[Delivery.Status.QUEUED]:  # retries later: the scheduler brings them back when due
        _release(dispatch_id, owner)
    else:
        failed_only = counts[Delivery.Status.FAILED] and not counts[Delivery.Status.SENT]
        status = Dispatch.Status.FAILED if failed_only else Dispatch.Status.DONE
        _release(dispatch_id, owner, status=status, finished_at=timezone.now())
    return run


def _nothing_to_send_to(dispatch: Dispatch, channel: ChannelBackend) -> str:
    """Why the dispatch has no message to deliver (no endpoint, an emptied list...), or ""
    when it has one: a dispatch for nobody fails with the reason, it is never "done"."""
    counts = progress(dispatch)
    if sum(counts.values()) - counts[Delivery.Status.SKIPPED]:
        return ""
    refusal = channel.cannot_send(mailing_list=dispatch.mailing_list)
    return f"nothing to send to ({refusal.reason if refusal else 'no recipients'})"


def _due(dispatch_id: int) -> QuerySet[Delivery]:
    now = timezone.now()
    return (
        Delivery.objects.filter(dispatch_id=dispatch_id, status=Delivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
    )


def _deliver_messages(outbox: DispatchOutbox, send: Callable[[Message], Sent]) -> DeliveryRun:
    dispatch = outbox.dispatch
    run = DeliveryRun()
    for delivery in list(outbox.due()):
        if not outbox.renew():
            run.stopped = True
            break
        attempt = delivery.attempts + 1
        message = Message(
            idempotency_key=delivery.idempotency_key,
            title=dispatch.title,
            url=dispatch.url,
            text=dispatch.text,
            summary=dispatch.summary,
            subject=dispatch.subject,
            preheader=dispatch.preheader,
            recipient=delivery.recipient,
            extra={"attempt": attempt},
        )
        changes: dict[str, Any] = {"attempts": attempt}
        try:
            sent = send(message)
        except RetryLater as error:
            wait = error.retry_after if error.retry_after is not None else 60.0
            changes |= {
                "error": str(error),
                "next_attempt_at": timezone.now() + timedelta(seconds=wait),
            }
            run.retrying += 1
        except Refused as error:
            changes |= {"status": Delivery.Status.FAILED, "error": str(error)}
            run.failed += 1
        else:
            changes |= {
                "status": Delivery.Status.SENT,
                "sent_at": timezone.now(),
                "remote_id": sent.remote_id[:500],
                "remote_url": sent.remote_url[:2000],
                "detail": sent.detail,
                "error": "",
            }
            run.sent += 1
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.QUEUED).update(**changes)
    return run


# --- control ---------------------------------------------------------------------------------


def pause(dispatch: Dispatch) -> bool:
    """Stop sending after the message in flight; False when it is not running or queued."""
    return bool(
        Dispatch.objects.filter(
            pk=dispatch.pk, status__in=[Dispatch.Status.QUEUED, Dispatch.Status.SENDING]
        ).update(status=Dispatch.Status.PAUSED)
    )


def resume(dispatch: Dispatch) -> bool:
    resumed = Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.Status.PAUSED).update(
        status=Dispatch.Status.QUEUED, lease_owner="", lease_until=None
    )
    if resumed:
        transaction.on_commit(lambda: _enqueue([dispatch.pk]))
    return bool(resumed)


def retry_failed(dispatch: Dispatch) -> int:
    """Queue the dispatch's failed deliveries again (the retry button)."""
    with transaction.atomic():
        count = Delivery.objects.filter(dispatch=dispatch, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED, next_attempt_at=None, error=""
        )
        if count:
            Dispatch.objects.filter(pk=dispatch.pk).exclude(status=Dispatch.Status.PAUSED).update(
                status=Dispatch.Status.QUEUED, finished_at=None
            )
            transaction.on_commit(lambda: _enqueue([dispatch.pk]))
    return count


def deliver_due() -> list[int]:
    """Enqueue every dispatch with work due and no live lease (after a crash, a scheduled
    time, retries that came due). Run by the scheduler."""
    now = timezone.now()
    candidates = (
        Dispatch.objects.filter(
            status__in=[Dispatch.Status.QUEUED, Dispatch.Status.SENDING], due_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .annotate(
            due=Count(
                "deliveries",
                filter=Q(deliveries__status=Delivery.Status.QUEUED)
                & (
                    Q(deliveries__next_attempt_at__isnull=True)
                    | Q(deliveries__next_attempt_at__lte=now)
                ),
            )
        )
        .filter(Q(recipients_expanded=False) | Q(due__gt=0))
        .values_list("pk", flat=True)
    )
    ids = list(candidates)
    _enqueue(ids)
    return ids


def progress(dispatch: Dispatch) -> dict[str, int]:
    counts = dict(
        Delivery.objects.filter(dispatch=dispatch)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Delivery.Status.values}
