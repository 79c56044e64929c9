"""A newsletter send and the first-party analytics events around it: the setting both the
HTTP test and the browser test of a send's stats start from."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qsl, urlsplit

from django.utils import timezone
from wagtail.models import Page, Site

from commonground.analytics.eventstore import Event
from commonground.analytics.models import Goal, TrackedSite
from commonground.distribution.models import (
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
)

from ...analytics.served_store import visit
from ...smtp_inbox import Inbox
from .pages import page_of_type


@dataclass
class SentNewsletter:
    domain: str
    news: Dispatch  # the send to "Product news", whose numbers are checked
    other: Dispatch  # the same page to "Partners": same source, medium and campaign
    received: list[EmailMessage]  # what Product news's two subscribers received


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def send_newsletter(home: Page, inbox: Inbox) -> SentNewsletter:
    """A page published with two newsletter sends (two lists), on a tracked site of its own
    (the session's event store is shared) with a "Signup" goal; the sends dated two days ago."""
    domain = f"send-{uuid.uuid4().hex[:10]}.example"
    Site.objects.filter(is_default_site=True).update(hostname=domain, port=80)
    site = TrackedSite.objects.create(domain=domain, name="Send stats")
    Goal.objects.create(site=site, display_name="Signup", kind="event", event_name="Signup")
    lists = [MailingList.objects.create(name=n) for n in ("Product news", "Partners")]
    for n, mailing_list in enumerate([lists[0], lists[0], lists[1]]):
        Subscription.objects.create(
            subscriber=Subscriber.objects.create(email=f"p{n}@example.com"),
            mailing_list=mailing_list,
            status=Subscription.Status.CONFIRMED,
        )
    page = page_of_type("article", home, live=False)
    for mailing_list in lists:
        page.distribution.add(PlannedChannel(channel="newsletter", mailing_list=mailing_list))  # type: ignore[attr-defined]
    page.save_revision().publish()  # the ImmediateBackend sends on commit, in this process
    news = Dispatch.objects.get(page=page, mailing_list=lists[0])
    other = Dispatch.objects.get(page=page, mailing_list=lists[1])
    sent_at = timezone.now() - timedelta(days=2)
    Dispatch.objects.filter(pk__in=[news.pk, other.pk]).update(started_at=sent_at)
    news.refresh_from_db()
    other.refresh_from_db()
    received = [
        m for rcpts, m in inbox.deliveries() if rcpts[0] in {"p0@example.com", "p1@example.com"}
    ]
    return SentNewsletter(domain=domain, news=news, other=other, received=received)


def tags_of(url: str) -> dict[str, str]:
    return {k: v for k, v in parse_qsl(urlsplit(url).query) if k.startswith("utm_")}


def events(sent: SentNewsletter) -> list[Event]:
    """Three visits through the Product news send after it (one completes Signup twice), one
    through it before it went out, one through the Partners send and one direct."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    news, other = tags_of(sent.news.url), tags_of(sent.other.url)
    done = now - timedelta(days=1)
    site = sent.domain
    return [
        *visit(
            site, done, 1, "Newsletter", [("pageview", "/", news), ("Signup", "/"), ("Signup", "/")]
        ),
        *visit(site, done + timedelta(hours=1), 2, "Newsletter", [("pageview", "/", news)]),
        *visit(
            site,
            done + timedelta(hours=2),
            3,
            "Newsletter",
            [("pageview", "/a/", news), ("pageview", "/b/")],
        ),
        *visit(
            site,
            now - timedelta(days=4),
            4,
            "Newsletter",
            [("pageview", "/", news), ("Signup", "/")],
        ),
        *visit(
            site,
            done + timedelta(hours=3),
            5,
            "Newsletter",
            [("pageview", "/", other), ("Signup", "/")],
        ),
        *visit(site, done + timedelta(hours=4), 6, "", [("pageview", "/"), ("Signup", "/")]),
    ]


def unsubscribe_link(message: EmailMessage) -> str:
    """The path and query of the message's List-Unsubscribe URL."""
    url = str(message["List-Unsubscribe"]).strip("<>")
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
