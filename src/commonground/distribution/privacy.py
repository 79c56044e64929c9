"""Distribution's personal data for governance's privacy operations: what expires (delivery
log, webhook attempts, import files and reports, unconfirmed sign-ups) and what is held about
one address (subscriber, subscriptions, deliveries, suppression, import rows)."""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from commonground.core.mail.email_digest import email_digest
from commonground.governance.public import (
    PersonalDataSource,
    RetentionKind,
    Rows,
    register_personal_data,
    register_retention_kind,
    rows_of,
    search_fragment,
)

from .imports.models import SubscriberImport, SubscriberImportRow
from .models import Delivery, Dispatch, ErasedAddress, Subscriber, Subscription, Suppression
from .webhooks.models import WebhookAttempt

FINISHED_DISPATCH = (Dispatch.Status.DONE, Dispatch.Status.FAILED)
FINISHED_IMPORT = (SubscriberImport.Status.DONE, SubscriberImport.Status.FAILED)


def _expired_deliveries(cutoff: datetime) -> QuerySet[Delivery]:
    # Only messages to a person (newsletters); a social post's or webhook's row names no one.
    return Delivery.objects.filter(
        dispatch__status__in=FINISHED_DISPATCH,
        dispatch__finished_at__lt=cutoff,
        recipient__contains="@",
    )


def _expired_import_files(cutoff: datetime) -> QuerySet[SubscriberImport]:
    return SubscriberImport.objects.filter(
        status__in=FINISHED_IMPORT, finished_at__lt=cutoff
    ).exclude(source="")


def _clear_import_files(batch: QuerySet[SubscriberImport]) -> int:
    return batch.update(source="")


def _expired_import_rows(cutoff: datetime) -> QuerySet[SubscriberImportRow]:
    # A row that subscribed someone still on the list is that subscription's consent record.
    return SubscriberImportRow.objects.filter(
        subscriber_import__status__in=FINISHED_IMPORT,
        subscriber_import__finished_at__lt=cutoff,
        subscription__isnull=True,
    )


def _expired_pending(cutoff: datetime) -> QuerySet[Subscription]:
    return Subscription.objects.alias(
        last_asked=Coalesce("confirmation_sent_at", "created_at")
    ).filter(status=Subscription.Status.PENDING, last_asked__lt=cutoff)


def _expired_listless(cutoff: datetime) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(created_at__lt=cutoff, subscriptions__isnull=True)


RETENTION_KINDS = (
    RetentionKind(
        "newsletter_deliveries",
        "Newsletter delivery log",
        180,
        _expired_deliveries,
        description="One row per message to a subscriber, once its send has finished.",
    ),
    RetentionKind(
        "webhook_attempts",
        "Webhook attempts",
        90,
        lambda cutoff: WebhookAttempt.objects.filter(sent_at__lt=cutoff),
        description="Each request to a webhook receiver and the start of its answer.",
    ),
    RetentionKind(
        "subscriber_import_files",
        "Subscriber import files",
        30,
        _expired_import_files,
        _clear_import_files,
        description="The uploaded CSV's text of a finished import (emptied; the import stays).",
    ),
    RetentionKind(
        "subscriber_import_rows",
        "Subscriber import reports",
        180,
        _expired_import_rows,
        description="Per-row reports of finished imports, except rows that are a current "
        "subscription's consent record.",
    ),
    RetentionKind(
        "unconfirmed_subscriptions",
        "Unconfirmed sign-ups",
        30,
        _expired_pending,
        description="Subscriptions still waiting for double opt-in since the last link sent.",
    ),
    RetentionKind(
        "listless_subscribers",
        "Subscribers on no list",
        30,
        _expired_listless,
        description="Addresses left without any subscription (e.g. after the sign-up expired).",
    ),
)


# --- one address ------------------------------------------------------------------------


def _subscribers(address: str) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(email__iexact=address)


def _deliveries(address: str) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        Q(recipient__iexact=address) | Q(subscription__subscriber__in=_subscribers(address))
    )


def _import_rows(address: str) -> list[SubscriberImportRow]:
    # The cell as it was in the file: filtered in SQL, confirmed here once trimmed.
    candidates = SubscriberImportRow.objects.filter(value__icontains=search_fragment(address))
    return [row for row in candidates if row.value.strip().lower() == address]


def _import_files(address: str) -> QuerySet[SubscriberImport]:
    return SubscriberImport.objects.filter(
        status__in=FINISHED_IMPORT, source__icontains=search_fragment(address)
    ).only("pk", "file_name", "created_at", "source")


def _files_naming(address: str) -> list[SubscriberImport]:
    return [i for i in _import_files(address) if address in i.source.lower()]


def find(address: str) -> dict[str, Rows]:
    return {
        "subscribers": rows_of(_subscribers(address), "id", "email", "name", "created_at"),
        "subscriptions": [
            {
                "id": s.pk,
                "list": s.mailing_list.name,
                "status": s.status,
                "created_at": s.created_at,
                "confirmed_at": s.confirmed_at,
                "unsubscribed_at": s.unsubscribed_at,
            }
            for s in Subscription.objects.filter(subscriber__in=_subscribers(address))
            .select_related("mailing_list")
            .order_by("pk")
        ],
        "deliveries": [
            {
                "id": d.pk,
                "subject": d.dispatch.subject or d.dispatch.title,
                "status": d.status,
                "sent_at": d.sent_at,
                "error": d.error,
            }
            for d in _deliveries(address).select_related("dispatch").order_by("pk")
        ],
        "suppressions": rows_of(
            Suppression.objects.filter(email__iexact=address),
            *("id", "email", "reason", "detail", "created_at"),
        ),
        "import_rows": [
            {
                "id": row.pk,
                "import": row.subscriber_import_id,
                "row_number": row.row_number,
                "value": row.value,
                "outcome": row.outcome,
            }
            for row in _import_rows(address)
        ],
        "import_files": [
            {"id": i.pk, "file_name": i.file_name, "created_at": i.created_at}
            for i in _files_naming(address)
        ],
    }


def erase(address: str) -> dict[str, int]:
    """Delete what names the address, clear finished import files that contain it, and keep
    its keyed digest so that nothing is sent to it again (see docs/architecture.md)."""
    counts: dict[str, Any] = {}
    counts["deliveries"] = _deliveries(address).delete()[1].get("distribution.Delivery", 0)
    row_ids = [row.pk for row in _import_rows(address)]
    counts["import_rows"] = SubscriberImportRow.objects.filter(pk__in=row_ids).delete()[0]
    file_ids = [i.pk for i in _files_naming(address)]
    counts["import_files"] = SubscriberImport.objects.filter(pk__in=file_ids).update(source="")
    deleted = _subscribers(address).delete()[1]
    counts["subscribers"] = deleted.get("distribution.Subscriber", 0)
    counts["subscriptions"] = deleted.get("distribution.Subscription", 0)
    counts["suppressions"] = Suppression.objects.filter(email__iexact=address).delete()[0]
    ErasedAddress.objects.get_or_create(digest=email_digest(address))
    return counts


PERSONAL_DATA = PersonalDataSource(
    "newsletter",
    "Newsletter",
    find,
    erase,
    treatment={
        "subscribers": "deleted, with their subscriptions",
        "deliveries": "deleted",
        "suppressions": "replaced by a keyed digest: nothing is sent to the address again",
        "import_rows": "deleted",
        "import_files": "file text emptied (the import's counts stay)",
    },
)


def register() -> None:
    for kind in RETENTION_KINDS:
        register_retention_kind(kind)
    register_personal_data(PERSONAL_DATA)
