"""The newsletter's sender: a dispatch's messages out on one SMTP session, each one counted
as sent in the database just before the server has it (see smtp.py), with its outcome."""

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ..channels.base import DeliveryRun
from ..models import Delivery
from .editions import EditionMessages, edition_of, preferences_url, unsubscribe_url
from .smtp import SMTPAnswerLost, SMTPSendError, newsletter_connection

if TYPE_CHECKING:
    from ..services import DispatchOutbox

logger = logging.getLogger(__name__)


def _batches(outbox: "DispatchOutbox", size: int = 200) -> Iterator[Delivery]:
    """The due deliveries, a batch at a time (each one leaves "queued" as it is handled, so
    the next query starts after it; no cursor stays open while rows are written)."""
    while True:
        batch = list(outbox.due().select_related("subscription__subscriber")[:size])
        if not batch:
            return
        yield from batch


def send_edition(outbox: "DispatchOutbox", *, max_per_second: float = 0) -> DeliveryRun:
    """Every due message of the newsletter dispatch ``outbox`` holds, on one SMTP session,
    each sent once (see smtp.py): committed as sent just before its final "."."""
    run = DeliveryRun()
    edition = edition_of(outbox.dispatch)
    messages = EditionMessages(edition)
    sender = parseaddr(edition.from_email)[1]  # the envelope's: the address alone
    renewed = time.monotonic()
    unconfirmed: list[int] = []  # sent but the server's answer not read yet: at most one
    with newsletter_connection(max_per_second=max_per_second) as smtp:
        for delivery in _batches(outbox):
            if run.stopped:
                break
            if time.monotonic() - renewed > 1:
                if not outbox.renew():
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
                unsubscribe=unsubscribe_url(subscription, send=outbox.dispatch.pk),
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
                _record_refusal(delivery, error, run)
                if delivery.pk in unconfirmed:
                    unconfirmed.clear()
                continue
            run.sent += 1
    if unconfirmed:
        Delivery.objects.filter(pk__in=unconfirmed).update(unconfirmed=False)
    return run


def _record_refusal(delivery: Delivery, error: SMTPSendError, run: DeliveryRun) -> None:
    """A message the server refused: failed for good, or queued again in a minute."""
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
