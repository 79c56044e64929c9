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
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Page

from .channels import ChannelBackend, Message, Refused, RetryLater, get_channel
from .links import tagged_url
from .models import Delivery, Dispatch, MailingList, PlannedChannel
from .newsletter import (
    PREFERENCES_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    Edition,
    EditionMessages,
    preferences_url,
    recipients,
    text_from_html,
    unsubscribe_url,
)
from .smtp import SMTPAnswerLost, SMTPSendError, newsletter_connection

logger = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> float:
    return float(getattr(settings, "DISTRIBUTION_LEASE_SECONDS", 30))


# --- publish -> outbox ------------------------------------------------------------------------


def campaign_of(page: Page) -> str:
    specific = page.specific
    return str(getattr(specific, "campaign_code", "") or page.slug)


def _summary(page: Page) -> str:
    specific = page.specific
    for attribute in ("summary", "intro", "search_description"):
        value = getattr(specific, attribute, "")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return page.search_description or ""


def _newsletter_html(page: Page, row: PlannedChannel, url: str) -> str:
    specific = page.specific
    image = getattr(specific, "lead_image", None) or getattr(specific, "og_image", None)
    image_url = ""
    if image is not None:
        rendition = image.get_rendition("fill-1200x630|format-jpeg")
        image_url = rendition.full_url
    return render_to_string(
        "distribution/email/newsletter.html",
        {
            "title": page.title,
            "preheader": row.preheader,
            "summary": _summary(page),
            "url": url,
            "image_url": image_url,
            "image_alt": getattr(image, "alt_text", "") if image is not None else "",
            "list": row.mailing_list,
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "preferences_url": PREFERENCES_PLACEHOLDER,
            "site_name": settings.WAGTAIL_SITE_NAME,
        },
    )


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
    created = []
    now = timezone.now()
    with transaction.atomic():
        for row in rows:
            if row.pk in done:
                continue
            channel = get_channel(row.channel)
            campaign = campaign_of(page)
            url = tagged_url(
                page.full_url or "",
                source=row.channel,
                medium=channel.utm_medium,
                campaign=campaign,
            )
            created.append(
                Dispatch.objects.create(
                    page=page,
                    planned_channel_id=row.pk,
                    channel=row.channel,
                    title=page.title[:255],
                    url=url,
                    campaign=campaign[:255],
                    text=row.text,
                    subject=row.subject or page.title[:200],
                    preheader=row.preheader,
                    summary=_summary(page),
                    html=_newsletter_html(page, row, url) if row.mailing_list_id else "",
                    mailing_list=row.mailing_list,
                    due_at=max(row.send_at or now, now),
                )
            )
    due = [d.pk for d in created if d.due_at <= now]
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    return created


def _enqueue(dispatch_ids: list[int]) -> None:
    from .tasks import deliver_dispatch

    for dispatch_id in dispatch_ids:
        deliver_dispatch.enqueue(dispatch_id)


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
    """One Delivery per recipient, once (a repeat after a crash creates nothing new)."""
    if dispatch.recipients_expanded:
        return
    with transaction.atomic():
        if dispatch.mailing_list_id:
            rows = [
                Delivery(
                    dispatch=dispatch,
                    recipient=s.subscriber.email,
                    subscription=s,
                    idempotency_key=f"plan-{dispatch.planned_channel_id}:list-{s.mailing_list_id}:sub-{s.pk}",
                )
                for s in recipients(dispatch.mailing_list)  # type: ignore[arg-type]
            ]
        elif channel.per_recipient:
            names = channel.recipients("page.published")
            rows = [
                Delivery(
                    dispatch=dispatch,
                    recipient=name,
                    idempotency_key=f"plan-{dispatch.planned_channel_id}:{name}",
                )
                for name in names
            ]
        else:
            rows = [
                Delivery(
                    dispatch=dispatch,
                    idempotency_key=f"plan-{dispatch.planned_channel_id}:{dispatch.channel}",
                )
            ]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        Dispatch.objects.filter(pk=dispatch.pk).update(recipients_expanded=True)


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    stopped: bool = False  # paused or the lease was lost


def deliver(dispatch_id: int, *, owner: str = WORKER_ID) -> DeliveryRun | None:
    """Deliver what is due of the dispatch; None when another worker holds it."""
    if not take_lease(dispatch_id, owner):
        return None
    dispatch = Dispatch.objects.select_related("mailing_list").get(pk=dispatch_id)
    channel = get_channel(dispatch.channel)
    try:
        _expand(dispatch, channel)
        if dispatch.mailing_list_id:
            run = _deliver_newsletter(dispatch, owner)
        else:
            run = _deliver_messages(dispatch, channel, owner)
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


