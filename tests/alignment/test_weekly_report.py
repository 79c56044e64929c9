"""The weekly joint report: due on Monday from 07:00, one e-mail per lead and week through a
real SMTP server (aiosmtpd), with the scorecard, the week's status changes, the budget's
variances, the week's decisions, the actions due and the next meeting's agenda."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from commonground.alignment.budget import services as budget
from commonground.alignment.models import (
    CheckIn,
    Goal,
    GoalSnapshot,
    JointReportDelivery,
    Meeting,
)
from commonground.alignment.reviews import services as reviews
from commonground.alignment.reviews.agenda import generate_agenda
from commonground.alignment.weekly_report import (
    CLAIM_TIMEOUT,
    build_report,
    due_week,
    send_due_report,
)
from commonground.core import roles

from ..core.factories import UserFactory
from ..smtp_inbox import Inbox
from .budget_rows import planned_line
from .meetings import a_series, smtp_backend_fixture  # noqa: F401  (the smtp_backend fixture)

pytestmark = pytest.mark.django_db


def _last_monday_morning() -> datetime:
    """The latest Monday 08:00 (server time) that has passed: a moment the report is due."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    moment = timezone.make_aware(datetime.combine(monday, time(8, 0)))
    if moment > timezone.now():
        moment -= timedelta(days=7)
    return moment


NOW = _last_monday_morning()
MONDAY = timezone.localdate(NOW)  # the report's day
WEEK = MONDAY - timedelta(days=7)  # the Monday of the week it reports


def _goal(name: str, side: str, series: str, value: str, **fields: Any) -> Goal:
    goal = Goal.objects.create(
        name=name,
        side=side,
        metric="manual.check_in",
        params={"series": series},
        period_kind=Goal.PeriodKind.CUSTOM,
        period_start=MONDAY - timedelta(days=30),
        period_end=MONDAY + timedelta(days=60),
        target_value=Decimal(100),
        **fields,
    )
    CheckIn.objects.create(series=series, day=MONDAY - timedelta(days=1), value=Decimal(value))
    return goal


def _snapshot(goal: Goal, day: date, status: str) -> None:
    GoalSnapshot.objects.create(
        goal=goal, day=day, status=status, computed_at=NOW, value=None, target=Decimal(100)
    )


