"""Retention: policies IT edits through the admin, the run that enforces them (batched), its
report, the dry run, and the command line."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import ModelLogEntry

from commonground.core.audit.verification import verify_chain
from commonground.distribution.models import MailingList, Subscriber, Subscription
from commonground.governance.models import RetentionPolicy, RetentionRun
from commonground.governance.privacy import retention

from ...conftest import client_for
from ...content.factories import LandingPageFactory
from ..factories import newsletter_dispatch

DAY = timedelta(days=1)


def _submissions(page: Any, *, days_old: int, n: int = 1) -> list[int]:
    ids = [
        FormSubmission.objects.create(
            page=page, form_data={"email": f"{days_old}-{i}@x.example"}
        ).pk
        for i in range(n)
    ]
    FormSubmission.objects.filter(pk__in=ids).update(submit_time=timezone.now() - days_old * DAY)
    return ids


def _task_result(*, days_old: int, status: str = TaskResultStatus.SUCCESSFUL) -> DBTaskResult:
    finished = timezone.now() - days_old * DAY
    return DBTaskResult.objects.create(
        status=status,
        finished_at=finished if status != TaskResultStatus.RUNNING else None,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="commonground.core.tasks.prune_page_cache_index",
        backend_name="default",
        run_after=finished,
    )


def _pending(address: str, *, days_old: int) -> Subscription:
    mailing_list, _ = MailingList.objects.get_or_create(name="News")
    subscriber = Subscriber.objects.create(email=address)
    subscription = Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list)
    Subscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - days_old * DAY
    )
    Subscriber.objects.filter(pk=subscriber.pk).update(created_at=timezone.now() - days_old * DAY)
    return subscription


@pytest.fixture
def landing(home: Any) -> Any:
    return LandingPageFactory(parent=home)


@pytest.mark.django_db
def test_a_run_removes_what_is_older_than_each_policy_and_reports_it(landing: Any) -> None:
    old = _submissions(landing, days_old=400, n=3)
    new = _submissions(landing, days_old=300)
    old_task, new_task = _task_result(days_old=31), _task_result(days_old=29)
    running = _task_result(days_old=90, status=TaskResultStatus.RUNNING)
    stale = _pending("stale@x.example", days_old=31)
    fresh = _pending("fresh@x.example", days_old=2)

    run = retention.run_retention()

    assert not FormSubmission.objects.filter(pk__in=old).exists()
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == new
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {new_task.pk, running.pk}
    assert not DBTaskResult.objects.filter(pk=old_task.pk).exists()
    assert not Subscription.objects.filter(pk=stale.pk).exists()
    # The subscriber left on no list goes in the same run (its kind comes after sign-ups).
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["fresh@x.example"]
    assert Subscription.objects.filter(pk=fresh.pk).exists()
    assert run.removed["form_submissions"] == 3
    assert run.removed["task_results"] == 1
    assert run.removed["unconfirmed_subscriptions"] == 1
    assert run.removed["listless_subscribers"] == 1
    assert run.finished_at is not None and run.errors == {} and run.unfinished == []
    entry = ModelLogEntry.objects.get(action=retention.RUN)
    assert entry.data["removed"]["form_submissions"] == 3
    assert verify_chain().intact


@pytest.mark.django_db
def test_the_dry_run_counts_and_removes_nothing(landing: Any) -> None:
    _submissions(landing, days_old=400, n=2)
    due = {d.policy.kind.name: d.rows for d in retention.preview()}
    assert due["form_submissions"] == 2
    out = StringIO()
    call_command("retention", "run", "--dry-run", stdout=out)
    assert "form_submissions: 2 would be removed (older than 365 days)" in out.getvalue()
    assert FormSubmission.objects.count() == 2
    assert not RetentionRun.objects.exists()

    call_command("retention", "run", stdout=out)
    assert "form_submissions: 2 removed" in out.getvalue()
    assert FormSubmission.objects.count() == 0


@pytest.mark.django_db
def test_a_disabled_policy_is_skipped_and_a_shorter_one_applies(
    landing: Any, it_admin: Any
) -> None:
    _submissions(landing, days_old=400)
    recent = _submissions(landing, days_old=10)
    retention.change_policy(user=it_admin, kind="form_submissions", days=365, enabled=False)
    run = retention.run_retention()
    assert "form_submissions" not in run.removed
    assert FormSubmission.objects.count() == 2

    retention.change_policy(user=it_admin, kind="form_submissions", days=5, enabled=True)
    retention.run_retention()
    assert not FormSubmission.objects.filter(pk__in=recent).exists()


@pytest.mark.django_db
def test_batches_are_bounded_and_the_rest_waits_for_the_next_run(
    landing: Any, settings: Any
) -> None:
    settings.RETENTION_BATCH_SIZE = 2
    settings.RETENTION_MAX_BATCHES = 2
    _submissions(landing, days_old=400, n=5)
    first = retention.run_retention()
    assert first.removed["form_submissions"] == 4
    assert first.unfinished == ["form_submissions"]
    assert FormSubmission.objects.count() == 1
    second = retention.run_retention()
    assert second.removed["form_submissions"] == 1
    assert second.unfinished == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
def test_only_it_sees_and_changes_retention(role: str, request: Any) -> None:
    client = client_for(request.getfixturevalue(role))
    policy_url = reverse("governance_retention_policy", args=["form_submissions"])
    for response in (
        client.get(reverse("governance_retention")),
        client.get(reverse("governance_retention_preview")),
        client.get(policy_url),
        client.post(policy_url, {"days": "1", "enabled": "on"}),
        client.post(reverse("governance_retention_run")),
    ):
        # Wagtail answers a refused admin view with a redirect to the dashboard.
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    assert not RetentionPolicy.objects.exists()
    assert not RetentionRun.objects.exists()


@pytest.mark.django_db
def test_it_changes_a_policy_through_the_admin_and_it_is_audited(it_admin: Any) -> None:
    client = client_for(it_admin)
    page = client.get(reverse("governance_retention"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The audit trail is never removed" in text
    assert 'data-kind="webhook_attempts"' in text and 'data-kind="subscriber_import_rows"' in text
    url = reverse("governance_retention_policy", args=["webhook_attempts"])
    assert client.get(url).status_code == 200
    for bad in ({"days": "0"}, {"days": "99999"}, {"days": "ten"}, {}):
        assert client.post(url, bad).status_code == 400
    assert not RetentionPolicy.objects.exists()
    response = client.post(url, {"days": "14", "enabled": "on"})
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(kind="webhook_attempts")
    assert (policy.days, policy.enabled) == (14, True)
    entry = ModelLogEntry.objects.get(action=retention.POLICY_UPDATE)
    assert entry.data == {
        "days": 14,
        "enabled": True,
        "previous_days": 90,
        "previous_enabled": True,
    }
    assert client.get(reverse("governance_retention_policy", args=["nope"])).status_code == 404
    assert client.get(reverse("governance_retention_run")).status_code == 405


@pytest.mark.django_db
def test_run_now_runs_in_the_worker_and_the_report_shows_the_counts(
    landing: Any, it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _submissions(landing, days_old=400, n=2)
    client = client_for(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("governance_retention_run"))
    assert response.status_code == 302
    run = RetentionRun.objects.get()
    assert run.requested_by == it_admin
    assert run.removed["form_submissions"] == 2
    preview = client.get(reverse("governance_retention_preview"))
    assert preview.status_code == 200
    report = client.get(reverse("governance_retention")).content.decode()
    assert f'data-run="{run.pk}"' in report
    assert "Form submissions: 2" in report


@pytest.mark.django_db
def test_distribution_logs_and_import_files_expire_but_consent_records_stay(home: Any) -> None:
    from commonground.distribution.imports.models import SubscriberImport, SubscriberImportRow
    from commonground.distribution.models import Delivery
    from commonground.distribution.webhooks.models import WebhookAttempt, WebhookSubscription

    old = timezone.now() - 400 * DAY
    news = MailingList.objects.create(name="Letters")
    finished = newsletter_dispatch(home, news, number=1, status="done", finished_at=old)
    sending = newsletter_dispatch(home, news, number=2, status="sending")
    mail = Delivery.objects.create(dispatch=finished, recipient="a@x.example", idempotency_key="1")
    social = Delivery.objects.create(dispatch=finished, recipient="", idempotency_key="2")
    queued = Delivery.objects.create(dispatch=sending, recipient="b@x.example", idempotency_key="3")
    hook = WebhookSubscription.objects.create(name="CRM", url="https://crm.example/")
    WebhookAttempt.objects.create(
        subscription=hook, msg_id="m", event="page.published", sent_at=old
    )
    recent = WebhookAttempt.objects.create(subscription=hook, msg_id="n", event="page.published")
    consented = _pending("kept@x.example", days_old=1)
    done = SubscriberImport.objects.create(
        mailing_list=news, file_name="a.csv", source="email\nkept@x.example\n", status="done"
    )
    SubscriberImport.objects.filter(pk=done.pk).update(finished_at=old)
    failed_row = SubscriberImportRow.objects.create(
        subscriber_import=done, row_number=3, value="nope", outcome="failed"
    )
    consent_row = SubscriberImportRow.objects.create(
        subscriber_import=done,
        row_number=2,
        value="kept@x.example",
        outcome="created",
        subscription=consented,
    )

    run = retention.run_retention()

    assert list(Delivery.objects.order_by("pk")) == [social, queued]
    assert not Delivery.objects.filter(pk=mail.pk).exists()
    assert list(WebhookAttempt.objects.all()) == [recent]
    done.refresh_from_db()
    assert done.source == "" and done.file_name == "a.csv"  # emptied, not deleted
    assert list(SubscriberImportRow.objects.all()) == [consent_row]
    assert not SubscriberImportRow.objects.filter(pk=failed_row.pk).exists()
    assert run.removed["newsletter_deliveries"] == 1
    assert run.removed["webhook_attempts"] == 1
    assert run.removed["subscriber_import_files"] == 1
    assert run.removed["subscriber_import_rows"] == 1
    # Emptied files leave the kind: the next run finds nothing more to do.
    assert retention.run_retention().removed["subscriber_import_files"] == 0


@pytest.mark.django_db
def test_old_csp_reports_and_scans_expire_but_the_latest_scan_stays(home: Any) -> None:
    from wagtail.models import Site

    from commonground.governance.models import CspViolation, SiteScan

    site = Site.objects.get(is_default_site=True)
    now = timezone.now()

    def violation(path: str, days_old: int) -> CspViolation:
        seen = now - days_old * DAY
        return CspViolation.objects.create(
            site=site,
            page_path=path,
            directive="script-src",
            blocked_host="evil.example",
            enforced=True,
            count=1,
            first_seen=seen,
            last_seen=seen,
        )

    old, recent = violation("/old/", 91), violation("/recent/", 89)
    scans = [
        SiteScan.objects.create(started_at=now - days * DAY, status=SiteScan.Status.FINISHED)
        for days in (800, 400, 30)
    ]
    only_old = SiteScan.objects.create(started_at=now - 500 * DAY, status="failed")

    run = retention.run_retention()

    assert list(CspViolation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert run.removed["csp_violations"] == 1 and not CspViolation.objects.filter(pk=old.pk)
    assert set(SiteScan.objects.values_list("pk", flat=True)) == {scans[2].pk}
    assert run.removed["site_scans"] == 3 and not SiteScan.objects.filter(pk=only_old.pk)
    # With only old scans, the latest finished one is kept: the report and posture read it.
    SiteScan.objects.filter(pk=scans[2].pk).update(started_at=now - 900 * DAY)
    retention.run_retention()
    assert list(SiteScan.objects.values_list("pk", flat=True)) == [scans[2].pk]
