"""Reads of the newsletter: who may be sent to, whose links these are, who the list reaches."""

from collections.abc import Iterable

from django.db.models import Q

from commonground.core.mail.email_digest import email_digests

from .models import ErasedAddress, MailingList, Subscription, Suppression


def is_suppressed(email: str) -> bool:
    """Nothing may be sent to ``email``: it is on the suppression list, or it was erased."""
    if Suppression.objects.filter(email__iexact=email).exists():
        return True
    return ErasedAddress.objects.filter(digest__in=email_digests(email)).exists()


def erased_among(addresses: Iterable[str]) -> set[str]:
    """Those of ``addresses`` that were erased on request. The digests are few (one per
    erasure) and cannot be compared in SQL, so they are read once and matched here."""
    erased = set(ErasedAddress.objects.values_list("digest", flat=True))
    if not erased:
        return set()
    return {a for a in addresses if not erased.isdisjoint(email_digests(a))}


def subscription_for(token: str, list_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("subscriber", "mailing_list")
        .filter(subscriber__token=token, mailing_list_id=list_id)
        .first()
    )


def recipients(mailing_list: MailingList) -> list[Subscription]:
    """The list's confirmed subscriptions, without suppressed addresses."""
    suppressed = Suppression.objects.values("email")
    subscriptions = list(
        Subscription.objects.filter(mailing_list=mailing_list, status=Subscription.Status.CONFIRMED)
        .exclude(Q(subscriber__email__in=suppressed))
        .select_related("subscriber")
        .order_by("pk")
    )
    erased = erased_among({s.subscriber.email for s in subscriptions})
    return [s for s in subscriptions if s.subscriber.email not in erased]


# Why a member of a list gets nothing, as the send's summary says it.
SKIPPED_UNCONFIRMED = "unconfirmed"
SKIPPED_UNSUBSCRIBED = "unsubscribed"
SKIPPED_SUPPRESSED = "suppressed"
SKIPPED_ERASED = "erased"


def list_members(mailing_list: MailingList) -> list[tuple[Subscription, str]]:
    """Every subscription of the list with why it is not sent to ("" when it is: confirmed,
    not suppressed, not erased), so that a send accounts for the whole list."""
    subscriptions = list(
        Subscription.objects.filter(mailing_list=mailing_list)
        .select_related("subscriber")
        .order_by("pk")
    )
    emails = {s.subscriber.email for s in subscriptions}
    suppressed = dict(Suppression.objects.filter(email__in=emails).values_list("email", "reason"))
    erased = erased_among(emails)
    members = []
    for subscription in subscriptions:
        email = subscription.subscriber.email
        if email in erased:
            reason = SKIPPED_ERASED
        elif email in suppressed:
            reason = f"{SKIPPED_SUPPRESSED} ({Suppression.Reason(suppressed[email]).label})"
        elif subscription.status == Subscription.Status.PENDING:
            reason = SKIPPED_UNCONFIRMED
        elif subscription.status == Subscription.Status.UNSUBSCRIBED:
            reason = SKIPPED_UNSUBSCRIBED
        else:
            reason = ""
        members.append((subscription, reason))
    return members
