"""The weekly joint report: one e-mail to both leads on Monday morning with the scorecard's
status, the goals that changed status, the budget's variances, the decisions and actions due,
and the next meeting's agenda. Sent once per lead and week, whichever worker sends it (a
claim row, as the analytics weekly report does)."""

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import JointReportDelivery
from .scorecard import selectors
from .scorecard.periods import quarter_of
from .scorecard.selectors import GoalCard, StatusChange
from .sides import LEAD_ROLES

logger = logging.getLogger(__name__)

SEND_FROM = time(7, 0)  # Monday, in the server's time zone
CLAIM_TIMEOUT = timedelta(hours=1)


@dataclass(frozen=True)
class JointReport:
    week_start: date
    cards: tuple[GoalCard, ...]
    counts: dict[str, int]
    changes: tuple[StatusChange, ...]
    variances: tuple[Any, ...] = ()
    decisions: tuple[Any, ...] = ()
    actions: tuple[Any, ...] = ()
    agenda: Any = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def due_week(now: datetime) -> date | None:
    """The Monday of the week the report due at ``now`` looks back on, or None before
    Monday 07:00."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    if local < timezone.make_aware(datetime.combine(monday, SEND_FROM)):
        return None
    return monday - timedelta(days=7)


def _admin_url(name: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name)


def build_report(week_start: date) -> JointReport:
    """The report's content, computed now from live data."""
    from .budget import selectors as budget_selectors
    from .reviews import selectors as review_selectors
    from .reviews.agenda import generate_agenda

    board = selectors.build_scorecard(selectors.goals_for("current"), live=True)
    today = timezone.localdate()
    quarter = quarter_of(today)
    agenda = None
    with suppress(LookupError):  # no meeting planned
        agenda = generate_agenda()
    return JointReport(
        week_start=week_start,
        cards=board.cards,
        counts=board.counts(),
        changes=tuple(selectors.status_changes(since=today - timedelta(days=7), until=today)),
        variances=tuple(
            budget_selectors.variances(
                period_start=quarter.start,
                period_end=quarter.end,
                threshold_percent=settings.ALIGNMENT_VARIANCE_THRESHOLD_PERCENT,
            )
        ),
        decisions=tuple(review_selectors.decisions_between(first=week_start, last=today)),
        actions=tuple(review_selectors.actions_due(until=today + timedelta(days=7))),
        agenda=agenda,
        links={
            "scorecard": _admin_url("alignment_scorecard"),
            "budget": _admin_url("alignment_budget_index"),
            "decisions": _admin_url("alignment_reviews_decisions"),
        },
    )


def report_message(report: JointReport, *, to: str, name: str) -> EmailMultiAlternatives:
    counts = report.counts
    subject = (
        f"Common ground, week of {report.week_start.day} {report.week_start:%B %Y}: "
        f"{counts['on_track']} on track, {counts['at_risk']} at risk, "
        f"{counts['off_track']} off track"
    )
    context = {"report": report, "name": name}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("alignment/email/weekly_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string("alignment/email/weekly_report.html", context), "text/html"
    )
    return message


def leads() -> list[Any]:
    users = get_user_model()._default_manager.filter(
        is_active=True, groups__name__in=list(LEAD_ROLES)
    )
    return [user for user in users.distinct().order_by("pk") if user.email]


def _claim(user: Any, week_start: date) -> JointReportDelivery | None:
    now = timezone.now()
    try:
        with transaction.atomic():
            return JointReportDelivery.objects.create(
                user=user, week_start=week_start, claimed_at=now
            )
    except IntegrityError:
        pass
    stale = JointReportDelivery.objects.filter(
        user=user, week_start=week_start, sent_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    if stale.update(claimed_at=now):
        return JointReportDelivery.objects.get(user=user, week_start=week_start)
    return None


def send_due_report(*, now: datetime | None = None) -> int:
    """This week's joint report to every lead who has not had it; returns how many went."""
    week_start = due_week(now or timezone.now())
    if week_start is None:
        return 0
    report: JointReport | None = None
    sent = 0
    connection = get_connection()
    try:
        for user in leads():
            claim = _claim(user, week_start)
            if claim is None:
                continue
            try:
                report = report or build_report(week_start)
                connection.open()
                name = user.get_short_name() or user.get_username()
                connection.send_messages([report_message(report, to=user.email, name=name)])
            except Exception:
                JointReportDelivery.objects.filter(pk=claim.pk, sent_at__isnull=True).delete()
                logger.exception("weekly joint report to user %s failed", user.pk)
                with suppress(OSError):
                    connection.close()
                continue
            JointReportDelivery.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            sent += 1
    finally:
        with suppress(OSError):
            connection.close()
    return sent
