"""The content calendar: scheduled go-lives, expiries and planned sends, by day and by week."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page, Revision

from commonground.distribution.public import channels, queued_sends

ACCESS_ADMIN = "wagtailadmin.access_admin"
GO_LIVE, EXPIRY, SEND = "go-live", "expiry", "send"
_KIND_LABELS = {GO_LIVE: "Goes live", EXPIRY: "Expires", SEND: "Send"}


@dataclass(frozen=True)
class CalendarEntry:
    at: datetime.datetime  # in the admin's current time zone
    kind: str
    label: str
    page_id: int
    title: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return _KIND_LABELS[self.kind]

    @property
    def edit_url(self) -> str:
        return reverse("wagtailadmin_pages:edit", args=[self.page_id])


@dataclass(frozen=True)
class CalendarDay:
    date: datetime.date
    entries: list[CalendarEntry]


class CalendarRangeError(ValueError):
    """The asked-for day or view cannot be shown; the message says why."""


def calendar_range(*, view: str, day: str, today: datetime.date) -> tuple[datetime.date, int]:
    """The first day and the number of days shown: a day, or the week (Monday first) of it."""
    if view not in {"day", "week"}:
        raise CalendarRangeError("The view must be “day” or “week”.")
    try:
        date = datetime.date.fromisoformat(day) if day else today
    except ValueError:
        raise CalendarRangeError("The date must read YYYY-MM-DD, for example 2027-01-05.") from None
    if not datetime.date(1900, 1, 1) <= date <= datetime.date(9000, 12, 31):
        raise CalendarRangeError("The date must be between 1900 and 9000.")
    if view == "day":
        return date, 1
    return date - datetime.timedelta(days=date.weekday()), 7


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def calendar_entries(*, start: datetime.datetime, end: datetime.datetime) -> list[CalendarEntry]:
    """What happens on its own between ``start`` and ``end`` (excluded): approved scheduled
    revisions going live, live pages expiring, and sends: queued dispatches, and the plan
    rows of a scheduled revision (at their send time, or at the page's go-live)."""
    channel_names = dict(channels())
    entries: list[CalendarEntry] = []
    scheduled = Revision.page_revisions.filter(
        approved_go_live_at__gte=start, approved_go_live_at__lt=end
    ).order_by("approved_go_live_at")
    for revision in scheduled:
        page = revision.as_object()
        go_live = revision.approved_go_live_at
        assert go_live is not None  # filtered above
        entries.append(CalendarEntry(_local(go_live), GO_LIVE, "Goes live", page.pk, page.title))
        for row in getattr(page, "distribution", Page.objects.none()).all():
            at = row.send_at or go_live
            if start <= at < end:
                name = channel_names.get(row.channel, row.channel)
                detail = row.subject or ""
                entries.append(CalendarEntry(_local(at), SEND, name, page.pk, page.title, detail))
    expiring = Page.objects.filter(live=True, expire_at__gte=start, expire_at__lt=end)
    for page in expiring.only("pk", "title", "expire_at"):
        assert page.expire_at is not None
        entries.append(
            CalendarEntry(_local(page.expire_at), EXPIRY, "Expires", page.pk, page.title)
        )
    for send in queued_sends(start=start, end=end):
        name = channel_names.get(send.channel, send.channel)
        entries.append(
            CalendarEntry(_local(send.due_at), SEND, name, send.page_id, send.title, send.subject)
        )
    # A plan row of a scheduled revision may already be queued as a dispatch: list it once.
    unique = {(e.at, e.kind, e.label, e.page_id): e for e in entries}
    return sorted(unique.values(), key=lambda entry: (entry.at, entry.kind, entry.title))


def calendar_days(*, first: datetime.date, days: int) -> list[CalendarDay]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=zone)
    end = datetime.datetime.combine(
        first + datetime.timedelta(days=days), datetime.time(0), tzinfo=zone
    )
    entries = calendar_entries(start=start, end=end)
    return [
        CalendarDay(date, [entry for entry in entries if entry.at.date() == date])
        for date in (first + datetime.timedelta(days=n) for n in range(days))
    ]


class CalendarView(WagtailAdminTemplateMixin, View):
    """Read-only, for every role with admin access: titles, times and links to the editor."""

    template_name = "content_admin/calendar.html"
    page_title = "Calendar"
    header_icon = "calendar-alt"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(ACCESS_ADMIN):
            return HttpResponse("You may not see the calendar.", status=403)
        view = request.GET.get("view", "week")
        today = timezone.localdate()
        try:
            first, days = calendar_range(view=view, day=request.GET.get("date", ""), today=today)
        except CalendarRangeError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
        step = datetime.timedelta(days=days)
        now = timezone.localtime()
        context: dict[str, Any] = self.get_context_data(
            view=view,
            days=calendar_days(first=first, days=days),
            today=today,
            previous=(first - step).isoformat(),
            next=(first + step).isoformat(),
            first=first,
            last=first + step - datetime.timedelta(days=1),
            time_zone=timezone.get_current_timezone_name(),
            utc_offset=now.strftime("%z"),
        )
        return TemplateResponse(request, self.template_name, context)

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return HttpResponse(
            "The calendar is read-only: only GET.", status=405, headers={"Allow": "GET, HEAD"}
        )


class CalendarMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACCESS_ADMIN)
