"""The weekly joint report: one e-mail to both leads on Monday morning with the scorecard's
status, the goals that changed status, the budget's variances, the decisions and actions due,
and the next meeting's agenda.

*What it covers.* The report sent from Monday 07:00 (server time) looks back on the week that
ended on Sunday: its decisions are those dated in that week (each decision is in exactly one
report). The scorecard, variances and actions are as they stand when it is built, and the
status changes run from the Sunday before the week to today, so they lead to the status shown.

*One section failing is not the report failing.* Each section is built on its own (in its own
savepoint, so a database error cannot spoil the rest); one that raises is logged and the
e-mail says that it could not be computed, and everyone still gets the other sections.

*Exactly one e-mail per lead and week*, as the analytics weekly report: each is claimed
through its :class:`JointReportDelivery` row (unique per user and week) before it goes out and
marked sent after (``core/send_once.py``).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commonground.core.mail import send_once

from .budget.money import format_money
from .budget.selectors import LineVariance, variances
from .models import JointReportDelivery
from .periods import quarter_of
from .reviews.agenda import Agenda, generate_agenda
from .reviews.selectors import actions_due, decisions_between, owner_name
from .scorecard import selectors
from .scorecard.selectors import GoalCard
from .scorecard.status import Status
from .sides import LEAD_ROLES, side_label
from .templatetags.alignment_tags import metric_value

logger = logging.getLogger(__name__)

SEND_FROM = time(7, 0)  # Monday, in the server's time zone
CLAIM_TIMEOUT = send_once.CLAIM_TIMEOUT
ACTIONS_AHEAD = timedelta(days=7)

T = TypeVar("T")


@dataclass(frozen=True)
class GoalLine:
    """A running goal (or a guardrail under it) as the e-mail shows it."""

    name: str
    side: str  # its label: Marketing, IT, Joint
    value: str  # in the metric's unit
    target: str
    status: str  # on_track / at_risk / off_track
    status_label: str
    guardrails: tuple["GoalLine", ...] = ()


@dataclass(frozen=True)
class GoalGroup:
    """The running goals of one side, as the scorecard groups them."""

    label: str
    goals: tuple[GoalLine, ...]


@dataclass(frozen=True)
class ScorecardStatus:
    on_track: int
    at_risk: int
    off_track: int
    groups: tuple[GoalGroup, ...]


@dataclass(frozen=True)
class ChangeLine:
    name: str
    side: str
    before: str  # status labels: "On track"
    after: str
    after_status: str
    day: date  # of the snapshot that shows the new status


@dataclass(frozen=True)
class VarianceLine:
    label: str  # side, category and period
    actual: str  # amounts with the currency
    expected: str  # the plan prorated to today
    planned: str  # the whole period's plan
    difference: str  # signed: "+8,000.00 EUR"
    percent: str  # signed, "" when nothing was expected yet
    over: bool


@dataclass(frozen=True)
class BudgetVariances:
    threshold_percent: Decimal  # lines further off their plan's pace than this are listed
    lines: tuple[VarianceLine, ...]


@dataclass(frozen=True)
class DecisionLine:
    title: str
    decision: str
    owner: str  # "" when nobody owns it
    decided_on: date


@dataclass(frozen=True)
class ActionLine:
    title: str
    owner: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class JointReport:
    """What the e-mail says. A section that is None could not be computed (see the log);
    an empty tuple is a section with nothing in it."""

    week_start: date  # the Monday of the week the report looks back on
    today: date
    scorecard: ScorecardStatus | None
    changes: tuple[ChangeLine, ...] | None
    variances: BudgetVariances | None
    decisions: tuple[DecisionLine, ...] | None
    actions: tuple[ActionLine, ...] | None
    agenda: Agenda | None  # its ``meeting`` is None when no meeting is planned
    base_url: str  # the admin's address, for the agenda's links
    links: dict[str, str]  # scorecard, budget, decisions: absolute URLs

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def actions_until(self) -> date:
        return self.today + ACTIONS_AHEAD


def due_week(now: datetime) -> date | None:
    """The Monday of the week the report due at ``now`` looks back on, or None before
    Monday 07:00."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    if local < timezone.make_aware(datetime.combine(monday, SEND_FROM)):
        return None
    return monday - timedelta(days=7)


