"""Lead notifications (issue 15, point 9): a landing page's form tells the addresses the
editor chose of each submission, by e-mail from the worker after commit, with a link to the
submissions in the admin and none of the answers."""

import re
import urllib.parse
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.contrib.forms.models import FormSubmission

from commonground.content.leads import notifications as lead_notifications
from commonground.content.leads.notifications import parse_addresses, validate_address_list
from commonground.core.http.web_server import granian_command

from ..core.factories import PASSWORD
from ..form_posts import PublicFormClient
from ..live_http import Browser, csrf_token_in
from ..processes import Process, free_port, subprocess_env, wait_for
from ..smtp_inbox import Inbox
from .factories import LandingPageFactory

ANSWERS = {
    "full_name": "Grace Hopper",
    "email": "grace.lead@example.com",
    "interest": "Demo",
    "message": "Call me about the compiler, secret-word-7731.",
}
NOTIFIED = ("sales@example.com", "lead.owner@example.com")


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _hidden_fields(html: str) -> dict[str, str]:
    """Every hidden input of the page's form (the CSRF token, or whatever protects it)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


@pytest.fixture
def worker_server(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    smtp: tuple[Inbox, int],
    tmp_path_factory: pytest.TempPathFactory,
    transactional_db: None,
    django_db_serialized_rollback: None,
) -> Iterator[str]:
    """A live server whose tasks go to the database queue, and the worker that runs them,
    sending through the real SMTP server; yields the server's base URL."""
    _, smtp_port = smtp
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("TEST_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
    monkeypatch.setenv("BASE_URL", url)
    server = Process(
        "granian",
        granian_command(host="127.0.0.1", port=port, workers=1),
        env=subprocess_env(TASKS_BACKEND="django_tasks_db.DatabaseBackend"),
        log_dir=tmp_path_factory.mktemp("lead-server"),
    )
    try:

        def answers() -> bool:
            server.assert_running()
            try:
                return Browser().get(f"{url}/robots.txt").status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, interval=0.25)
        request.getfixturevalue("task_worker")  # reads TEST_SMTP_URL and BASE_URL now
        yield url
    finally:
        server.stop()


def test_a_submission_over_http_mails_the_chosen_addresses_a_link_that_opens_it(
    worker_server: str, smtp: tuple[Inbox, int], home: Any, publisher: Any
) -> None:
    inbox, _ = smtp
    landing = LandingPageFactory(
        parent=home, title="Compiler day", lead_notification_addresses="\n".join(NOTIFIED)
    )
    url = worker_server + landing.url
    visitor = Browser(cookies=True)
    page = visitor.get(url)
    assert page.status == 200
    answer = visitor.request(
        url,
        data=urllib.parse.urlencode({**_hidden_fields(page.text), **ANSWERS}).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": worker_server,
            "Referer": url,
            "Sec-Fetch-Site": "same-origin",
        },
    )
    assert answer.status == 200, answer.text[:1000]
    submission = FormSubmission.objects.get(page=landing)

    messages = wait_for(lambda: inbox.count() >= len(NOTIFIED) and inbox.deliveries(), timeout=60)
    assert sorted(rcpt for rcpts, _ in messages for rcpt in rcpts) == sorted(NOTIFIED)
    link = f"{worker_server}{reverse('wagtailforms:list_submissions', args=[landing.pk])}"
    for _, message in messages:
        assert message["Subject"] == "New form submission on “Compiler day”"
        body = _text(message)
        assert link in body
        assert landing.title in body
        assert submission.submit_time.strftime("%Y-%m-%d") in body
        # None of the answers leave the admin.
        for value in ANSWERS.values():
            assert value not in body

    # The link opens the submission for a publisher, signed in at the admin.
    staff = Browser(cookies=True)
    login = staff.get(f"{worker_server}/admin/login/")
    signed = staff.post_form(
        f"{worker_server}/admin/login/",
        {
            "csrfmiddlewaretoken": csrf_token_in(login.text) or "",
            "username": publisher.get_username(),
            "password": PASSWORD,
        },
        referer=f"{worker_server}/admin/login/",
    )
    assert signed.status == 302
    opened = staff.get(link)
    assert opened.status == 200
    assert ANSWERS["message"] in opened.text
    # Signed out, the link shows nothing.
    assert Browser().get(link).status == 302


@pytest.mark.django_db
def test_without_chosen_addresses_nothing_is_sent(home: Any, mailoutbox: list[Any]) -> None:
    landing = LandingPageFactory(parent=home, title="Quiet page")
    client = PublicFormClient(form=landing.form_token_name)
    with pytest.MonkeyPatch.context() as patch:
        enqueued: list[int] = []
        patch.setattr(lead_notifications, "_enqueue", enqueued.append)
        answer = client.post(landing.url, ANSWERS)
    assert answer.status_code == 200
    assert FormSubmission.objects.filter(page=landing).count() == 1
    assert enqueued == []


@pytest.mark.django_db
def test_the_link_is_on_the_admins_origin(home: Any, settings: Any, mailoutbox: list[Any]) -> None:
    settings.BASE_URL = "https://www.example.com"
    settings.WAGTAILADMIN_BASE_URL = "https://www.example.com"
    settings.ADMIN_BASE_URL = "https://admin.example.com"
    landing = LandingPageFactory(
        parent=home, title="Split origins", lead_notification_addresses="sales@example.com"
    )
    submission = FormSubmission.objects.create(page=landing, form_data=ANSWERS)
    assert lead_notifications.notify_of_submission(submission.pk) == 1
    [message] = mailoutbox
    assert f"https://admin.example.com/admin/forms/submissions/{landing.pk}/" in message.body
    assert "secret-word-7731" not in message.body


@pytest.mark.django_db
def test_a_page_with_a_wrong_address_is_refused_with_the_address_named(home: Any) -> None:
    landing = LandingPageFactory.build(
        title="Typo", lead_notification_addresses="sales@example.com\nnot-an-address"
    )
    with pytest.raises(ValidationError) as refused:
        landing.full_clean(exclude=["path", "depth", "url_path", "content_type"])
    assert "not-an-address" in str(refused.value)
    too_many = "\n".join(f"p{n}@example.com" for n in range(21))
    with pytest.raises(ValidationError, match="At most 20"):
        validate_address_list(too_many)


def test_addresses_are_read_per_line_or_comma_without_repeats() -> None:
    assert parse_addresses(" a@example.com, B@example.com\n\nb@example.com \n") == [
        "a@example.com",
        "B@example.com",
    ]


@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_is_either_accepted_or_refused_with_a_message(text: str) -> None:
    try:
        validate_address_list(text)
    except ValidationError as refused:
        assert refused.messages
