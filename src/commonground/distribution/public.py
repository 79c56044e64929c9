"""What other apps may use of distribution: the page's Distribution tab, the feeds and the
demo loader; and for alignment's metric catalogue, the newsletter lists and channels with
counts of subscribers, unsubscriptions, sends and deliveries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q
from django.utils import timezone

from .channels import channel_choices
from .demo import load_distribution_demo
from .feeds import feed_links, feed_response
from .models import Delivery, Dispatch, MailingList, Subscription
from .plan import distribution_panel

__all__ = [
    "DeliveryCounts",
    "channels",
    "confirmed_subscribers",
    "delivery_counts",
    "distribution_panel",
    "feed_links",
    "feed_response",
    "load_distribution_demo",
    "mailing_lists",
    "newsletter_sends",
    "queued_sends",
    "subscribers_during",
    "unsubscribes",
]


# --- for the alignment metric catalogue ---------------------------------------------------


@dataclass(frozen=True)
class DeliveryCounts:
    """Deliveries by status, as the delivery view counts them per dispatch."""

    queued: int
    sent: int
    failed: int
    skipped: int

    @property
    def attempted(self) -> int:
        """Deliveries that reached an outcome: sent or failed (queued ones are still to
        try, skipped ones were never tried)."""
        return self.sent + self.failed


def mailing_lists() -> list[tuple[int, str]]:
    """(id, name) of every newsletter list, by name."""
    return list(MailingList.objects.order_by("name").values_list("pk", "name"))


def channels() -> list[tuple[str, str]]:
    """(name, label) of every configured channel; the name is the ``utm_source`` tag its
    links carry (see channels/links.py), as the delivery view's channel filter lists them."""
    return channel_choices()


def confirmed_subscribers(*, at: datetime | None = None, list_id: int | None = None) -> int:
    """Confirmed subscriptions (of one list, or of all lists) now, as the Lists listing's
    Confirmed column counts them; or at the moment ``at``, from each subscription's
    confirmation and unsubscription times (a re-subscription keeps only its latest
    confirmation, so an earlier spell of it is not seen)."""
    subscriptions = Subscription.objects.all()
    if list_id is not None:
        subscriptions = subscriptions.filter(mailing_list_id=list_id)
    if at is None or at >= timezone.now():
        return subscriptions.filter(status=Subscription.Status.CONFIRMED).count()
    return subscriptions.filter(_confirmed_at(at)).count()


def _confirmed_at(moment: datetime) -> Q:
    # Confirmed by then, and not unsubscribed between that confirmation and then.
    return Q(confirmed_at__lte=moment) & (
        Q(unsubscribed_at__isnull=True)
        | Q(unsubscribed_at__lt=F("confirmed_at"))
        | Q(unsubscribed_at__gt=moment)
    )


def unsubscribes(*, start: datetime, end: datetime, list_id: int | None = None) -> int:
    """Subscriptions (of one list, or all) that were confirmed and ended with an
    unsubscription between ``start`` (included) and ``end`` (excluded)."""
    subscriptions = Subscription.objects.filter(
        unsubscribed_at__gte=start, unsubscribed_at__lt=end, confirmed_at__isnull=False
    )
    if list_id is not None:
        subscriptions = subscriptions.filter(mailing_list_id=list_id)
    return subscriptions.count()


def subscribers_during(*, start: datetime, end: datetime, list_id: int | None = None) -> int:
    """Subscriptions (of one list, or all) confirmed at some moment between ``start`` and
    ``end``: those confirmed at ``start`` plus those confirmed later, before ``end``."""
    subscriptions = Subscription.objects.filter(confirmed_at__lt=end).exclude(
        unsubscribed_at__gte=F("confirmed_at"), unsubscribed_at__lt=start
    )
    if list_id is not None:
        subscriptions = subscriptions.filter(mailing_list_id=list_id)
    return subscriptions.count()


def newsletter_sends(*, start: datetime, end: datetime, list_id: int | None = None) -> int:
    """Newsletter messages sent between ``start`` (included) and ``end`` (excluded): the
    deliveries of newsletter dispatches the delivery log shows as sent, by their sent time."""
    deliveries = Delivery.objects.filter(
        status=Delivery.Status.SENT,
        sent_at__gte=start,
        sent_at__lt=end,
        dispatch__mailing_list__isnull=False,
    )
    if list_id is not None:
        deliveries = deliveries.filter(dispatch__mailing_list_id=list_id)
    return deliveries.count()


def delivery_counts(
    *, start: datetime, end: datetime, channel: str | None = None
) -> DeliveryCounts:
    """The deliveries of the dispatches (of one channel, or all) that started sending
    between ``start`` and ``end`` (a dispatch not started yet: by when it was due), by
    status as the delivery view counts them. Deliveries have no failure time of their own,
    so a dispatch's deliveries all count in the period it went out in."""
    when = Q(dispatch__started_at__gte=start, dispatch__started_at__lt=end) | Q(
        dispatch__started_at__isnull=True, dispatch__due_at__gte=start, dispatch__due_at__lt=end
    )
    deliveries = Delivery.objects.filter(when)
    if channel is not None:
        deliveries = deliveries.filter(dispatch__channel=channel)
    counts = deliveries.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Delivery.Status.values}
    )
    return DeliveryCounts(**{status: counts[status] or 0 for status in Delivery.Status.values})


# --- for content's calendar ----------------------------------------------------------------


@dataclass(frozen=True)
class QueuedSend:
    page_id: int
    title: str
    channel: str
    subject: str
    due_at: datetime


def queued_sends(*, start: datetime, end: datetime) -> list[QueuedSend]:
    """Dispatches not sent yet (queued or paused) due between ``start`` and ``end``."""
    rows = Dispatch.objects.filter(
        status__in=[Dispatch.Status.QUEUED, Dispatch.Status.PAUSED],
        due_at__gte=start,
        due_at__lt=end,
    ).values_list("page_id", "title", "channel", "subject", "due_at")
    return [QueuedSend(*row) for row in rows]