def _base_url() -> str:
    return str(settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def _section(name: str, build: Callable[[], T]) -> T | None:
    try:
        with transaction.atomic():  # a database error rolls back to here, not the whole run
            return build()
    except Exception:
        logger.exception("weekly joint report: the %s could not be computed", name)
        return None


def _goal_line(card: GoalCard) -> GoalLine:
    return GoalLine(
        name=card.name,
        side=side_label(card.side),
        value=metric_value(card.value, card.unit),
        target=metric_value(card.target, card.unit),
        status=card.status.value,
        status_label=card.status.label,
        guardrails=tuple(_goal_line(guardrail) for guardrail in card.guardrails),
    )


def _scorecard(now: datetime) -> ScorecardStatus:
    today = timezone.localdate(now)
    board = selectors.build_scorecard(selectors.goals_for("current", today=today), now=now)
    counts = board.counts()
    return ScorecardStatus(
        on_track=counts[Status.ON_TRACK],
        at_risk=counts[Status.AT_RISK],
        off_track=counts[Status.OFF_TRACK],
        groups=tuple(
            GoalGroup(label, tuple(_goal_line(card) for card in cards))
            for _, label, cards in board.by_side()
        ),
    )


def _changes(since: date, until: date) -> tuple[ChangeLine, ...]:
    return tuple(
        ChangeLine(
            name=change.name,
            side=side_label(change.side),
            before=Status.label_of(change.before),
            after=Status.label_of(change.after),
            after_status=change.after,
            day=change.day,
        )
        for change in selectors.status_changes(since=since, until=until)
    )


def _signed_money(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + format_money(amount)


def _variance_line(line: LineVariance) -> VarianceLine:
    percent = line.variance_percent
    return VarianceLine(
        label=line.label,
        actual=format_money(line.actual),
        expected=format_money(line.expected_to_date),
        planned=format_money(line.planned),
        difference=_signed_money(line.variance),
        percent="" if percent is None else f"{'+' if percent > 0 else ''}{percent}%",
        over=line.over,
    )


def _variances(today: date) -> BudgetVariances:
    quarter = quarter_of(today)
    threshold = Decimal(settings.ALIGNMENT_VARIANCE_THRESHOLD_PERCENT)
    lines = variances(
        period_start=quarter.start, period_end=quarter.end, threshold_percent=threshold, today=today
    )
    return BudgetVariances(threshold, tuple(_variance_line(line) for line in lines))


def _decisions(first: date, last: date) -> tuple[DecisionLine, ...]:
    return tuple(
        DecisionLine(d.title, d.decision, owner_name(d.owner), d.decided_on)
        for d in decisions_between(first=first, last=last)
    )


def _actions(today: date) -> tuple[ActionLine, ...]:
    return tuple(
        ActionLine(a.title, owner_name(a.owner) or "nobody", a.due_date, a.due_date < today)
        for a in actions_due(until=today + ACTIONS_AHEAD)
    )


def _agenda() -> Agenda:
    return generate_agenda()  # the next planned meeting's; as of now when there is none


def build_report(week_start: date, *, now: datetime | None = None) -> JointReport:
    """The report on the week from ``week_start`` (a Monday), computed at ``now`` from live
    data (the agenda always as of the real now: it is the next meeting's)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = _base_url()
    return JointReport(
        week_start=week_start,
        today=today,
        scorecard=_section("scorecard", lambda: _scorecard(now)),
        changes=_section(
            "status changes",
            lambda: _changes(week_start - timedelta(days=1), today),
        ),
        variances=_section("budget variances", lambda: _variances(today)),
        decisions=_section(
            "decisions", lambda: _decisions(week_start, week_start + timedelta(days=6))
        ),
        actions=_section("actions due", lambda: _actions(today)),
        agenda=_section("agenda", _agenda),
        base_url=base,
        links={
            "scorecard": base + reverse("alignment_scorecard"),
            "budget": base + reverse("alignment_budget_index"),
            "decisions": base + reverse("alignment_reviews_decisions"),
        },
    )


def report_subject(report: JointReport) -> str:
    week = f"Common ground, week of {report.week_start.day} {report.week_start:%B %Y}"
    board = report.scorecard
    if board is None:
        return week
    return (
        f"{week}: {board.on_track} on track, {board.at_risk} at risk, {board.off_track} off track"
    )


def report_message(report: JointReport, *, to: str, name: str) -> EmailMultiAlternatives:
    """The e-mail for one lead: plain text, with the same content as HTML."""
    context = {"report": report, "name": name}
    message = EmailMultiAlternatives(
        subject=report_subject(report),
        body=render_to_string("alignment/email/weekly_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string("alignment/email/weekly_report.html", context), "text/html"
    )
    return message


def leads() -> list[Any]:
    """Active users in the Marketing Lead or IT Lead group who have an e-mail address."""
    users = get_user_model()._default_manager.filter(
        is_active=True, groups__name__in=list(LEAD_ROLES)
    )
    return [user for user in users.distinct().order_by("pk") if user.email]


def send_due_report(*, now: datetime | None = None) -> int:
    """This week's joint report to every lead who has not had it; returns how many went.
    The report is built once, at the first claim (most runs have nothing to send), and sent
    over one SMTP connection, each at most once (``core/send_once.py``)."""
    now = now or timezone.now()
    week_start = due_week(now)
    if week_start is None:
        return 0
    built: list[JointReport] = []

    def message_to(user: Any) -> EmailMultiAlternatives:
        if not built:
            built.append(build_report(week_start, now=now))
        name = user.get_short_name() or user.get_username()
        return report_message(built[0], to=user.email, name=name)

    sent = 0
    with send_once.mailer() as mail:
        for user in leads():
            try:
                sent += send_once.send_once(
                    JointReportDelivery,
                    key={"user": user, "week_start": week_start},
                    message=partial(message_to, user),
                    mail=mail,
                )
            except Exception:
                logger.exception("weekly joint report to user %s failed", user.pk)
    return sent