def _due(dispatch_id: int) -> Any:
    now = timezone.now()
    return (
        Delivery.objects.filter(dispatch_id=dispatch_id, status=Delivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
    )


def _deliver_messages(dispatch: Dispatch, channel: ChannelBackend, owner: str) -> DeliveryRun:
    run = DeliveryRun()
    for delivery in list(_due(dispatch.pk)):
        if not _renew(dispatch.pk, owner):
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
            sent = channel.send(message)
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


def _edition(dispatch: Dispatch) -> Edition:
    mailing_list: MailingList = dispatch.mailing_list  # type: ignore[assignment]
    return Edition(
        subject=dispatch.subject,
        preheader=dispatch.preheader,
        html=dispatch.html,
        text=text_from_html(dispatch.html),
        from_email=mailing_list.from_email or settings.DEFAULT_FROM_EMAIL,
        list_id=mailing_list.pk,
        list_name=mailing_list.name,
    )


def _batches(dispatch_id: int, size: int = 200) -> Iterator[Delivery]:
    """The due deliveries, a batch at a time (each one leaves "queued" as it is handled, so
    the next query starts after it; no cursor stays open while rows are written)."""
    while True:
        batch = list(_due(dispatch_id).select_related("subscription__subscriber")[:size])
        if not batch:
            return
        yield from batch


def _deliver_newsletter(dispatch: Dispatch, owner: str) -> DeliveryRun:
    """Each message sent once (see smtp.py): committed as sent just before its final "."."""
    run = DeliveryRun()
    edition = _edition(dispatch)
    messages = EditionMessages(edition)
    sender = parseaddr(edition.from_email)[1]  # the envelope's: the address alone
    renewed = time.monotonic()
    unconfirmed: list[int] = []  # sent but the server's answer not read yet: at most one
    channel = get_channel(dispatch.channel)
    max_rate = float(channel.options.get("max_per_second", 0) or 0)
    with newsletter_connection(max_per_second=max_rate) as smtp:
        for delivery in _batches(dispatch.pk):
            if run.stopped:
                break
            if time.monotonic() - renewed > 1:
                if not _renew(dispatch.pk, owner):
                    run.stopped = True
                    break
                renewed = time.monotonic()
            subscription = delivery.subscription
            if subscription is None:  # deleted since: a data-subject request, say
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.SKIPPED, error="the subscription was deleted"
                )
                continue
            body = messages.message(
                to=delivery.recipient,
                unsubscribe=unsubscribe_url(subscription),
                preferences=preferences_url(subscription),
                idempotency_key=delivery.idempotency_key,
            )

            def committed(
                delivery_id: int = delivery.pk, attempts: int = delivery.attempts
            ) -> None:
                with transaction.atomic():
                    if unconfirmed:
                        Delivery.objects.filter(pk__in=unconfirmed).update(unconfirmed=False)
                    Delivery.objects.filter(pk=delivery_id).update(
                        status=Delivery.Status.SENT,
                        unconfirmed=True,
                        sent_at=timezone.now(),
                        attempts=attempts + 1,
                    )
                unconfirmed[:] = [delivery_id]

            try:
                smtp.send(
                    sender=sender, recipient=delivery.recipient, message=body, committed=committed
                )
            except SMTPAnswerLost as error:
                logger.warning("SMTP answer lost for delivery %s: %s", delivery.pk, error)
                unconfirmed.clear()  # stays marked unconfirmed, sent
                run.sent += 1
                continue
            except SMTPSendError as error:
                changes: dict[str, Any] = {"attempts": delivery.attempts + 1, "error": str(error)}
                if error.permanent:
                    changes |= {"status": Delivery.Status.FAILED, "unconfirmed": False}
                    run.failed += 1
                else:
                    changes |= {
                        "status": Delivery.Status.QUEUED,
                        "unconfirmed": False,
                        "next_attempt_at": timezone.now() + timedelta(seconds=60),
                    }
                    run.retrying += 1
                Delivery.objects.filter(pk=delivery.pk).update(**changes)
                if delivery.pk in unconfirmed:
                    unconfirmed.clear()
                continue
            run.sent += 1
    if unconfirmed:
        Delivery.objects.filter(pk__in=unconfirmed).update(unconfirmed=False)
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
