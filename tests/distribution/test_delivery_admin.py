"""The delivery view and the Distribute tab through the admin's HTTP views."""

from typing import Any

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry, Page

from commonground.content.models import ArticlePage
from commonground.distribution import services
from commonground.distribution.models import (
    Delivery,
    Dispatch,
    MailingList,
    PlannedChannel,
    Subscriber,
    Subscription,
)
from commonground.distribution.plan import check_row

from ..conftest import client_for
from ..content.factories import ArticleIndexPageFactory, ArticlePageFactory


@pytest.fixture
def article(home: Page) -> ArticlePage:
    index = ArticleIndexPageFactory(parent=home)
    page = ArticlePageFactory(parent=index, slug="launch")
    assert isinstance(page, ArticlePage)
    return page


def _dispatch(article: ArticlePage, *, failed: int = 0, sent: int = 1) -> Dispatch:
    dispatch = Dispatch.objects.create(
        page=article,
        planned_channel_id=article.pk * 100,
        channel="linkedin",
        title=article.title,
        url="https://example.com/launch/?utm_source=linkedin",
        campaign="launch",
        due_at=article.first_published_at,
        recipients_expanded=True,
    )
    for n in range(sent):
        Delivery.objects.create(
            dispatch=dispatch, idempotency_key=f"s{n}", status=Delivery.Status.SENT
        )
    for n in range(failed):
        Delivery.objects.create(
            dispatch=dispatch,
            idempotency_key=f"f{n}",
            status=Delivery.Status.FAILED,
            error="The post is 3500 characters long; LinkedIn allows 3000.",
        )
    return dispatch


@pytest.mark.django_db
def test_the_delivery_view_shows_status_reasons_and_progress(it_admin: Any, article) -> None:
    dispatch = _dispatch(article, failed=2, sent=3)
    client = client_for(it_admin)
    index = client.get(reverse("distribution_dispatches"))
    assert index.status_code == 200
    assert article.title in index.content.decode()
    filtered = client.get(reverse("distribution_dispatches"), {"status": "done"})
    assert article.title not in filtered.content.decode()
    detail = client.get(reverse("distribution_dispatch", args=[dispatch.pk])).content.decode()
    assert "LinkedIn allows 3000" in detail and "Retry the 2 failed" in detail
    progress = client.get(reverse("distribution_dispatch_progress", args=[dispatch.pk])).json()
    assert progress["counts"] == {"queued": 0, "sent": 3, "failed": 2, "skipped": 0}
    assert progress["total"] == 5


@pytest.mark.django_db
def test_retry_pause_and_resume_are_posts_that_are_logged(it_admin: Any, article) -> None:
    dispatch = _dispatch(article, failed=2)
    Dispatch.objects.filter(pk=dispatch.pk).update(status=Dispatch.Status.DONE)
    client = client_for(it_admin)
    retry = reverse("distribution_dispatch_retry", args=[dispatch.pk])
    assert client.get(retry).status_code == 405  # a GET changes nothing
    assert client.post(retry).status_code == 302
    assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 2
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.QUEUED
    assert (
        client.post(reverse("distribution_dispatch_pause", args=[dispatch.pk])).status_code == 302
    )
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.PAUSED
    client.post(reverse("distribution_dispatch_resume", args=[dispatch.pk]))
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {
        "distribution.dispatch.retry_failed",
        "distribution.dispatch.pause",
        "distribution.dispatch.resume",
    } <= actions


@pytest.mark.django_db
def test_without_permission_nothing_is_shown_or_changed(viewer: Any, editor: Any, article) -> None:
    dispatch = _dispatch(article, failed=1)
    for user in (editor, viewer):  # both may look, neither may change
        client = client_for(user)
        detail = client.get(reverse("distribution_dispatch", args=[dispatch.pk]))
        assert detail.status_code == 200 and "Retry the 1 failed" not in detail.content.decode()
        for action in ("retry", "pause"):
            answer = client.post(reverse(f"distribution_dispatch_{action}", args=[dispatch.pk]))
            # Wagtail answers a denied admin request with a redirect home (a success would
            # redirect to the dispatch).
            assert (answer.status_code, answer["Location"]) == (302, "/admin/"), (user, action)
        assert Delivery.objects.filter(status=Delivery.Status.FAILED).count() == 1


@pytest.mark.django_db
def test_plan_rows_are_checked_as_the_network_counts(settings) -> None:
    settings.EMAIL_HOST = "127.0.0.1"
    news = MailingList.objects.create(name="News")
    reader = Subscriber.objects.create(email="reader@example.com")
    Subscription.objects.create(
        subscriber=reader, mailing_list=news, status=Subscription.Status.CONFIRMED
    )
    assert check_row(channel="nowhere", text="", mailing_list_id=None, subject="") == {
        "channel": "This channel is not configured."
    }
    assert "mailing_list" in check_row(
        channel="newsletter", text="", mailing_list_id=None, subject=""
    )
    assert check_row(channel="newsletter", text="", mailing_list_id=news.pk, subject="Hi") == {}
    # A list on a LinkedIn row (the form without JavaScript shows every field) is ignored.
    assert check_row(channel="linkedin", text="", mailing_list_id=news.pk, subject="") == {}
    long = "x" * 2990
    errors = check_row(channel="linkedin", text=long, mailing_list_id=None, subject="")
    assert "LinkedIn (copy and paste) allows 3000" in errors["text"]
    assert check_row(channel="linkedin", text="x" * 100, mailing_list_id=None, subject="") == {}


@pytest.mark.django_db
def test_the_distribute_tab_is_in_the_page_editor(it_admin: Any, article) -> None:
    client = client_for(it_admin)
    page = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert "Distribution plan" in page
    assert 'id="cg-distribution-channels"' in page and "distribution/plan.js" in page
    assert 'name="distribution-TOTAL_FORMS"' in page


@pytest.mark.django_db
def test_a_plan_row_saved_through_the_model_is_validated(article) -> None:
    from django.core.exceptions import ValidationError

    row = PlannedChannel(page=article, channel="newsletter")
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "mailing_list" in refused.value.message_dict
    assert services.campaign_of(article) == "launch"
