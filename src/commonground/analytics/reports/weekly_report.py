"""The weekly e-mail report: who gets it (subscriptions), what it says, and sending each once.

Every Monday from 07:00 in a site's time zone, each subscriber of the site gets one e-mail about
the week that ended on Sunday, against the week before. The scheduler enqueues
:func:`send_due_reports` every few minutes (``PERIODIC_TASKS``); each run sends what is due and
not yet sent, so a worker that was down on Monday morning catches up later that week, and only
the newest week is ever sent.

*Exactly one e-mail per user, site and week*: each report is claimed through its
:class:`ReportDelivery` row before it goes out and marked sent after (``core/send_once.py``
says how, and what a worker killed in between leaves).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commonground.core.mail import send_once

from ..models import (
    VIEW_ANALYTICS,
    ReportDelivery,
    ReportSubscription,
    TrackedSite,
    normalise_domain,
)
from ..queries import StatsRunner, StoreUnavailableError, parse_query
from ..queries.runner import Reader
from .display import change_text, duration_text, source_text
from .page_panel import dashboard_url

logger = logging.getLogger(__name__)

SEND_FROM = time(7, 0)  # Monday, in the site's time zone
CLAIM_TIMEOUT = send_once.CLAIM_TIMEOUT
TOP_ROWS = 5
User = UserModel | AnonymousUser


# --- subscriptions ---------------------------------------------------------------------------


def _site(site: TrackedSite | str) -> TrackedSite:
    if isinstance(site, TrackedSite):
        return site
    return TrackedSite.objects.get(domain=normalise_domain(site))


def set_report_subscription(user: User, site: TrackedSite | str, subscribed: bool) -> bool:
    """Subscribe ``user`` to the weekly report of ``site`` (a site or its domain), or not.

    Returns whether anything changed. Raises PermissionDenied for a user who may not see
    analytics, and TrackedSite.DoesNotExist for an unknown domain.
    """
    if not (user.is_active and user.has_perm(VIEW_ANALYTICS)):
        raise PermissionDenied("Only people who may see analytics can get its reports.")
    tracked = _site(site)
    with transaction.atomic():
        if subscribed:
            _, created = ReportSubscription.objects.get_or_create(user=user, site=tracked)
            return created
        deleted, _ = ReportSubscription.objects.filter(user=user, site=tracked).delete()
        return bool(deleted)


def is_subscribed(user: User, site: TrackedSite | str) -> bool:
    """Whether ``user`` gets the weekly report of ``site``."""
    if not user.is_authenticated:
        return False
    return ReportSubscription.objects.filter(user=user, site=_site(site)).exists()


def subscribed_sites(user: User) -> QuerySet[TrackedSite]:
    if not user.is_authenticated:
        return TrackedSite.objects.none()
    return TrackedSite.objects.filter(report_subscriptions__user=user)


# --- when a report is due --------------------------------------------------------------------


def site_zone(site: TrackedSite) -> ZoneInfo:
    try:
        return ZoneInfo(site.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class DueReport:
    week_start: date  # the Monday of the reported week
    send_from: datetime  # when it became due; subscriptions made later wait for the next one

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def due_report(zone: ZoneInfo, now: datetime) -> DueReport | None:
    """The report due at ``now`` (aware): the week before this one, from Monday 07:00 on."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    send_from = datetime.combine(monday, SEND_FROM, zone)
    if local < send_from:
        return None  # the week before last was due last Monday; this week's is not yet
    return DueReport(week_start=monday - timedelta(days=7), send_from=send_from)


