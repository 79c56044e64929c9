"""Scheduled go-live and expiry, applied by the real scheduler and task worker processes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Page, Revision

from commonground.core.tasks import publish_scheduled_pages

from ..content.factories import StandardPageFactory
from ..live_http import Browser
from ..processes import wait_for


@pytest.mark.slow
def test_scheduled_page_goes_live_and_expired_page_goes_offline(
    live_url, home, task_worker
) -> None:
    soon = timezone.now() + timedelta(seconds=4)
    # Scheduled the Wagtail way: a revision with a future go-live time, published.
    scheduled = StandardPageFactory(parent=home, title="Launch at dawn", live=False)
    scheduled.go_live_at = soon
    scheduled.save_revision().publish()
    expiring = StandardPageFactory(parent=home, title="Limited offer")
    expiring.expire_at = soon
    expiring.save_revision().publish()

    scheduled.refresh_from_db()
    assert not scheduled.live  # still waiting for its time
    assert scheduled.revisions.filter(approved_go_live_at__isnull=False).exists()
    visitor = Browser()
    assert visitor.get(live_url + scheduled.url).status == 404
    offer_url = live_url + expiring.url
    assert visitor.get(offer_url).status == 200
    assert visitor.get(offer_url).x_cache == "HIT"  # cached, so expiry must invalidate it

    def applied() -> bool:
        for process in task_worker:
            process.assert_running()
        pages = Page.objects.filter(pk__in=[scheduled.pk, expiring.pk])
        states = dict(pages.values_list("pk", "live"))
        return states[scheduled.pk] and not states[expiring.pk]

    wait_for(applied, timeout=60, interval=0.25)

    assert timezone.now() >= soon
    launched = visitor.get(live_url + Page.objects.get(pk=scheduled.pk).url)
    assert launched.status == 200
    assert "Launch at dawn" in launched.text
    assert visitor.get(offer_url).status == 404
    expiring.refresh_from_db()
    assert expiring.expired


@pytest.mark.django_db
def test_publish_scheduled_task_applies_due_times(home, django_capture_on_commit_callbacks) -> None:
    # The task the scheduler enqueues, run in-process by the immediate backend (which
    # waits for the commit, simulated here).
    page = StandardPageFactory(parent=home, title="Due", live=False)
    page.go_live_at = timezone.now() + timedelta(hours=1)
    page.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        result = publish_scheduled_pages.enqueue()
    assert result.status == "SUCCESSFUL"
    page.refresh_from_db()
    assert not page.live  # not yet due

    # Time passes: the scheduled revision becomes due.
    past = timezone.now() - timedelta(seconds=1)
    revision = Revision.objects.get(object_id=str(page.pk), approved_go_live_at__isnull=False)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save()
    with django_capture_on_commit_callbacks(execute=True):
        publish_scheduled_pages.enqueue()

    page.refresh_from_db()
    assert page.live
