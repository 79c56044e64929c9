"""Per send, what it brought, from first-party analytics: the visits its links' UTM tags name
(each send's own utm_content), the goals completed in them and the unsubscribes made through
its own link, shown on the delivery page; read from the real event store through the mover."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Page

from commonground.distribution.models import MailingList, Subscriber, Subscription

from ...analytics.served_store import mover_serving
from ...conftest import client_for
from .send_stats_setup import events, send_newsletter, tags_of, unsubscribe_link, use_smtp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _stats(user, dispatch_pk: int) -> str:
    answer = client_for(user).get(reverse("distribution_dispatch", args=[dispatch_pk]))
    assert answer.status_code == 200
    return " ".join(answer.content.decode().split())


def test_the_delivery_page_shows_what_the_send_brought(
    home: Page, publisher, settings, smtp, tmp_path: Path
) -> None:
    inbox, port = smtp
    use_smtp(settings, port)
    sent = send_newsletter(home, inbox)
    news, other = tags_of(sent.news.url), tags_of(sent.other.url)
    # Each send's links name it; source, medium and campaign stay what they were.
    assert news["utm_content"] == f"send-{sent.news.planned_channel_id}"
    assert news["utm_content"] != other["utm_content"]
    assert (
        {k: v for k, v in news.items() if k != "utm_content"}
        == {k: v for k, v in other.items() if k != "utm_content"}
        == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": news["utm_campaign"]}
    )
    assert len(sent.received) == 2
    html = sent.received[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "utm_content=" + news["utm_content"] in html

    # One subscriber unsubscribes through the edition's link (the one-click POST).
    link = unsubscribe_link(sent.received[0])
    assert f"send={sent.news.pk}" in link
    answer = Client().post(link, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "You are unsubscribed" in answer.content.decode()

    with mover_serving(events(sent), log_dir=tmp_path):
        text = _stats(publisher, sent.news.pk)
        partners = _stats(publisher, sent.other.pk)
    assert "What this send brought" in text
    assert 'data-cg-stat="visits">3<' in text
    assert 'data-cg-stat="visitors">3<' in text
    assert 'data-cg-stat="conversions">1<' in text
    assert 'data-cg-stat="unsubscribes">1<' in text
    assert "data-cg-stat-missing" not in text
    assert 'data-cg-stat="visits">1<' in partners
    assert 'data-cg-stat="conversions">1<' in partners
    assert 'data-cg-stat="unsubscribes">0<' in partners


def test_a_made_up_send_id_unsubscribes_but_is_not_counted(home: Page, settings, smtp) -> None:
    inbox, port = smtp
    use_smtp(settings, port)
    sent = send_newsletter(home, inbox)
    first, second = (unsubscribe_link(m) for m in sent.received)
    path = second.partition("?")[0]
    # Another list's send (it never reached this person), odd bytes, a huge number.
    for query in (f"send={sent.other.pk}", "send=%00%ff", "send=" + "9" * 40, "send=-1"):
        answer = Client().post(f"{path}?{query}", {"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
    person = Subscription.objects.get(subscriber__email="p1@example.com")
    assert person.status == Subscription.Status.UNSUBSCRIBED
    assert person.unsubscribed_via_id is None
    assert Subscription.objects.filter(unsubscribed_via=sent.news).count() == 0
    Client().post(first, {"List-Unsubscribe": "One-Click"})
    assert Subscription.objects.filter(unsubscribed_via=sent.news).count() == 1


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(send=_TEXT, body=st.dictionaries(_TEXT, _TEXT, max_size=3))
def test_any_send_in_an_unsubscribe_link_answers_without_a_500(send: str, body: dict) -> None:
    subscriber, _ = Subscriber.objects.get_or_create(email="h@example.com")
    mailing_list, _ = MailingList.objects.get_or_create(name="H")
    person, _ = Subscription.objects.get_or_create(subscriber=subscriber, mailing_list=mailing_list)
    path = reverse("newsletter_unsubscribe", args=[subscriber.token, mailing_list.pk])
    answer = Client().post(f"{path}?{urlencode({'send': send})}", body)
    assert answer.status_code in {200, 400}, answer.content[:300]
    person.refresh_from_db()
    assert person.unsubscribed_via_id is None  # nothing this person received