# --- what a report says ----------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    label: str
    value: str
    change: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class WeeklyFigures:
    site: TrackedSite
    week_start: date
    totals: list[Total]
    sources: list[Row]
    pages: list[Row]
    goals: list[Row]
    visitors: int
    visitors_change: float | None
    dashboard_url: str

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def weekly_figures(
    site: TrackedSite, week_start: date, *, reader: "Reader | None" = None
) -> WeeklyFigures:
    """The week from ``week_start`` (Monday) against the week before, in the site's zone."""
    week_end = week_start + timedelta(days=6)
    week = [week_start.isoformat(), week_end.isoformat()]

    def ask(**body: Any) -> list[dict[str, Any]]:
        query = parse_query({"site_id": site.domain, "date_range": week, **body})
        results: list[dict[str, Any]] = StatsRunner().run(query, reader=reader).as_json()["results"]
        return results

    [totals] = ask(
        metrics=["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"],
        include={"comparison": "previous_period"},
    )
    now, changes = totals["metrics"], totals["comparison"]["change"]
    sources = ask(metrics=["visitors"], dimensions=["visit:source"], pagination={"limit": TOP_ROWS})
    pages = ask(
        metrics=["visitors", "pageviews"], dimensions=["event:page"], pagination={"limit": TOP_ROWS}
    )
    goals = ask(
        metrics=["visitors", "events", "conversion_rate"],
        dimensions=["event:goal"],
        pagination={"limit": TOP_ROWS * 2},
    )
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return WeeklyFigures(
        site=site,
        week_start=week_start,
        totals=[
            Total("Visitors", f"{now[0]:,}", change_text(changes[0])),
            Total("Visits", f"{now[1]:,}", change_text(changes[1])),
            Total("Page views", f"{now[2]:,}", change_text(changes[2])),
            Total("Bounce rate", f"{now[3]:.0f}%", change_text(changes[3], points=True)),
            Total("Visit duration", duration_text(now[4]), change_text(changes[4])),
        ],
        sources=[Row(source_text(r["dimensions"][0]), (f"{r['metrics'][0]:,}",)) for r in sources],
        pages=[
            Row(r["dimensions"][0], (f"{r['metrics'][0]:,}", f"{r['metrics'][1]:,}")) for r in pages
        ],
        goals=[
            Row(
                r["dimensions"][0],
                (f"{r['metrics'][0]:,}", f"{r['metrics'][1]:,}", f"{r['metrics'][2]:.1f}%"),
            )
            for r in goals
        ],
        visitors=int(now[0]),
        visitors_change=changes[0],
        dashboard_url=base + dashboard_url(site=site.domain, days=(week_start, week_end)),
    )


def report_message(figures: WeeklyFigures, *, to: str, name: str) -> EmailMultiAlternatives:
    """The e-mail for one subscriber: plain text, with the same content as HTML."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "figures": figures,
        "name": name,
        "account_url": f"{base}{reverse('wagtailadmin_account')}",
    }
    change = change_text(figures.visitors_change)
    subject = (
        f"{figures.site.name}: {figures.visitors:,} visitors in the week of "
        f"{figures.week_start.day} {figures.week_start:%B %Y}" + (f" ({change})" if change else "")
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("analytics/email/weekly_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string("analytics/email/weekly_report.html", context), "text/html"
    )
    return message


# --- sending ---------------------------------------------------------------------------------


def _may_receive(user: Any) -> bool:
    return bool(user.is_active and user.email and user.has_perm(VIEW_ANALYTICS))


def _pending(site: TrackedSite, due: DueReport) -> QuerySet[ReportSubscription]:
    sent = ReportDelivery.objects.filter(
        user=OuterRef("user"), site=site, week_start=due.week_start, sent_at__isnull=False
    )
    return (
        ReportSubscription.objects.filter(site=site, created_at__lte=due.send_from)
        .exclude(Exists(sent))
        .select_related("user")
        .order_by("pk")
    )


def send_due_reports(*, now: datetime | None = None, reader: "Reader | None" = None) -> int:
    """Send every weekly report that is due and not yet sent; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    sites = TrackedSite.objects.filter(
        Exists(ReportSubscription.objects.filter(site=OuterRef("pk")))
    ).order_by("domain")
    for site in sites:
        due = due_report(site_zone(site), now)
        if due is None:
            continue
        try:
            sent += _send_site_reports(site, due, reader=reader)
        except StoreUnavailableError as error:
            logger.warning("weekly reports: not sent, the event store is down: %s", error)
            break  # every other site would fail the same way; the next run retries
    return sent


def _send_site_reports(site: TrackedSite, due: DueReport, *, reader: "Reader | None") -> int:
    """The due reports of one site: its figures worked out once, at the first claim, and sent
    over one SMTP connection (``core/send_once.py``)."""
    figures: WeeklyFigures | None = None
    sent = 0
    with send_once.mailer() as mail:
        for subscription in _pending(site, due):
            user = subscription.user
            if not _may_receive(user):
                continue
            claim = send_once.claim(
                ReportDelivery,
                key={"user_id": user.pk, "site_id": site.pk, "week_start": due.week_start},
            )
            if claim is None:
                continue
            try:
                figures = figures or weekly_figures(site, due.week_start, reader=reader)
            except StoreUnavailableError:
                send_once.release(claim)
                raise
            except Exception:
                send_once.release(claim)
                logger.exception("weekly reports of %s: the figures failed", site)
                return sent  # every subscriber of the site would fail the same way
            try:
                name = user.get_short_name() or user.get_username()
                mail.send(report_message(figures, to=user.email, name=name))
            except Exception:
                send_once.release(claim)
                logger.exception("weekly report of %s to user %s failed", site, user.pk)
                continue
            send_once.mark_sent(claim)
            sent += 1
    return sent
