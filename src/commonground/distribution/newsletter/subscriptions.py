"""Newsletter subscriptions: double opt-in, confirmation, one-click unsubscribe, suppression."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import Dispatch
from . import tasks
from .editions import absolute
from .models import MailingList, Subscriber, Subscription, Suppression
from .selectors import is_suppressed

# One confirmation e-mail per address and list in this time, however often the form is sent.
CONFIRMATION_INTERVAL = timedelta(minutes=10)


class SubscriptionError(ValueError):
    """An address or list that cannot be subscribed; the message says why, for the form."""


# Only addresses on a public domain name: Django's default also takes "a@localhost" and
# domain literals such as "a@[127.0.0.1]", which would have the newsletter mail this server
# or the internal network.
_PUBLIC_ADDRESS = EmailValidator(allowlist=[])


def normalise_email(address: str) -> str:
    """``address`` trimmed and lower-cased, or SubscriptionError when it is not one (or not on
    a public domain name)."""
    cleaned = address.strip().lower()
    try:
        _PUBLIC_ADDRESS(cleaned)
        if cleaned.rpartition("@")[2].startswith("["):
            raise ValueError("a domain literal")
    except Exception as error:  # ValidationError or ValueError: one message for the form
        raise SubscriptionError("That is not an e-mail address.") from error
    return cleaned


@transaction.atomic
def subscribe(*, email: str, mailing_list: MailingList, name: str = "") -> Subscription:
    """Start a subscription and e-mail the confirmation link (after commit).

    Asking again for a pending subscription sends the link again; a confirmed one is left as
    it is (no mail: nobody learns from the form whether an address is subscribed)."""
    address = normalise_email(email)
    subscriber = Subscriber.objects.filter(email__iexact=address).first()
    if subscriber is None:
        subscriber = Subscriber.objects.create(email=address, name=name.strip()[:120])
    subscription, _ = Subscription.objects.get_or_create(
        subscriber=subscriber, mailing_list=mailing_list
    )
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    asked_again = subscription.status == Subscription.Status.PENDING
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        subscription.status = Subscription.Status.PENDING
        subscription.save(update_fields=["status"])
    recently = (
        asked_again
        and subscription.confirmation_sent_at
        and (timezone.now() - subscription.confirmation_sent_at < CONFIRMATION_INTERVAL)
    )
    if not is_suppressed(address) and not recently:
        Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=timezone.now())

        transaction.on_commit(lambda: tasks.send_confirmation_email.enqueue(subscription.pk))
    return subscription


def send_confirmation(subscription_id: int) -> None:
    subscription = Subscription.objects.select_related("subscriber", "mailing_list").get(
        pk=subscription_id
    )
    link = absolute(
        reverse(
            "newsletter_confirm", args=[subscription.subscriber.token, subscription.mailing_list_id]
        )
    )
    context = {"list": subscription.mailing_list, "link": link}
    send_mail(
        subject=f"Please confirm: {subscription.mailing_list.name}",
        message=render_to_string("distribution/email/confirm.txt", context),
        from_email=subscription.mailing_list.from_email or settings.DEFAULT_FROM_EMAIL,
        recipient_list=[subscription.subscriber.email],
        html_message=render_to_string("distribution/email/confirm.html", context),
    )


@transaction.atomic
def confirm(subscription: Subscription) -> None:
    """Pending becomes confirmed; an unsubscribed one stays unsubscribed (the link is old)."""
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.status == Subscription.Status.PENDING:
        locked.status = Subscription.Status.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_at"])
    subscription.refresh_from_db()


@transaction.atomic
def unsubscribe(subscription: Subscription, *, via: "Dispatch | None" = None) -> None:
    """Off the list; ``via``: the send whose link was used (see ``send_of``)."""
    Subscription.objects.filter(pk=subscription.pk).exclude(
        status=Subscription.Status.UNSUBSCRIBED
    ).update(
        status=Subscription.Status.UNSUBSCRIBED,
        unsubscribed_at=timezone.now(),
        unsubscribed_via=via,
    )
    subscription.refresh_from_db()


def send_of(subscription: Subscription, send: str) -> "Dispatch | None":
    """The dispatch ``send`` (from an unsubscribe link's ``?send=``) names, if it really sent
    to ``subscription``: a made-up or another person's send id is not counted."""
    if not send.isdigit() or len(send) > 18:
        return None
    return Dispatch.objects.filter(pk=int(send), deliveries__subscription=subscription).first()


@transaction.atomic
def suppress(*, email: str, reason: str, detail: str = "") -> bool:
    """Send nothing more to ``email`` (a bounce, a complaint); False if it already was."""
    address = email.strip().lower()
    if is_suppressed(address):
        return False
    Suppression.objects.create(email=address, reason=reason, detail=detail[:2000])
    return True
