"""A send's summary accounts for every member of the list: sent, failed, and skipped with
the reason (suppressed, unconfirmed, unsubscribed, erased); the sums equal the list size."""

from collections import Counter

import pytest
from django.urls import reverse
from wagtail.models import Page

from commonground.distribution.models import (
    Delivery,
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
    Suppression,
)

from ...conftest import client_for
from .pages import page_of_type

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_summary_accounts_for_every_member(home: Page, publisher, settings, smtp) -> None:
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    news = MailingList.objects.create(name="Product news")
    statuses = ["confirmed"] * 6 + ["pending"] * 2 + ["unsubscribed"]
    for n, status in enumerate(statuses):
        Subscription.objects.create(
            subscriber=Subscriber.objects.create(email=f"p{n}@example.com"),
            mailing_list=news,
            status=status,
        )
    Suppression.objects.create(email="p5@example.com", reason=Suppression.Reason.BOUNCE)
    page = page_of_type("article", home, live=False)
    page.distribution.add(PlannedChannel(channel="newsletter", mailing_list=news))  # type: ignore[attr-defined]
    page.save_revision().publish()

    dispatch = Dispatch.objects.get(page=page)
    assert inbox.count() == 5
    outcomes = Counter((d.status, d.error) for d in Delivery.objects.filter(dispatch=dispatch))
    assert outcomes == {
        (Delivery.Status.SENT, ""): 5,
        (Delivery.Status.SKIPPED, "unconfirmed"): 2,
        (Delivery.Status.SKIPPED, "unsubscribed"): 1,
        (Delivery.Status.SKIPPED, "suppressed (hard bounce)"): 1,
    }
    assert sum(outcomes.values()) == news.subscriptions.count() == 9

    shown = client_for(publisher).get(reverse("distribution_dispatch", args=[dispatch.pk]))
    text = " ".join(shown.content.decode().split())
    assert "Sent 5 · failed 0 · queued 0 · skipped 4" in text
    assert (
        "Every one of the 9 members of “Product news” when it started; skipped: "
        "2 unconfirmed, 1 suppressed (hard bounce), 1 unsubscribed." in text
    )
