"""Newsletter sign-up through the public pages: double opt-in, RFC 8058 one-click
unsubscribe (a POST unsubscribes, a GET does not), preferences, bounces and suppression."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commonground.distribution.models import MailingList, Subscriber, Subscription, Suppression
from commonground.distribution.newsletter import selectors
from commonground.distribution.newsletter import subscriptions as newsletter

from ..form_posts import PublicFormClient

# Committed for real: the confirmation e-mail is sent by a task enqueued on commit.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def news() -> MailingList:
    return MailingList.objects.create(name="Product news", description="Once a month.")


def _link_in_last_mail(pattern: str) -> str:
    body = mail.outbox[-1].body
    found = re.search(rf"https?://\S*{pattern}\S*", body)
    assert found, body
    return urlsplit(found.group(0)).path


def _signed_up(client: Client, news: MailingList, email: str = "Ada@Example.com ") -> Subscription:
    answer = client.post(reverse("newsletter_subscribe"), {"email": email, "list": news.pk})
    assert answer.status_code == 200, answer.content
    return Subscription.objects.get(subscriber__email=email.strip().lower(), mailing_list=news)


def test_double_opt_in_confirms_on_post_only() -> None:
    news = MailingList.objects.create(name="Product news")
    client = PublicFormClient()
    subscription = _signed_up(client, news)
    assert subscription.status == Subscription.Status.PENDING
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]
    confirm = _link_in_last_mail("/newsletter/confirm/")

    # A link scanner or mail preview fetching the link confirms nothing.
    assert client.get(confirm).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING

    assert client.post(confirm).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert subscription.confirmed_at is not None


def test_signing_up_again_neither_duplicates_nor_tells(news: MailingList) -> None:
    client = PublicFormClient()
    first = _signed_up(client, news)
    newsletter.confirm(first)
    mail.outbox.clear()
    again = _signed_up(client, news, email="ada@example.com")
    assert again.pk == first.pk and again.status == Subscription.Status.CONFIRMED
    assert mail.outbox == []  # confirmed already: no mail, and the page says the same
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address", "list": "1"}, "That is not an e-mail address."),
        # Not a public domain: this server, or the internal network by a domain literal.
        ({"email": "a@localhost", "list": "1"}, "That is not an e-mail address."),
        ({"email": "a@[127.0.0.1]", "list": "1"}, "That is not an e-mail address."),
        ({"email": "a@[IPv6:::1]", "list": "1"}, "That is not an e-mail address."),
        ({"email": "ada@example.com", "list": "999"}, "Choose a newsletter."),
        ({"email": "ada@example.com", "list": "x"}, "Choose a newsletter."),
        ({"email": "ada@example.com"}, "Choose a newsletter."),
    ],
)
def test_bad_sign_ups_are_a_400_with_the_reason(news: MailingList, data, message) -> None:
    data = {**data, "list": str(news.pk)} if data.get("list") == "1" else data
    answer = PublicFormClient().post(reverse("newsletter_subscribe"), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Subscription.objects.exists()


def test_one_click_unsubscribe_needs_a_post_with_the_rfc_8058_body(news: MailingList) -> None:
    client = PublicFormClient()
    subscription = _signed_up(client, news)
    newsletter.confirm(subscription)
    url = reverse("newsletter_unsubscribe", args=[subscription.subscriber.token, news.pk])
    # A GET only shows the page (link scanners follow every link).
    page = client.get(url)
    assert page.status_code == 200 and b'name="List-Unsubscribe" value="One-Click"' in page.content
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    # The mail program's POST carries no CSRF token or session; without the body it is refused.
    mail_program = Client(enforce_csrf_checks=True)
    assert mail_program.post(url, {}).status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    answer = mail_program.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    # Confirming an old link afterwards does not put the address back.
    confirm = reverse("newsletter_confirm", args=[subscription.subscriber.token, news.pk])
    client.post(confirm)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


def test_a_wrong_token_is_a_404(news: MailingList) -> None:
    client = PublicFormClient()
    for name, args in [
        ("newsletter_unsubscribe", ["nope", news.pk]),
        ("newsletter_confirm", ["nope", news.pk]),
        ("newsletter_preferences", ["nope"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
        assert client.post(reverse(name, args=args)).status_code == 404


def test_preferences_turn_lists_off_and_back_on_through_opt_in(news: MailingList) -> None:
    other = MailingList.objects.create(name="Events")
    client = PublicFormClient()
    first = _signed_up(client, news)
    second = _signed_up(client, other, email="ada@example.com")
    newsletter.confirm(first)
    newsletter.confirm(second)
    url = reverse("newsletter_preferences", args=[first.subscriber.token])
    assert client.post(url, {"lists": [str(other.pk)]}).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("unsubscribed", "confirmed")
    mail.outbox.clear()
    client.post(url, {"lists": [str(news.pk), str(other.pk)]})
    first.refresh_from_db()
    assert first.status == Subscription.Status.PENDING  # confirmed again by e-mail
    assert len(mail.outbox) == 1


def test_bounces_and_complaints_suppress_the_address(settings, news: MailingList) -> None:
    settings.NEWSLETTER_BOUNCE_SECRET = "s3cret"
    url = reverse("newsletter_bounces")
    client = Client(enforce_csrf_checks=True)

    def post(body: object, token: str = "s3cret") -> tuple[int, object]:  # noqa: S107
        answer = client.post(
            url,
            body if isinstance(body, str) else json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return answer.status_code, answer.json()

    assert post({"type": "bounce", "email": "x@example.com"}, token="wrong")[0] == 401
    assert post("{not json")[0] == 400
    assert post([1, 2])[0] == 400
    assert post({"type": "delivered", "email": "x@example.com"})[0] == 400
    assert post({"type": "bounce", "email": "nobody"})[0] == 400
    assert not Suppression.objects.exists()
    assert post({"type": "complaint", "email": "X@Example.com", "detail": "abuse"}) == (
        201,
        {"suppressed": "x@example.com", "new": True},
    )
    assert post({"type": "bounce", "email": "x@example.com"})[1] == {
        "suppressed": "x@example.com",
        "new": False,
    }
    # A suppressed address gets no confirmation mail and is no recipient.
    mail.outbox.clear()
    subscription = _signed_up(PublicFormClient(), news, email="x@example.com")
    assert mail.outbox == []
    newsletter.confirm(subscription)
    assert selectors.recipients(news) == []


def test_without_a_secret_the_bounce_endpoint_refuses_everyone(settings) -> None:
    settings.NEWSLETTER_BOUNCE_SECRET = ""
    answer = PublicFormClient().post(
        reverse("newsletter_bounces"),
        json.dumps({"type": "bounce", "email": "x@example.com"}),
        content_type="application/json",
        headers={"Authorization": "Bearer "},
    )
    assert answer.status_code == 401


def test_ids_past_64_bits_are_a_404_not_an_overflow(news: MailingList) -> None:
    client = PublicFormClient()
    huge = "9" * 30
    for url in (f"/newsletter/confirm/token/{huge}/", f"/newsletter/unsubscribe/token/{huge}/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    answer = client.post(reverse("newsletter_subscribe"), {"email": "a@example.com", "list": huge})
    assert answer.status_code == 400


def test_the_form_sends_one_confirmation_per_address_in_ten_minutes(news: MailingList) -> None:
    client = PublicFormClient()
    for _ in range(5):  # someone filling in a stranger's address, again and again
        _signed_up(client, news, email="victim@example.com")
    assert len(mail.outbox) == 1
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(minutes=11))
    _signed_up(client, news, email="victim@example.com")
    assert len(mail.outbox) == 2
