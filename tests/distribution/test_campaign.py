"""Publishing a page with a distribution plan: the outbox, the newsletter to a real SMTP
server (aiosmtpd), exactly once across a kill -9 of the worker, and nothing for a rollback."""

import os
import signal
import time
from collections import Counter
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from wagtail.models import Page

from commonground.content.models import ArticleIndexPage, ArticlePage
from commonground.distribution.models import (
    Delivery,
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
    Suppression,
)

from ..content.factories import ArticleIndexPageFactory, ArticlePageFactory
from ..processes import Process, commonground, subprocess_env, wait_for


def _article(home: Page, **fields: Any) -> ArticlePage:
    index = ArticleIndexPageFactory(parent=home)
    assert isinstance(index, ArticleIndexPage)
    page = ArticlePageFactory(parent=index, live=False, **fields)
    assert isinstance(page, ArticlePage)
    return page


def _plan(page: ArticlePage, *rows: PlannedChannel) -> None:
    for row in rows:
        page.distribution.add(row)  # type: ignore[attr-defined]
    page.save_revision()


def _subscribers(news: MailingList, confirmed: int) -> dict[str, list[str]]:
    """Confirmed, pending, unsubscribed and suppressed subscribers of ``news``."""
    groups: dict[str, list[str]] = {"confirmed": [], "pending": [], "unsubscribed": []}
    statuses = [("confirmed", confirmed), ("pending", 15), ("unsubscribed", 15)]
    rows = []
    for status, count in statuses:
        for n in range(count):
            address = f"{status}-{n}@example.com"
            groups[status].append(address)
            rows.append((address, status))
    subscribers = Subscriber.objects.bulk_create(Subscriber(email=a) for a, _ in rows)
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, mailing_list=news, status=status)
        for s, (_, status) in zip(subscribers, rows, strict=True)
    )
    # Confirmed, but their address bounced since.
    groups["suppressed"] = groups["confirmed"][-5:]
    Suppression.objects.bulk_create(
        Suppression(email=a, reason=Suppression.Reason.BOUNCE) for a in groups["suppressed"]
    )
    groups["confirmed"] = groups["confirmed"][:-5]
    return groups


def _check_headers(message: EmailMessage, address: str) -> None:
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://") or unsubscribe.startswith("<http://"), unsubscribe
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    path = urlsplit(unsubscribe.strip("<>")).path
    token = Subscriber.objects.get(email=address).token
    assert token in path
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert unsubscribe.strip("<>") in html.replace("&amp;", "&")


