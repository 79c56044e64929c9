"""Writes for subscriber imports: start one from a checked file, run it in batches, resume it.

Each batch is one transaction that writes its subscriptions, its report rows, the counts and
the resume point together, so a worker killed mid-way leaves the batch undone, not half
done, and a resumed run starts at the first row not committed. Confirmation e-mails are
enqueued by ``newsletter.subscribe`` on commit, so a batch that rolls back sends none.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from wagtail.log_actions import log

from ..newsletter import selectors as newsletter_selectors
from ..newsletter import subscriptions as newsletter
from ..newsletter.models import MailingList, Subscriber, Subscription, Suppression
from . import csv_files, selectors, tasks
from .models import SubscriberImport, SubscriberImportRow

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser

BATCH_SIZE = 200
# Attempts at a batch that collided with a concurrent sign-up of one of its addresses.
BATCH_ATTEMPTS = 3

IMPORT_STARTED = "distribution.subscribers.import"
IMPORT_FINISHED = "distribution.subscribers.import_done"
IMPORT_FAILED = "distribution.subscribers.import_failed"
IMPORT_RESUMED = "distribution.subscribers.import_resume"

Outcome = SubscriberImportRow.Outcome
ConsentMode = SubscriberImport.ConsentMode
Status = SubscriberImport.Status


class ImportConsentError(ValueError):
    """Confirmed mode without the statement of where consent was recorded."""


class ImportNotResumableError(ValueError):
    """The import is done, or still moving."""


def consent_problems(
    *, consent_mode: str, consent_attested: bool, consent_record: str
) -> dict[str, str]:
    """What is missing for ``consent_mode``, by form field (empty when nothing is)."""
    if consent_mode != ConsentMode.CONFIRMED:
        return {}
    problems = {}
    if not consent_record.strip():
        problems["consent_record"] = "Say where these people's consent was recorded."
    if not consent_attested:
        problems["consent_attested"] = "Tick the box to confirm that everyone in the file opted in."
    return problems


def start_import(
    *,
    subscriber_csv: csv_files.SubscriberCsv,
    file_name: str,
    mailing_list: MailingList,
    consent_mode: str,
    consent_record: str = "",
    consent_attested: bool = False,
    by: User,
) -> SubscriberImport:
    """Record the import and queue its task (after commit)."""
    if problems := consent_problems(
        consent_mode=consent_mode,
        consent_attested=consent_attested,
        consent_record=consent_record,
    ):
        raise ImportConsentError(" ".join(problems.values()))
    confirmed = consent_mode == ConsentMode.CONFIRMED
    with transaction.atomic():
        subscriber_import = SubscriberImport.objects.create(
            mailing_list=mailing_list,
            uploaded_by_id=by.pk if by.is_authenticated else None,
            file_name=file_name[:255],
            source=subscriber_csv.text,
            consent_mode=consent_mode,
            consent_record=consent_record.strip() if confirmed else "",
            consent_attested=consent_attested and confirmed,
            total_rows=len(subscriber_csv.rows),
        )
        log(
            subscriber_import,
            IMPORT_STARTED,
            user=by,
            data={
                "file": subscriber_import.file_name,
                "list": mailing_list.name,
                "list_id": mailing_list.pk,
                "rows": subscriber_import.total_rows,
                "consent_mode": consent_mode,
                "consent_record": subscriber_import.consent_record,
            },
        )
        _enqueue_after_commit(subscriber_import.pk)
    return subscriber_import


def resume_import(*, subscriber_import: SubscriberImport, by: User) -> SubscriberImport:
    """Queue a failed or stalled import again; it goes on from its first uncommitted row."""
    with transaction.atomic():
        locked = (
            SubscriberImport.objects.select_for_update()
            .defer("source")
            .get(pk=subscriber_import.pk)
        )
        if not selectors.is_resumable(locked):
            raise ImportNotResumableError(
                "This import is finished." if locked.status == Status.DONE else "It is running."
            )
        # A worker still on it after all does no harm: batches take turns under the row lock,
        # each starting at the committed resume point.
        locked.status = Status.QUEUED
        locked.error = ""
        locked.finished_at = None
        locked.save(update_fields=["status", "error", "finished_at", "updated_at"])
        log(locked, IMPORT_RESUMED, user=by, data={"rows_done": locked.processed_rows})
        _enqueue_after_commit(locked.pk)
    return locked


def run_import(*, import_id: int) -> SubscriberImport | None:
    """Import the rows not imported yet; None when there is nothing to do (done, failed and
    not resumed, deleted). A second worker on the same import takes turns batch by batch."""
    if not _claim(import_id):
        return None
    try:
        subscriber_import = SubscriberImport.objects.only("source").get(pk=import_id)
        rows = [_checked(row) for row in csv_files.parse(subscriber_import.source).rows]
        first_rows: dict[str, int] = {}
        for row in rows:
            if row.address:
                first_rows.setdefault(row.address, row.number)
        while _import_next_batch(import_id, rows, first_rows):
            pass
    except Exception as error:
        _fail(import_id, error)
        raise
    return SubscriberImport.objects.defer("source").get(pk=import_id)


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    value: str
    name: str
    address: str  # normalised; "" when the value is not an address
    problem: str


@dataclass(frozen=True, slots=True)
class _Done:
    outcome: str
    reason: str
    subscription: Subscription | None = None


def _checked(row: csv_files.CsvRow) -> _Row:
    value = row.email[:500]
    if not row.email:
        return _Row(row.number, value, row.name, "", "no e-mail address")
    if len(row.email) > 254:
        return _Row(row.number, value, row.name, "", "too long for an e-mail address")
    try:
        address = newsletter.normalise_email(row.email)
    except newsletter.SubscriptionError:
        return _Row(row.number, value, row.name, "", "not an e-mail address")
    return _Row(row.number, value, row.name, address, "")


def _enqueue_after_commit(import_id: int) -> None:
    transaction.on_commit(lambda: tasks.import_subscribers.enqueue(import_id))


def _claim(import_id: int) -> bool:
    with transaction.atomic():
        subscriber_import = (
            SubscriberImport.objects.select_for_update().defer("source").filter(pk=import_id)
        ).first()
        if subscriber_import is None or subscriber_import.status not in (
            Status.QUEUED,
            Status.RUNNING,
        ):
            return False
        if subscriber_import.status == Status.QUEUED:
            subscriber_import.status = Status.RUNNING
            subscriber_import.started_at = subscriber_import.started_at or timezone.now()
            subscriber_import.save(update_fields=["status", "started_at", "updated_at"])
    return True


def _import_next_batch(import_id: int, rows: list[_Row], first_rows: dict[str, int]) -> bool:
    """One batch in one transaction; False once there is none left (or another run took over)."""
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                locked = (
                    SubscriberImport.objects.select_for_update(of=("self",))
                    .select_related("mailing_list")
                    .defer("source")
                    .get(pk=import_id)
                )
                if locked.status != Status.RUNNING:
                    return False
                start = locked.processed_rows
                batch = rows[start : start + BATCH_SIZE]
                done = _import_rows(locked, batch, first_rows)
                SubscriberImportRow.objects.bulk_create(
                    SubscriberImportRow(
                        subscriber_import=locked,
                        row_number=row.number,
                        value=row.value,
                        outcome=result.outcome,
                        reason=result.reason[:255],
                        subscription=result.subscription,
                    )
                    for row, result in zip(batch, done, strict=True)
                )
                _count(locked, done)
                locked.processed_rows = start + len(batch)
                locked.total_rows = len(rows)
                fields = [
                    "processed_rows",
                    "total_rows",
                    "created_count",
                    "updated_count",
                    "skipped_count",
                    "failed_count",
                    "updated_at",
                ]
                more = locked.processed_rows < len(rows)
                if not more:
                    locked.status = Status.DONE
                    locked.finished_at = timezone.now()
                    fields += ["status", "finished_at"]
                locked.save(update_fields=fields)
                if not more:
                    log(locked, IMPORT_FINISHED, user=None, data=_counts(locked))
                return more
        except IntegrityError:
            # Someone signed up with one of the batch's addresses meanwhile: the batch rolled
            # back whole (its e-mails with it), and is worked out again from what is there now.
            if attempt == BATCH_ATTEMPTS:
                raise
            logger.info("subscriber import %s: batch collided, retrying", import_id)
    return False


def _import_rows(
    subscriber_import: SubscriberImport, batch: list[_Row], first_rows: dict[str, int]
) -> list[_Done]:
    mailing_list = subscriber_import.mailing_list
    addresses = {row.address for row in batch if row.address}
    suppressed = dict(
        Suppression.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses)
        .values_list("address", "reason")
    )
    erased = newsletter_selectors.erased_among(addresses)
    subscribers = {
        subscriber.email.lower(): subscriber
        for subscriber in Subscriber.objects.annotate(address=Lower("email")).filter(
            address__in=addresses
        )
    }
    subscriptions = {
        subscription.subscriber_id: subscription
        for subscription in Subscription.objects.filter(
            mailing_list=mailing_list, subscriber__in=list(subscribers.values())
        )
    }
    confirmed_mode = subscriber_import.consent_mode == ConsentMode.CONFIRMED
    done = []
    for row in batch:
        if row.problem:
            done.append(_Done(Outcome.FAILED, row.problem))
            continue
        if (first := first_rows[row.address]) != row.number:
            done.append(_Done(Outcome.SKIPPED, f"duplicate of row {first}"))
            continue
        if (reason := suppressed.get(row.address)) is not None:
            label = Suppression.Reason(reason).label if reason in Suppression.Reason else reason
            done.append(_Done(Outcome.SKIPPED, f"suppressed ({label}): nothing is sent to it"))
            continue
        if row.address in erased:
            done.append(_Done(Outcome.SKIPPED, "erased on request: nothing is sent to it"))
            continue
        subscriber = subscribers.get(row.address)
        existing = subscriptions.get(subscriber.pk) if subscriber else None
        if existing is not None:
            done.append(_existing(existing, confirmed_mode=confirmed_mode))
        elif confirmed_mode:
            done.append(_subscribe_confirmed(row, subscriber, mailing_list))
        else:
            subscription = newsletter.subscribe(
                email=row.address, mailing_list=mailing_list, name=row.name
            )
            done.append(_Done(Outcome.CREATED, "confirmation e-mail sent", subscription))
    return done


def _existing(subscription: Subscription, *, confirmed_mode: bool) -> _Done:
    if subscription.status == Subscription.Status.CONFIRMED:
        return _Done(Outcome.SKIPPED, "already confirmed on this list", subscription)
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        # Their own decision: only they can undo it (through the sign-up form).
        return _Done(Outcome.SKIPPED, "unsubscribed from this list", subscription)
    if not confirmed_mode:
        return _Done(
            Outcome.SKIPPED,
            "already waiting for confirmation (no second e-mail)",
            subscription,
        )
    newsletter.confirm(subscription)
    return _Done(Outcome.UPDATED, "was waiting for confirmation; now confirmed", subscription)


def _subscribe_confirmed(
    row: _Row, subscriber: Subscriber | None, mailing_list: MailingList
) -> _Done:
    if subscriber is None:
        subscriber = Subscriber.objects.create(email=row.address, name=row.name[:120])
    subscription = Subscription.objects.create(
        subscriber=subscriber,
        mailing_list=mailing_list,
        status=Subscription.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    return _Done(Outcome.CREATED, "confirmed (consent recorded with this import)", subscription)


def _count(subscriber_import: SubscriberImport, done: list[_Done]) -> None:
    for result in done:
        field = f"{result.outcome}_count"
        setattr(subscriber_import, field, getattr(subscriber_import, field) + 1)


def _counts(subscriber_import: SubscriberImport) -> dict[str, Any]:
    return {
        "rows": subscriber_import.total_rows,
        "created": subscriber_import.created_count,
        "updated": subscriber_import.updated_count,
        "skipped": subscriber_import.skipped_count,
        "failed": subscriber_import.failed_count,
    }


def _fail(import_id: int, error: Exception) -> None:
    logger.exception("subscriber import %s failed", import_id)
    with transaction.atomic():
        updated = SubscriberImport.objects.filter(pk=import_id, status=Status.RUNNING).update(
            status=Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if updated:
            failed = SubscriberImport.objects.defer("source").get(pk=import_id)
            log(failed, IMPORT_FAILED, user=None, data={**_counts(failed), "error": failed.error})
