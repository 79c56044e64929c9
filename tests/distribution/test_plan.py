"""Issue 15, point 3 without a browser: a channel that would reach nobody is refused at save
with the reason and a link, a row keeps only its channel's fields, an autosaved row is kept
as typed, and a dispatch that finds nobody fails with the reason instead of ending "done"."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page

from commonground.distribution import services
from commonground.distribution.models import (
    Dispatch,
    MailingList,
    PlannedChannel,
    WebhookSubscription,
)
from commonground.distribution.plan import check_row

from ..content.factories import StandardPageFactory


def _row(**fields: Any) -> dict[str, Any]:
    return {"text": "", "mailing_list_id": None, "subject": ""} | fields


@pytest.mark.django_db
def test_a_webhooks_row_without_an_endpoint_is_refused_with_a_link_to_fix_it() -> None:
    refusal = check_row(channel="webhooks", **_row())["channel"]
    assert "No active webhook endpoint subscribes to “A page was published”" in refusal
    assert '<a href="/admin/webhooks/">Set up an endpoint on the Webhooks page</a>' in refusal
    WebhookSubscription.objects.create(name="CRM", url="https://crm.example/hook")
    assert check_row(channel="webhooks", **_row()) == {}


@pytest.mark.django_db
def test_a_newsletter_row_needs_an_smtp_server_and_a_list_with_someone_on_it(settings) -> None:
    empty = MailingList.objects.create(name="Empty")
    settings.EMAIL_HOST = None  # EMAIL_URL=consolemail://, the default
    assert (
        "No SMTP server is configured"
        in check_row(channel="newsletter", **_row(mailing_list_id=empty.pk))["channel"]
    )
    settings.EMAIL_HOST = "127.0.0.1"
    refusal = check_row(channel="newsletter", **_row(mailing_list_id=empty.pk))["channel"]
    assert "“Empty” has no confirmed subscriber" in refusal
    assert 'href="/admin/newsletter/subscribers/"' in refusal


@pytest.mark.django_db
def test_a_row_keeps_only_the_fields_of_its_channel(home: Page, settings) -> None:
    news = MailingList.objects.create(name="News")
    page = StandardPageFactory(parent=home)
    # What the tab without JavaScript may post: every field filled, whatever the channel.
    row = PlannedChannel(
        page=page, channel="linkedin", text="Hello", subject="S", preheader="P", mailing_list=news
    )
    row.full_clean()
    assert (row.text, row.subject, row.preheader, row.mailing_list) == ("Hello", "", "", None)


@pytest.mark.django_db
def test_an_autosaved_row_is_kept_as_typed_and_checked_on_the_next_save(home: Page) -> None:
    page = StandardPageFactory(parent=home)
    row = PlannedChannel(page=page, channel="newsletter", subject="Half")
    row.defer_plan_checks = True  # what the tab's form sets on an autosave
    row.full_clean()
    row.defer_plan_checks = False
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "mailing_list" in refused.value.message_dict


@pytest.mark.django_db
def test_a_dispatch_that_finds_nobody_fails_with_the_reason(home: Page) -> None:
    page = StandardPageFactory(parent=home)
    dispatch = Dispatch.objects.create(
        page=page,
        planned_channel_id=1,
        channel="webhooks",
        title="Spring",
        url="https://example.com/spring/",
        campaign="spring",
        due_at=timezone.now(),
    )
    services.deliver(dispatch.pk)
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.FAILED
    assert dispatch.error.startswith("nothing to send to (No active webhook endpoint")
    assert dispatch.finished_at is not None and not dispatch.deliveries.exists()