# --- in process: the outbox and the rollback ----------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_sends_on_every_chosen_channel_once(home: Page, settings, smtp) -> None:
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    news = MailingList.objects.create(name="Product news", from_email="news@example.com")
    groups = _subscribers(news, confirmed=25)
    page = _article(home, title="Spring launch", slug="spring-launch")
    _plan(
        page,
        PlannedChannel(channel="newsletter", mailing_list=news, subject="Spring is here"),
        PlannedChannel(channel="linkedin", text="We launched spring."),
    )
    # The ImmediateBackend runs the delivery task on commit, in this process.
    page.get_latest_revision().publish()
    assert Dispatch.objects.count() == 2
    assert inbox.by_recipient() == Counter(groups["confirmed"])
    sent = inbox.messages[0]
    assert str(sent["Subject"]) == "Spring is here"
    assert str(sent["From"]) == "news@example.com"
    _check_headers(sent, inbox.recipients[0][0])
    # Every link the newsletter carries is tagged for the channel and the campaign.
    html = sent.get_body(("html",)).get_content()  # type: ignore[union-attr]
    article_link = next(
        part.split('"')[0] for part in html.split('href="')[1:] if "spring-launch" in part
    )
    tags = parse_qs(urlsplit(article_link.replace("&amp;", "&")).query)
    newsletter = Dispatch.objects.get(channel="newsletter")
    assert tags == {
        "utm_source": ["newsletter"],
        "utm_medium": ["email"],
        "utm_campaign": ["spring-launch"],
        # ... and for the send itself (its stats on the delivery page count by it).
        "utm_content": [f"send-{newsletter.planned_channel_id}"],
    }
    manual = Delivery.objects.get(dispatch__channel="linkedin")
    assert manual.status == Delivery.Status.SENT
    assert "We launched spring." in manual.detail and "utm_source=linkedin" in manual.detail

    # Publishing again (an edit, from the page as the editor loads it) sends nothing new; a
    # new plan row is sent once.
    page = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    page.title = "Spring launch (updated)"
    page.save_revision().publish()
    assert inbox.count() == len(groups["confirmed"])
    assert Delivery.objects.filter(dispatch__channel="linkedin").count() == 1
    page = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    page.distribution.add(PlannedChannel(channel="linkedin", text="Second post"))  # type: ignore[attr-defined]
    page.save_revision().publish()
    assert Delivery.objects.filter(dispatch__channel="linkedin").count() == 2
    assert inbox.count() == len(groups["confirmed"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publish_that_rolls_back_sends_nothing(home: Page, settings, smtp) -> None:
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    news = MailingList.objects.create(name="Product news")
    _subscribers(news, confirmed=10)
    page = _article(home, slug="never-out")
    _plan(page, PlannedChannel(channel="newsletter", mailing_list=news))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        page.get_latest_revision().publish()
        assert Dispatch.objects.count() == 1  # written in the publishing transaction
        raise Abort
    assert not Dispatch.objects.exists() and not Delivery.objects.exists()
    page.refresh_from_db()
    assert not page.live
    time.sleep(0.5)
    assert inbox.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paused_campaign_stops_and_resumes_where_it_was(home: Page, settings, smtp) -> None:
    from commonground.distribution import services

    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    news = MailingList.objects.create(name="Product news")
    groups = _subscribers(news, confirmed=30)
    page = _article(home, slug="paused")
    _plan(page, PlannedChannel(channel="newsletter", mailing_list=news))
    page.get_latest_revision().publish()
    dispatch = Dispatch.objects.get()
    assert services.pause(dispatch)
    assert services.deliver(dispatch.pk) is None  # paused: nobody may take it
    assert inbox.count() == 0
    assert services.resume(dispatch)
    run = services.deliver(dispatch.pk)
    errors = set(Delivery.objects.values_list("error", flat=True))
    assert run is not None and run.sent == len(groups["confirmed"]), errors
    assert inbox.by_recipient() == Counter(groups["confirmed"])
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DONE
    assert services.progress(dispatch)["sent"] == len(groups["confirmed"])


# --- real processes: kill -9 half-way --------------------------------------------------------


def _worker(env: dict[str, str], log_dir: Any, name: str) -> Process:
    return Process(
        name,
        commonground("db_worker", "--interval", "0.2", "--no-startup-delay"),
        env=env,
        log_dir=log_dir,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_campaign_survives_kill_9_and_delivers_exactly_once(
    home: Page, settings, smtp, tmp_path
) -> None:
    inbox, port = smtp
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    news = MailingList.objects.create(name="Product news", from_email="news@example.com")
    groups = _subscribers(news, confirmed=1005)
    assert len(groups["confirmed"]) == 1000
    page = _article(home, title="Autumn catalogue", slug="autumn")
    _plan(page, PlannedChannel(channel="newsletter", mailing_list=news, subject="Autumn"))
    page.get_latest_revision().publish()  # the outbox row and its task, for the worker

    env = subprocess_env(
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        TEST_SMTP_URL=f"smtp://127.0.0.1:{port}",
        NEWSLETTER_MAX_PER_SECOND="250",  # about 4 s for the list: time to kill half-way
        DISTRIBUTION_LEASE_SECONDS="2",
        DISTRIBUTION_DUE_INTERVAL_SECONDS="1",
    )
    scheduler = Process(
        "scheduler", commonground("scheduler", "--interval", "0.5"), env=env, log_dir=tmp_path
    )
    worker = _worker(env, tmp_path, "worker-1")
    second: Process | None = None
    try:
        wait_for(lambda: worker.assert_running() or inbox.count() >= 300, timeout=60)
        os.kill(worker.popen.pid, signal.SIGKILL)
        worker.popen.wait(timeout=10)
        at_kill = inbox.count()
        assert at_kill < 1000, "the worker finished before it was killed"
        second = _worker(env, tmp_path, "worker-2")

        def finished() -> bool:
            second.assert_running()  # type: ignore[union-attr]
            return Dispatch.objects.filter(status=Dispatch.Status.DONE).exists()

        wait_for(finished, timeout=90, interval=0.5)
    finally:
        for process in (worker, second, scheduler):
            if process is not None:
                process.stop()

    received = inbox.by_recipient()
    assert set(received) == set(groups["confirmed"]), (
        f"missing: {sorted(set(groups['confirmed']) - set(received))[:5]}, "
        f"unexpected: {sorted(set(received) - set(groups['confirmed']))[:5]}"
    )
    assert max(received.values()) == 1, received.most_common(3)
    assert not set(received) & set(
        groups["pending"] + groups["unsubscribed"] + groups["suppressed"]
    )
    # The list's other members are accounted for as skipped (issue 15), never sent to.
    skipped = Delivery.objects.filter(dispatch__channel="newsletter", status="skipped")
    assert skipped.count() == 35
    deliveries = Delivery.objects.filter(dispatch__channel="newsletter").exclude(status="skipped")
    assert deliveries.count() == 1000
    assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    for recipients, message in inbox.deliveries():
        _check_headers(message, recipients[0])
    assert 0 < at_kill < 1000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_an_smtp_server_the_newsletter_goes_to_djangos_mail_backend(
    home: Page, settings
) -> None:
    # Development and the demo: EMAIL_URL is the console; tests: memory (mail.outbox).
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    news = MailingList.objects.create(name="Product news")
    groups = _subscribers(news, confirmed=6)
    page = _article(home, slug="console")
    _plan(page, PlannedChannel(channel="newsletter", mailing_list=news, subject="Hello"))
    mail.outbox.clear()
    page.get_latest_revision().publish()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(groups["confirmed"])
    assert "List-Unsubscribe" in mail.outbox[0].message().as_string()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_send_at_time_waits_for_it(home: Page, settings, smtp) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from commonground.distribution import services

    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    news = MailingList.objects.create(name="Product news")
    groups = _subscribers(news, confirmed=6)
    page = _article(home, slug="later")
    send_at = timezone.now() + timedelta(seconds=1.5)
    _plan(page, PlannedChannel(channel="newsletter", mailing_list=news, send_at=send_at))
    page.get_latest_revision().publish()
    assert services.deliver_due() == []  # not due yet
    assert inbox.count() == 0
    time.sleep(max(0.0, (send_at - timezone.now()).total_seconds()) + 0.1)
    assert len(services.deliver_due()) == 1
    assert inbox.by_recipient() == Counter(groups["confirmed"])


@pytest.mark.django_db
def test_one_worker_holds_a_dispatch_at_a_time(home: Page, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from commonground.distribution import services

    page = _article(home, slug="leased")
    dispatch = Dispatch.objects.create(
        page=page,
        planned_channel_id=1,
        channel="linkedin",
        title="t",
        url="https://example.com/",
        campaign="leased",
        due_at=timezone.now(),
    )
    assert services.take_lease(dispatch.pk, "worker-a")
    assert not services.take_lease(dispatch.pk, "worker-b")  # held, and renewed by its owner
    assert services.take_lease(dispatch.pk, "worker-a")
    Dispatch.objects.filter(pk=dispatch.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.take_lease(dispatch.pk, "worker-b")  # lapsed: taken over
    assert services.deliver(dispatch.pk, owner="worker-a") is None


def test_the_newsletter_connection_keeps_its_pace(smtp) -> None:
    from commonground.distribution.newsletter.smtp import NewsletterConnection, SMTPServer

    inbox, port = smtp
    started = time.monotonic()
    with NewsletterConnection(SMTPServer("127.0.0.1", port), max_per_second=20) as connection:
        for n in range(10):
            connection.send(
                sender="news@example.com",
                recipient=f"r{n}@example.com",
                message=b"Subject: pace\r\n\r\nhello\r\n.leading dot\r\n",
                committed=lambda: None,
            )
    took = time.monotonic() - started
    assert inbox.count() == 10
    assert took >= 9 / 20 - 0.02  # ten messages at 20 a second: nine gaps of 50 ms
    # Dot-stuffing: a line starting with "." arrives as it was written.
    assert ".leading dot" in inbox.messages[0].get_content()
