"""One publish, every channel: the newsletter (aiosmtpd), a webhook receiver that fails twice,
Mastodon answering a rate limit first, Bluesky and the manual channel. Each gets the page
once; the rate limit's reset and the webhook's backoff are waited out by the dispatcher."""

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from wagtail.models import Page

from commonground.content.models import ArticlePage
from commonground.distribution import services
from commonground.distribution.channels import get_channel
from commonground.distribution.models import Delivery, Dispatch, MailingList, PlannedChannel

from ..smtp_inbox import Inbox
from .social_servers import FakeMastodon, FakePDS
from .test_campaign import _article, _plan, _subscribers
from .test_social_channels import APP_PASSWORD, HANDLE, TOKEN
from .test_webhooks import Receiver, receiver, subscribe  # noqa: F401  (receiver: a fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def servers(smtp: tuple[Inbox, int]) -> Iterator[tuple[FakeMastodon, FakePDS]]:
    mastodon, pds = FakeMastodon(token=TOKEN), FakePDS(handle=HANDLE, app_password=APP_PASSWORD)
    mastodon.start()
    pds.start()
    yield mastodon, pds
    mastodon.stop()
    pds.stop()
    assert mastodon.violations == [] and pds.violations == []


def _channels(mastodon: FakeMastodon, pds: FakePDS) -> dict[str, Any]:
    base = "commonground.distribution.channels."
    return {
        "newsletter": {"BACKEND": base + "email.NewsletterChannel"},
        "webhooks": {
            "BACKEND": base + "webhook.WebhookChannel",
            "OPTIONS": {"base_seconds": 0.2, "cap_seconds": 1, "allow_private_networks": True},
        },
        "mastodon": {
            "BACKEND": base + "mastodon.MastodonChannel",
            "OPTIONS": {"api_base_url": mastodon.url, "access_token": TOKEN, "timeout": 2},
        },
        "bluesky": {
            "BACKEND": base + "bluesky.BlueskyChannel",
            "OPTIONS": {"base_url": pds.url, "handle": HANDLE, "app_password": APP_PASSWORD},
        },
        "linkedin": {
            "BACKEND": base + "manual.ManualChannel",
            "OPTIONS": {"label": "LinkedIn", "max_length": 3000},
        },
    }


def _all_sent() -> bool:
    # Skipped: the list's members who are not sent to (unconfirmed, suppressed...).
    done = [Delivery.Status.SENT, Delivery.Status.SKIPPED]
    return not Delivery.objects.exclude(status__in=done).exists()


def test_a_publish_reaches_every_channel_once(
    home: Page,
    settings,
    smtp,
    servers,
    receiver: Receiver,  # noqa: F811
) -> None:
    inbox, port = smtp
    mastodon, pds = servers
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DISTRIBUTION_CHANNELS = _channels(mastodon, pds)
    get_channel.cache_clear()
    news = MailingList.objects.create(name="News", from_email="news@example.com")
    groups = _subscribers(news, confirmed=12)
    subscribe(receiver)
    receiver.script = [500, 500, 200]
    mastodon.rate_limit_next(reset_in=2, path="/api/v1/statuses")
    page = _article(home, title="Spring launch", slug="spring-launch")
    assert isinstance(page, ArticlePage)
    _plan(
        page,
        PlannedChannel(channel="newsletter", mailing_list=news, subject="Spring"),
        PlannedChannel(channel="webhooks"),
        PlannedChannel(channel="mastodon", text="Spring is here."),
        PlannedChannel(channel="bluesky", text="Spring is here 🌱"),
        PlannedChannel(channel="linkedin", text="Spring is here, for LinkedIn."),
    )
    page.get_latest_revision().publish()  # the ImmediateBackend delivers on commit
    assert Dispatch.objects.count() == 5

    # The rate-limited post waits for the reset; the webhook for its backoff.
    mastodon_delivery = Delivery.objects.get(dispatch__channel="mastodon")
    assert mastodon_delivery.status == Delivery.Status.QUEUED
    assert mastodon_delivery.next_attempt_at is not None
    wait = (mastodon_delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 0.5 < wait <= 3
    assert len(mastodon.statuses) == 0

    def posts() -> int:
        return sum(r.path == "/api/v1/statuses" for r in mastodon.requests)

    assert posts() == 1
    deadline = time.monotonic() + 20
    while not _all_sent() and time.monotonic() < deadline:
        before_reset = timezone.now() < mastodon_delivery.next_attempt_at
        services.deliver_due()
        if before_reset:
            assert posts() == 1, "asked Mastodon again before its rate limit's reset"
        time.sleep(0.1)
    assert posts() == 2
    assert _all_sent(), list(Delivery.objects.values_list("dispatch__channel", "status", "error"))

    assert inbox.by_recipient() == Counter(groups["confirmed"])
    assert len(receiver.processed) == 1 and [r.problem for r in receiver.requests] == [""] * 3
    assert len(mastodon.statuses) == 1 and "utm_source=mastodon" in str(mastodon.statuses[0])
    assert len(pds.records) == 1
    linkedin = Delivery.objects.get(dispatch__channel="linkedin")
    assert "utm_source=linkedin" in linkedin.detail
    assert set(Dispatch.objects.values_list("status", flat=True)) == {Dispatch.Status.DONE}

    # Published again: nothing new anywhere.
    again = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    again.save_revision().publish()
    services.deliver_due()
    assert inbox.count() == len(groups["confirmed"])
    assert len(receiver.processed) == 1 and len(mastodon.statuses) == 1 and len(pds.records) == 1