@pytest.fixture
def week(cmo: Any, cio: Any) -> dict[str, Any]:
    """A week of joint work: goals (one named as an attack), a status change, a line over
    plan, decisions, an overdue action and a planned meeting."""
    awareness = _goal("Brand awareness", "marketing", "awareness", "40")  # off track
    speed = _goal("Pages answered fast", "it", "speed", "100")  # on track
    awareness.guardrails.add(speed)
    _goal("<script>alert(1)</script>", "joint", "attack", "95")  # at risk
    _snapshot(awareness, MONDAY - timedelta(days=8), "on_track")
    _snapshot(awareness, MONDAY, "off_track")
    _snapshot(speed, MONDAY - timedelta(days=8), "on_track")
    _snapshot(speed, MONDAY, "on_track")  # no change: not listed

    line = planned_line(cmo, "marketing", "campaigns", "1000", day=MONDAY)
    budget.enter_actual(
        user=cmo, line=line, day=MONDAY, amount=Decimal("9000"), description="Spring ads"
    )

    series = a_series(cmo, [cmo, cio], first_date=timezone.localdate() + timedelta(days=3))
    meeting = Meeting.objects.filter(series=series).order_by("starts_at").first()
    assert meeting is not None

    def decision(title: str, day: date) -> None:
        details = reviews.DecisionDetails(
            title=title, decision=f"We {title.lower()}.", decided_on=day, owner=cio
        )
        reviews.add_decision(user=cmo, meeting=meeting, details=details)

    decision("Move the newsletter to Tuesdays", WEEK + timedelta(days=2))
    decision("Retire the old CRM", WEEK - timedelta(days=1))  # the week before
    decision("Buy a status page", MONDAY)  # next week's report
    for title, due in (
        ("Renew the CDN contract", MONDAY - timedelta(days=3)),
        ("Draft the Q1 campaign brief", MONDAY + timedelta(days=5)),
        ("Plan the spring sale", MONDAY + timedelta(days=20)),  # beyond the next 7 days
    ):
        reviews.add_action(user=cmo, meeting=meeting, title=title, owner=cio, due_date=due)
    return {"meeting": meeting}


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def _html(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def test_the_report_is_due_from_monday_seven_oclock() -> None:
    monday = timezone.make_aware(datetime.combine(MONDAY, time(7, 0)))
    assert due_week(monday) == WEEK
    assert due_week(monday - timedelta(seconds=1)) is None
    assert due_week(monday + timedelta(days=6, hours=16)) == WEEK  # Sunday night: catching up


def test_each_lead_gets_one_report_on_monday_and_a_second_run_sends_none(
    smtp_backend: Inbox, cmo: Any, cio: Any, week: dict[str, Any]
) -> None:
    UserFactory(roles=[roles.MARKETING_EDITOR])  # not a lead
    UserFactory(roles=[roles.VIEWER])
    UserFactory(roles=[roles.IT_LEAD], email="")  # a lead without an address
    UserFactory(roles=[roles.MARKETING_LEAD], is_active=False)

    assert send_due_report(now=NOW) == 2
    assert send_due_report(now=NOW) == 0
    assert send_due_report(now=NOW + timedelta(days=2)) == 0  # a later run that week

    assert sorted(to for (to,) in smtp_backend.recipients) == sorted([cmo.email, cio.email])
    assert len(smtp_backend.messages) == 2
    assert set(JointReportDelivery.objects.values_list("user_id", "week_start")) == {
        (cmo.pk, WEEK),
        (cio.pk, WEEK),
    }
    assert not JointReportDelivery.objects.filter(sent_at__isnull=True).exists()
    message = next(m for m in smtp_backend.messages if m["To"] == cmo.email)
    assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == (
        f"Common ground, week of {WEEK.day} {WEEK:%B %Y}: 1 on track, 1 at risk, 1 off track"
    )
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_before_monday_seven_oclock_nothing_is_sent(
    smtp_backend: Inbox, cmo: Any, cio: Any
) -> None:
    early = timezone.make_aware(datetime.combine(MONDAY, time(6, 59)))
    assert send_due_report(now=early) == 0
    assert smtp_backend.messages == []
    assert not JointReportDelivery.objects.exists()
    assert send_due_report(now=early + timedelta(minutes=1)) == 2  # 07:00


def test_the_text_part_says_everything_in_order(
    smtp_backend: Inbox, cmo: Any, cio: Any, week: dict[str, Any]
) -> None:
    send_due_report(now=NOW)
    text = _text(next(m for m in smtp_backend.messages if m["To"] == cio.email))
    assert text.startswith(f"Hello {cio.first_name or cio.username},")
    assert "<" not in text.replace("<script>alert(1)</script>", "") and "style=" not in text
    headings = [
        "THE SCORECARD",
        "GOALS THAT CHANGED STATUS",
        "BUDGET VARIANCES",
        "DECISIONS THIS WEEK",
        "ACTIONS DUE BY",
        "THE NEXT MEETING'S AGENDA",
    ]
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    for line in (
        "1 on track, 1 at risk, 1 off track.",
        "- Brand awareness (Marketing): 40 of 100. Off track.\n"
        "    Guardrail, Pages answered fast (IT): 100 of 100. On track.",
        "- <script>alert(1)</script> (Joint): 95 of 100. At risk.",  # plain text: as typed
        f"- Brand awareness (Marketing): On track → Off track (on {MONDAY:%-d %b})",
        "Lines more than 10% off their plan's pace:",
        "- Marketing · Campaigns and advertising (",
        "spent 9,000.00 EUR where",
        "- Move the newsletter to Tuesdays (",
        "  We move the newsletter to tuesdays.",
        f"- OVERDUE since {MONDAY - timedelta(days=3):%a %-d %b}: Renew the CDN contract",
        f"- Due {MONDAY + timedelta(days=5):%a %-d %b}: Draft the Q1 campaign brief",
        f"{django_settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/admin/alignment/\n",
        "/admin/alignment/budget/\n",
        "/admin/alignment/meetings/decisions/\n",
        f"/admin/alignment/meetings/{week['meeting'].pk}/\n",
    ):
        assert line in text, (line, text)
    assert "Pages answered fast (IT): On track" not in text  # no change: not listed
    assert "Retire the old CRM" not in text and "Buy a status page" not in text
    assert "Plan the spring sale" not in text
    agenda = generate_agenda()
    assert agenda.meeting is not None
    for number, section in enumerate(agenda.sections, start=1):
        assert f"\n{number}. {section.title}\n" in text
    assert "   - Renew the CDN contract: Overdue since" in text  # the agenda's actions due


def test_the_html_part_escapes_what_people_typed(
    smtp_backend: Inbox, cmo: Any, cio: Any, week: dict[str, Any]
) -> None:
    send_due_report(now=NOW)
    html = _html(smtp_backend.messages[0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for shown in (
        "Brand awareness",
        "Pages answered fast",
        "Off track",
        "Move the newsletter to Tuesdays",
        "Renew the CDN contract",
        ">Overdue</span>",
        "9,000.00 EUR",
        "Marketing · Campaigns and advertising",
    ):
        assert shown in html, shown
    for section in generate_agenda().sections:
        assert section.title.replace("'", "&#x27;") in html
    base = django_settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    assert f'href="{base}/admin/alignment/"' in html
    assert f'href="{base}/admin/alignment/meetings/decisions/"' in html


def test_an_empty_week_says_so_in_every_section(smtp_backend: Inbox, cmo: Any, cio: Any) -> None:
    assert send_due_report(now=NOW) == 2
    message = smtp_backend.messages[0]
    text, html = _text(message), _html(message)
    for empty in (
        "No goal is running.",
        "No goal changed status this week.",
        "No line is that far off.",
        "No decision was taken this week.",
        "No action is due or overdue.",
        "No meeting is planned.",
    ):
        assert empty in text and empty in html, empty
    assert message["Subject"].endswith(": 0 on track, 0 at risk, 0 off track")


def test_a_section_that_fails_says_so_and_the_report_still_goes(
    smtp_backend: Inbox, settings: Any, cmo: Any, cio: Any, week: dict[str, Any]
) -> None:
    settings.ALIGNMENT_VARIANCE_THRESHOLD_PERCENT = "ten"  # the budget section cannot run
    assert send_due_report(now=NOW) == 2
    text = _text(smtp_backend.messages[0])
    assert "The variances could not be computed; the server log has the error." in text
    assert "Move the newsletter to Tuesdays" in text  # the sections after it are there
    assert "On track → Off track" in text


def test_a_failed_send_gives_the_claim_back(settings: Any, cmo: Any, cio: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    assert send_due_report(now=NOW) == 0
    assert not JointReportDelivery.objects.exists()


def test_a_fresh_claim_is_left_alone_and_a_stale_one_taken_over(
    smtp_backend: Inbox, cmo: Any, cio: Any
) -> None:
    JointReportDelivery.objects.create(user=cmo, week_start=WEEK, claimed_at=timezone.now())
    JointReportDelivery.objects.create(
        user=cio, week_start=WEEK, claimed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(minutes=1)
    )
    assert send_due_report(now=NOW) == 1  # another worker is sending the CMO's right now
    assert [to for (to,) in smtp_backend.recipients] == [cio.email]


def test_the_report_is_built_from_the_week_it_covers(week: dict[str, Any]) -> None:
    report = build_report(WEEK, now=NOW)
    assert report.week_end == MONDAY - timedelta(days=1)
    assert report.decisions is not None
    assert [d.title for d in report.decisions] == ["Move the newsletter to Tuesdays"]
    assert report.actions is not None
    assert [(a.title, a.overdue) for a in report.actions] == [
        ("Renew the CDN contract", True),
        ("Draft the Q1 campaign brief", False),
    ]


def test_the_report_is_a_periodic_task() -> None:
    assert "commonground.alignment.tasks.send_weekly_joint_report" in (
        django_settings.PERIODIC_TASKS
    )
