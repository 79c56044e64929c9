"""The content calendar (issue 15, point 7) through HTTP: what it lists, for whom, and its
answers to bad input."""

import datetime
import re

from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.content.editor.calendar import CalendarRangeError, calendar_range

from ..conftest import client_for
from .factories import StandardPageFactory

URL = "/admin/calendar/"


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 15)))


def _schedule(page, go_live: datetime.datetime, user) -> None:
    page.go_live_at = go_live
    page.save_revision(user=user).publish(user=user)  # approves the schedule


def test_the_week_shows_go_lives_and_expiries_with_links(home, publisher, viewer) -> None:
    scheduled = StandardPageFactory(parent=home, title="Launch article", live=False)
    _schedule(scheduled, _at(2, 9), publisher)
    expiring = StandardPageFactory(parent=home, title="Old offer")
    expiring.expire_at = _at(2, 17)
    expiring.save()
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    for user in (publisher, viewer):
        response = client_for(user).get(URL, {"view": "week", "date": day})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Launch article" in html and "Goes live" in html and "09:15" in html
        assert "Old offer" in html and "Expires" in html and "17:15" in html
        assert f'href="/admin/pages/{scheduled.pk}/edit/"' in html
        assert "Times are UTC" in html


def test_the_day_view_shows_only_that_day(home, publisher) -> None:
    page = StandardPageFactory(parent=home, title="Tomorrow post", live=False)
    _schedule(page, _at(1, 8), publisher)
    client = client_for(publisher)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    today = timezone.localdate().isoformat()
    assert "Tomorrow post" in client.get(URL, {"view": "day", "date": tomorrow}).content.decode()
    assert "Tomorrow post" not in client.get(URL, {"view": "day", "date": today}).content.decode()


def test_the_calendar_is_in_the_menu_for_every_role(editor, publisher, viewer) -> None:
    for user in (editor, publisher, viewer):
        html = client_for(user).get("/admin/").content.decode()
        assert URL in html, user


def test_bad_input_is_refused_with_a_message(publisher) -> None:
    client = client_for(publisher)
    for params, message in (
        ({"view": "month"}, "day"),
        ({"date": "2027-13-45"}, "YYYY-MM-DD"),
        ({"date": "x" * 5000}, "YYYY-MM-DD"),
        ({"date": "0001-01-01"}, "between"),
    ):
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert message in response.content.decode()
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(URL, data="{" * 10_000, content_type="application/json")
        assert response.status_code == 405
        assert "read-only" in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db) -> None:
    assert Client().get(URL).status_code == 302


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=st.text(max_size=20), day=st.text(max_size=40))
def test_any_range_input_is_a_range_or_a_clear_refusal(view: str, day: str) -> None:
    try:
        first, days = calendar_range(view=view, day=day, today=datetime.date(2026, 12, 3))
    except CalendarRangeError as error:
        assert str(error)
    else:
        assert days in {1, 7}
        assert days == 1 or first.weekday() == 0


def test_planned_sends_show_at_their_time_or_at_the_go_live(home, publisher) -> None:
    from commonground.distribution.models import PlannedChannel

    page = StandardPageFactory(parent=home, title="Big news", live=False)
    page.go_live_at = _at(3, 10)
    draft = page.get_latest_revision_as_object() if page.latest_revision else page
    draft.go_live_at = page.go_live_at
    draft.distribution.add(PlannedChannel(channel="linkedin", text="Coming up: Big news"))
    draft.distribution.add(PlannedChannel(channel="linkedin", text="Later", send_at=_at(3, 12)))
    draft.save_revision(user=publisher).publish(user=publisher)  # scheduled, with its plan
    client = client_for(publisher)
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    html = client.get(URL, {"view": "day", "date": day}).content.decode()
    entries = re.findall(r'data-kind="([a-z-]+)">\s*<time[^>]*>([0-9:]+)</time>', html)

    # The row without a time goes out with the page, at its go-live.
    assert sorted(entries) == [("go-live", "10:15"), ("send", "10:15"), ("send", "12:15")]
    assert "LinkedIn (copy and paste)" in html
