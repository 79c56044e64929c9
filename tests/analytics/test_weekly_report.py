"""The weekly e-mail report: due on Monday morning in the site's zone, sent once per user, site
and week, with real figures from the event store, to a real SMTP server (aiosmtpd)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from commonground.analytics.eventstore import Event, StoreQueryError, get_query_client
from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.models import Goal, ReportDelivery, ReportSubscription, TrackedSite
from commonground.analytics.public import is_subscribed, set_report_subscription
from commonground.analytics.reports.weekly_report import CLAIM_TIMEOUT, due_report, send_due_reports
from commonground.analytics.tasks import send_weekly_reports

from ..conftest import client_for
from ..core.factories import UserFactory
from ..processes import free_port, wait_for
from ..smtp_inbox import Inbox
from .served_store import Step, mover_serving
from .served_store import visit as served_visit

# --- a real SMTP server (the shared ``smtp`` fixture) ---------------------------------------


@pytest.fixture
def smtp_backend(settings, smtp: tuple[Inbox, int]) -> Inbox:
    """This process sends through the real SMTP server."""
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return inbox


# --- a week of traffic -----------------------------------------------------------------------

ZONE = ZoneInfo("Europe/Berlin")


def _reported_week(zone: ZoneInfo) -> tuple[ZoneInfo, date]:
    """A zone in which a report is due now, and the Monday of the week it reports."""
    now = timezone.now()
    due = due_report(zone, now)
    if due is None:  # Monday before 07:00 there: far enough east, it is Monday afternoon
        zone = ZoneInfo("Pacific/Kiritimati")
        due = due_report(zone, now)
    assert due is not None
    return zone, due.week_start


def _events(domain: str, zone: ZoneInfo, monday: date) -> list[Event]:
    def visit(day: date, visitor: int, source: str, steps: list[Step]) -> list[Event]:
        start = datetime.combine(day, time(10), zone).astimezone(UTC).replace(tzinfo=None)
        return served_visit(domain, start, visitor, source, steps)

    before = monday - timedelta(days=7)
    return [
        # The reported week: 4 visits, 6 page views, 2 bounces, 120 s in all.
        *visit(
            monday,
            1,
            "Google",
            [("pageview", "/"), ("pageview", "/pricing/"), ("Signup", "/pricing/")],
        ),
        *visit(monday + timedelta(days=2), 2, "Google", [("pageview", "/")]),
        *visit(monday + timedelta(days=4), 3, "", [("pageview", "/blog/")]),
        *visit(
            monday + timedelta(days=6),
            4,
            "Newsletter",
            [("pageview", "/pricing/"), ("pageview", "/signup/"), ("Purchase", "/signup/")],
        ),
        # The week before: 2 visits, 3 page views, 1 bounce, 30 s.
        *visit(before, 5, "Google", [("pageview", "/")]),
        *visit(before + timedelta(days=3), 6, "", [("pageview", "/"), ("pageview", "/pricing/")]),
        # After the week (today, or Sunday night): not in it.
        *visit(monday + timedelta(days=7), 7, "Google", [("pageview", "/")]),
    ]


def _site(domain: str, zone: ZoneInfo) -> TrackedSite:
    site = TrackedSite.objects.create(domain=domain, name="Weekly test", time_zone=zone.key)
    for name in ("Signup", "Purchase"):
        Goal.objects.create(site=site, display_name=name, kind="event", event_name=name)
    return site


def _subscribe(user: Any, site: TrackedSite, *, days_ago: int = 30) -> None:
    set_report_subscription(user, site, True)
    # Subscribed before this Monday morning: this week's report is theirs.
    ReportSubscription.objects.filter(user=user, site=site).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")  # SMTP's line ends


def _html(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def _check_report(message: EmailMessage, domain: str, monday: date) -> None:
    assert message["Subject"] == (
        f"Weekly test: 4 visitors in the week of {monday.day} {monday:%B %Y} (+100%)"
    )
    text = _text(message)
    for line in (
        "Visitors: 4 (+100%)",
        "Visits: 4 (+100%)",
        "Page views: 6 (+100%)",
        "Bounce rate: 50% (±0 pt)",
        "Visit duration: 30s (+100%)",
        "  Google: 2\n  Direct / none: 1\n  Newsletter: 1\n",
        "  /: 2, 2\n  /pricing/: 2, 2\n  /blog/: 1, 1\n  /signup/: 1, 1\n",
        "  Purchase: 1, 1, 25.0%\n  Signup: 1, 1, 25.0%\n",
        f"/admin/analytics/?site={domain}&period=custom&from={monday.isoformat()}"
        f"&to={(monday + timedelta(days=6)).isoformat()}",
    ):
        assert line in text, (line, text)
    html = _html(message)
    assert "<td>Newsletter</td>" in html and ">30s<" in html and "25.0%" in html


# --- end to end: scheduler, worker, mover, SMTP ----------------------------------------------


@pytest.mark.slow
def test_the_scheduler_and_worker_send_each_subscriber_one_report(
    request, transactional_db, django_db_serialized_rollback, monkeypatch, smtp, tmp_path, settings
) -> None:
    inbox, port = smtp
    # The worker (a subprocess) sends through the real SMTP server.
    monkeypatch.setenv("TEST_SMTP_URL", f"smtp://127.0.0.1:{port}")
    zone, monday = _reported_week(ZONE)
    domain = f"weekly-{port}.example"
    reader = UserFactory(roles=["Marketing Editor"], first_name="Ada")
    other = UserFactory(roles=["Viewer"])
    without_email = UserFactory(roles=["Viewer"], email="")
    late = UserFactory(roles=["Viewer"])

    site = _site(domain, zone)
    for user in (reader, other, without_email):
        _subscribe(user, site)
    set_report_subscription(late, site, True)  # after Monday 07:00: next week's is theirs

    with mover_serving(_events(domain, zone, monday), log_dir=tmp_path):
        request.getfixturevalue("task_worker")  # the scheduler enqueues at once, then every 15 min

        # The worker sends other mail too (the quarter's pulse invitations): only the
        # weekly reports count here.
        def reports() -> list[Any]:
            return [m for m in inbox.messages if "visitors in the week of" in m["Subject"]]

        wait_for(lambda: len(reports()) >= 2, timeout=60, interval=0.5)
        deliveries = wait_for(
            lambda: list(ReportDelivery.objects.filter(sent_at__isnull=False)), timeout=10
        )

        # Run again, as the scheduler will in 15 minutes: nothing more is sent.
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        assert send_weekly_reports.enqueue().return_value == 0

    assert sorted(m["To"] for m in reports()) == sorted([reader.email, other.email])
    assert len(reports()) == 2
    assert {(d.user_id, d.week_start) for d in deliveries} == {
        (reader.pk, monday),
        (other.pk, monday),
    }
    first = next(m for m in reports() if m["To"] == reader.email)
    assert _text(first).startswith("Hello Ada,")
    _check_report(first, domain, monday)
    assert first["From"] == django_settings.DEFAULT_FROM_EMAIL


# --- in this process: claims, failures, schedule ---------------------------------------------


@dataclass(frozen=True)
class Subscribed:
    """A site with one subscriber, and the site's events in a store file read directly (no
    mover), for the runs below."""

    read: Any  # the store's query function, the reader the runs are given
    site: TrackedSite
    user: Any
    monday: date  # of the reported week


@pytest.fixture
def subscribed(db: None, tmp_path: Path) -> Iterator[Subscribed]:
    zone, monday = _reported_week(ZONE)
    store = DuckDBEventStore(tmp_path / "events.duckdb")
    store.migrate()
    store.insert_batch(_events("claims.example", zone, monday))
    site = _site("claims.example", zone)
    user = UserFactory(roles=["Viewer"])
    _subscribe(user, site)
    yield Subscribed(store.query, site, user, monday)
    store.close()


def test_a_report_claimed_by_another_worker_is_left_to_it(subscribed, smtp_backend) -> None:
    read, monday = subscribed.read, subscribed.monday
    # Another worker claimed it a moment ago and is sending it.
    ReportDelivery.objects.create(
        user=subscribed.user, site=subscribed.site, week_start=monday, claimed_at=timezone.now()
    )
    assert send_due_reports(reader=read) == 0
    assert smtp_backend.messages == []

    # That worker died an hour ago without sending: the claim is taken over.
    ReportDelivery.objects.update(claimed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1))
    assert send_due_reports(reader=read) == 1
    [message] = smtp_backend.messages
    _check_report(message, "claims.example", monday)
    assert send_due_reports(reader=read) == 0
    assert ReportDelivery.objects.get().sent_at is not None


def test_failures_give_the_claim_back_for_the_next_run(subscribed, settings, tmp_path) -> None:
    read = subscribed.read
    # The SMTP server is not there.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    assert send_due_reports(reader=read) == 0
    assert not ReportDelivery.objects.exists()

    # The event store is not there (the mover is stopped).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ANALYTICS_STORE_SOCKET = tmp_path / "nobody.sock"
    get_query_client.cache_clear()
    try:
        assert send_due_reports() == 0
    finally:
        get_query_client.cache_clear()
    assert not ReportDelivery.objects.exists()

    from django.core import mail

    assert send_due_reports(reader=read) == 1
    assert len(mail.outbox) == 1


def test_a_sites_figures_are_worked_out_once_and_sent_over_one_connection(
    subscribed, smtp_backend
) -> None:
    _subscribe(UserFactory(roles=["Viewer"]), subscribed.site)
    asked: list[str] = []

    def timing_out(sql: str, params: Any) -> list[tuple[Any, ...]]:
        asked.append(sql)
        raise StoreQueryError("stopped at the store's time limit", "timeout")

    # The figures fail: asked once for the site, not again for each subscriber.
    assert send_due_reports(reader=timing_out) == 0
    assert len(asked) == 1
    assert not ReportDelivery.objects.exists()

    assert send_due_reports(reader=subscribed.read) == 2
    assert len(smtp_backend.messages) == 2
    assert len(set(smtp_backend.peers)) == 1  # both over one connection


def test_only_people_who_may_see_analytics_get_reports(subscribed, smtp_backend) -> None:
    read, site, left = subscribed.read, subscribed.site, subscribed.user
    left.is_active = False
    left.save()
    assert send_due_reports(reader=read) == 0
    nobody = UserFactory()  # no role: no analytics
    with pytest.raises(PermissionDenied):
        set_report_subscription(nobody, site, True)
    assert not is_subscribed(nobody, site)


def test_a_report_is_due_from_monday_7_in_the_sites_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Monday 24 November 2025, 05:59 UTC = 06:59 in Berlin: not yet.
    assert due_report(berlin, datetime(2025, 11, 24, 5, 59, tzinfo=UTC)) is None
    due = due_report(berlin, datetime(2025, 11, 24, 6, 0, tzinfo=UTC))
    assert due is not None
    assert (due.week_start, due.week_end) == (date(2025, 11, 17), date(2025, 11, 23))
    assert due.send_from == datetime(2025, 11, 24, 7, 0, tzinfo=berlin)
    # Still the same report later in the week (a worker that was down catches up).
    later = due_report(berlin, datetime(2025, 11, 30, 22, 59, tzinfo=UTC))  # Sunday 23:59
    assert later == due
    # Sunday 23:00 UTC is already Monday 08:00 in Tokyo.
    tokyo = due_report(ZoneInfo("Asia/Tokyo"), datetime(2025, 11, 23, 23, 0, tzinfo=UTC))
    assert tokyo is not None and tokyo.week_start == date(2025, 11, 17)


def test_the_scheduler_runs_the_weekly_reports() -> None:
    interval = django_settings.PERIODIC_TASKS["commonground.analytics.tasks.send_weekly_reports"]
    assert interval <= 3600  # due at 07:00, sent within the hour


# --- choosing reports: the account settings panel --------------------------------------------


@pytest.mark.django_db
def test_people_choose_their_reports_in_their_account_settings(editor) -> None:
    first = TrackedSite.objects.create(domain="first.example", name="First")
    second = TrackedSite.objects.create(domain="second.example", name="Second")
    client = client_for(editor)
    account = reverse("wagtailadmin_account")
    page = client.get(account).content.decode()
    assert "Weekly analytics reports" in page
    assert 'name="analytics_weekly_reports-sites"' in page

    def save(*sites: TrackedSite) -> None:
        data: dict[str, Any] = {
            "name_email-first_name": editor.first_name,
            "name_email-last_name": editor.last_name,
            "name_email-email": editor.email,
            "locale-preferred_language": "en",
            "locale-current_time_zone": "",
            "theme-theme": "system",
            "theme-density": "default",
            "theme-contrast": "system",
            "theme-keyboard_shortcuts": "on",
            "analytics_weekly_reports-sites": [str(site.pk) for site in sites],
        }
        answer = client.post(account, data)
        assert answer.status_code == 302, answer.content.decode()[:3000]

    save(first, second)
    assert is_subscribed(editor, first) and is_subscribed(editor, "second.example")
    save(second)
    assert not is_subscribed(editor, first) and is_subscribed(editor, second)
    assert set_report_subscription(editor, "first.example", True)
    assert not set_report_subscription(editor, first, True)  # nothing changed


@pytest.mark.django_db
def test_an_account_without_email_is_told_and_no_role_sees_no_panel(viewer) -> None:
    TrackedSite.objects.create(domain="first.example", name="First")
    viewer.email = ""
    viewer.save()
    page = client_for(viewer).get(reverse("wagtailadmin_account")).content.decode()
    assert "Your account has no e-mail address" in page
    nobody = UserFactory()
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    page = client_for(nobody).get(reverse("wagtailadmin_account")).content.decode()
    assert "Weekly analytics reports" not in page
