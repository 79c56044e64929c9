"""The preview (HTML and text) and the test send: to a real SMTP server, at most five valid
addresses, rate-limited, audited, "[Test]" in the subject; bad input a 4xx with a message."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page, PageLogEntry

from commonground.distribution.models import Delivery

from ...conftest import client_for
from .pages import SUMMARY, planned_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_preview_shows_the_draft_edition_as_html_and_text(home: Page, editor) -> None:
    page = planned_page(home)
    client = client_for(editor)
    answer = client.get(reverse("newsletter_preview", args=[page.pk]))
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Spring is here" in body and "Larkspur product news" in body
    assert SUMMARY in body  # the text part, shown on the page
    # The page editor's header links to it.
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert f'href="{reverse("newsletter_preview", args=[page.pk])}"' in edit
    frame = client.get(reverse("newsletter_preview_html", args=[page.pk]))
    assert frame.status_code == 200 and SUMMARY in frame.content.decode()
    assert "default-src 'none'" in frame["Content-Security-Policy"]
    assert frame["X-Frame-Options"] == "SAMEORIGIN"


def test_a_test_send_goes_to_the_chosen_addresses_only(home: Page, editor, settings, smtp) -> None:
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    page = planned_page(home)
    client = client_for(editor)
    url = reverse("newsletter_test_send", args=[page.pk])
    answer = client.post(url, {"addresses": "Ada@Example.com, bob@example.com\nada@example.com"})
    assert answer.status_code == 302
    assert sorted(r for rs in inbox.recipients for r in rs) == [
        "ada@example.com",
        "bob@example.com",
    ]
    message = inbox.messages[0]
    assert str(message["Subject"]) == "[Test] Spring is here"
    assert SUMMARY in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert not Delivery.objects.exists()  # nothing to the list
    entry = PageLogEntry.objects.get(action="distribution.newsletter.test_send")
    assert entry.page_id == page.pk and entry.user_id == editor.pk
    assert entry.data == {"recipients": 2}


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        ("", "Enter at least one e-mail address."),
        ("a@example.com b@example.com c@example.com d@example.com e@example.com f@example.com",
         "at most 5 addresses"),
        ("not-an-address", "is not an e-mail address"),
        ("x" * 3000, "too long"),
    ],
)  # fmt: skip
def test_bad_addresses_are_a_400_with_the_reason(home: Page, editor, addresses, reason) -> None:
    page = planned_page(home)
    answer = client_for(editor).post(
        reverse("newsletter_test_send", args=[page.pk]), {"addresses": addresses}
    )
    assert answer.status_code == 400
    assert reason in answer.content.decode()
    assert not PageLogEntry.objects.filter(action="distribution.newsletter.test_send").exists()


def test_test_sends_are_rate_limited(home: Page, editor, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = planned_page(home)
    client = client_for(editor)
    url = reverse("newsletter_test_send", args=[page.pk])
    codes = [client.post(url, {"addresses": "a@example.com"}).status_code for _ in range(6)]
    assert codes == [302] * 5 + [400]
    assert PageLogEntry.objects.filter(action="distribution.newsletter.test_send").count() == 5


def test_wrong_methods_and_unknown_pages_are_4xx(home: Page, editor, viewer) -> None:
    page = planned_page(home)
    client = client_for(editor)
    assert client.get(reverse("newsletter_test_send", args=[page.pk])).status_code == 405
    assert client.post(reverse("newsletter_preview", args=[page.pk])).status_code == 405
    assert client.get(reverse("newsletter_preview", args=[987654])).status_code == 404
    # Someone who may not edit the page sees neither its draft nor may send it.
    assert client_for(viewer).get(reverse("newsletter_preview", args=[page.pk])).status_code in {
        302,
        403,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_posted_addresses_answer_below_500(raw: str, home: Page, editor) -> None:
    page = Page.objects.exclude(depth=1).last() or home
    answer = client_for(editor).post(
        reverse("newsletter_test_send", args=[page.pk]), {"addresses": raw}
    )
    assert answer.status_code < 500
