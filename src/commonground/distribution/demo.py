"""The demo's distribution: a newsletter list with its people, a past send and a planned one."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from wagtail.models import Page

from .channels.links import tagged_url
from .models import (
    Brand,
    Delivery,
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
    Suppression,
)
from .newsletter import selectors
from .services import campaign_of

DEMO_DOMAIN = "@customers.example"
FIRST_NAMES = ("Ada", "Ben", "Chloé", "Dev", "Ewa", "Femi", "Goran", "Hana", "Ines", "Jonas")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Patel", "Nowak", "Adeyemi", "Kovač", "Sato")


def load_distribution_demo(
    *, sent: Page, upcoming: Page, write: Callable[[str], object] = print
) -> None:
    """A list of 80 people (most confirmed), ``sent`` mailed and posted three days ago, and a
    plan on ``upcoming`` that goes out when it is published."""
    site = sent.get_site()
    if site is not None:  # the newsletter's header: the organisation, not the software
        Brand.objects.update_or_create(site=site, defaults={"name": "Larkspur"})
    news, _ = MailingList.objects.get_or_create(
        name="Larkspur product news",
        defaults={
            "description": "What is new in Larkspur, once a month. No other mail.",
            "from_email": "Larkspur <news@larkspur.example>",
        },
    )
    people = [
        (f"{first} {last}", f"{first.lower()}.{last.lower()}{DEMO_DOMAIN}".replace("é", "e"))
        for last in LAST_NAMES
        for first in FIRST_NAMES
    ]
    statuses = ["confirmed"] * 70 + ["pending"] * 6 + ["unsubscribed"] * 4
    # A rebuild (load_demo --reset) starts the demo's people afresh.
    Subscriber.objects.filter(email__endswith=DEMO_DOMAIN).delete()
    Suppression.objects.filter(email__endswith=DEMO_DOMAIN).delete()
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(name=name, email=address.replace("č", "c")) for name, address in people]
    )
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, mailing_list=news, status=status)
        for s, status in zip(subscribers, statuses, strict=True)
    )
    Suppression.objects.create(
        email=subscribers[3].email, reason=Suppression.Reason.BOUNCE, detail="550 no such user"
    )
    sent_at = timezone.now() - timedelta(days=3)
    campaign = campaign_of(sent)
    url = sent.full_url or ""
    mail = Dispatch.objects.create(
        page=sent,
        planned_channel_id=-sent.pk,  # no plan row: sent before plans were kept
        channel="newsletter",
        title=sent.title,
        url=tagged_url(url, source="newsletter", medium="email", campaign=campaign),
        campaign=campaign,
        subject=sent.title,
        mailing_list=news,
        due_at=sent_at,
        status=Dispatch.Status.DONE,
        recipients_expanded=True,
        started_at=sent_at,
        finished_at=sent_at + timedelta(minutes=1),
    )
    # Every member of the list accounted for: sent, failed, or skipped with the reason.
    # The suppressed address bounced on this send (which is why it is suppressed now).
    members = [
        (s, "" if reason.startswith(selectors.SKIPPED_SUPPRESSED) else reason)
        for s, reason in selectors.list_members(news)
    ]
    failing = Subscription.objects.get(subscriber=subscribers[3], mailing_list=news).pk
    Delivery.objects.bulk_create(
        Delivery(
            dispatch=mail,
            recipient=s.subscriber.email,
            subscription=s,
            idempotency_key=f"demo:{mail.pk}:{s.pk}",
            status=(
                Delivery.Status.SKIPPED
                if reason
                else Delivery.Status.FAILED
                if s.pk == failing
                else Delivery.Status.SENT
            ),
            attempts=0 if reason else 1,
            error=reason or ("550 5.1.1 no such user" if s.pk == failing else ""),
            sent_at=None if reason or s.pk == failing else sent_at,
        )
        for s, reason in members
    )
    post = Dispatch.objects.create(
        page=sent,
        planned_channel_id=-sent.pk - 1_000_000,
        channel="linkedin",
        title=sent.title,
        url=tagged_url(url, source="linkedin", medium="social", campaign=campaign),
        campaign=campaign,
        text=f"New on our blog: {sent.title}",
        due_at=sent_at,
        status=Dispatch.Status.DONE,
        recipients_expanded=True,
        finished_at=sent_at,
    )
    Delivery.objects.create(
        dispatch=post,
        idempotency_key=f"demo:{post.pk}",
        status=Delivery.Status.SENT,
        attempts=1,
        sent_at=sent_at,
        detail=f"{post.text}\n{post.url}",
    )
    # The plan is part of the page's draft: it goes out with the scheduled publish.
    draft = upcoming.get_latest_revision_as_object()
    draft.distribution.add(
        PlannedChannel(channel="newsletter", mailing_list=news, subject=upcoming.title)
    )
    draft.distribution.add(
        PlannedChannel(channel="linkedin", text=f"Coming up on our blog: {upcoming.title}")
    )
    revision = draft.save_revision(log_action=False)
    if upcoming.go_live_at:  # scheduled: this revision, with its plan, is the one to go live
        revision.approved_go_live_at = upcoming.go_live_at
        revision.save(update_fields=["approved_go_live_at"])
        upcoming.revisions.exclude(pk=revision.pk).update(approved_go_live_at=None)
    write(
        f"  newsletter: {len(subscribers)} subscribers ({statuses.count('confirmed')} confirmed), "
        f"one send three days ago, a plan on {upcoming.title!r}"
    )
