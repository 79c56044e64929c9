"""Issue 15, point 6: partial periods compared like with like, in the site's time zone.

The clock is frozen by passing ``now`` (the query layer takes it as an argument): today so far
against yesterday up to the same time of day, this month so far against the same days of last
month, twelve months against the same months a year earlier, across the clock changes.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.analytics.queries.dates import (
    bucket_of,
    comparison_period,
    range_bounds,
    resolve,
)
from commonground.analytics.queries.request import QueryError, parse_date_range

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")


def compared(
    date_range: str, now: datetime, zone: ZoneInfo = BERLIN, kind: str = "previous_period"
):
    period = resolve(date_range, zone, now=now)
    return period, comparison_period(period, kind, zone, date_range=date_range, now=now)


def local(moment: datetime, zone: ZoneInfo = BERLIN) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone)


def test_today_so_far_is_compared_with_yesterday_up_to_the_same_time() -> None:
    now = datetime(2026, 12, 3, 13, 30, 15, 999, tzinfo=UTC)  # 14:30:15 in Berlin

    period, previous = compared("day", now)

    assert (period.first, period.last) == (date(2026, 12, 3), date(2026, 12, 3))
    assert (previous.first, previous.last) == (date(2026, 12, 2), date(2026, 12, 2))
    assert local(previous.start) == datetime(2026, 12, 2, 0, 0, tzinfo=BERLIN)
    assert local(previous.end) == datetime(2026, 12, 2, 14, 30, 15, tzinfo=BERLIN)
    # As the queries accept it back: the last second, with the site's offset.
    assert range_bounds(previous, BERLIN) == ("2026-12-02", "2026-12-02T14:30:14+01:00")


def test_the_day_after_the_clocks_go_forward_is_compared_by_the_clock_on_the_wall() -> None:
    # 30 March 2026, 10:00 in Berlin (CEST, +2); the day before had 23 hours.
    now = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)

    _, previous = compared("day", now)

    assert local(previous.start) == datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    assert local(previous.end).replace(tzinfo=None) == datetime(2026, 3, 29, 10, 0)
    # Midnight was +1, ten o'clock +2: nine hours of that day, as a person would count it.
    assert previous.end - previous.start == timedelta(hours=9)
    assert range_bounds(previous, BERLIN)[1] == "2026-03-29T09:59:59+02:00"


def test_on_the_day_the_clocks_go_back_the_comparison_is_still_up_to_the_same_time() -> None:
    # 25 October 2026, 12:00 in Berlin (CET, +1 since 03:00 CEST); 25 hours that day.
    now = datetime(2026, 10, 25, 11, 0, tzinfo=UTC)

    period, previous = compared("day", now)

    assert period.end - period.start == timedelta(hours=25)
    assert local(previous.end).replace(tzinfo=None) == datetime(2026, 10, 24, 12, 0)
    assert previous.end - previous.start == timedelta(hours=12)


def test_this_month_so_far_is_compared_with_the_same_days_of_last_month() -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    period, previous = compared("month", now)

    assert (period.first, period.last) == (date(2026, 12, 1), date(2026, 12, 3))
    assert (previous.first, previous.last) == (date(2026, 11, 1), date(2026, 11, 3))
    assert local(previous.end).replace(tzinfo=None) == datetime(2026, 11, 3, 10, 0)


def test_a_month_longer_than_the_one_before_is_compared_with_all_of_it() -> None:
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)  # February has no 31st

    _, previous = compared("month", now)

    assert (previous.first, previous.last) == (date(2026, 2, 1), date(2026, 2, 28))
    assert local(previous.end) == datetime(2026, 3, 1, 0, 0, tzinfo=BERLIN)
    assert range_bounds(previous, BERLIN) == ("2026-02-01", "2026-02-28")


def test_twelve_months_are_compared_with_the_same_months_a_year_earlier() -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    period, previous = compared("12mo", now)

    assert (period.first, period.last) == (date(2026, 1, 1), date(2026, 12, 3))
    assert (previous.first, previous.last) == (date(2025, 1, 1), date(2025, 12, 3))
    # The unfinished December against December 2025's first three days, to 10:00.
    assert local(previous.end).replace(tzinfo=None) == datetime(2025, 12, 3, 10, 0)


def test_thirty_days_end_with_the_same_time_thirty_days_earlier() -> None:
    now = datetime(2026, 12, 3, 16, 45, tzinfo=UTC)

    period, previous = compared("30d", now, UTC_ZONE)

    assert (previous.first, previous.last) == (date(2026, 10, 5), date(2026, 11, 3))
    assert previous.end == datetime(2026, 11, 3, 16, 45)
    assert previous.start == period.start - timedelta(days=30)


def test_a_finished_period_is_compared_with_whole_days() -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    period = resolve((date(2026, 11, 1), date(2026, 11, 10)), BERLIN, now=now)

    previous = comparison_period(period, "previous_period", BERLIN, date_range="custom", now=now)

    assert range_bounds(previous, BERLIN) == ("2026-10-22", "2026-10-31")


def test_year_over_year_today_is_cut_at_the_same_time() -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    _, previous = compared("day", now, kind="year_over_year")

    assert range_bounds(previous, BERLIN) == ("2025-12-03", "2025-12-03T09:59:59+01:00")


def test_the_bucket_still_filling_is_named_as_the_graph_labels_it() -> None:
    now = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)

    assert bucket_of(now, "hour", BERLIN) == "2026-12-03 14:00:00"
    assert bucket_of(now, "day", BERLIN) == "2026-12-03"
    assert bucket_of(now, "week", BERLIN) == "2026-11-30"
    assert bucket_of(now, "month", BERLIN) == "2026-12-01"


@settings(max_examples=150, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    date_range=st.sampled_from(["day", "7d", "30d", "month", "12mo", "year"]),
    zone=st.sampled_from(
        [BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), UTC_ZONE]
    ),
)
def test_a_running_period_and_its_comparison_stop_at_the_same_wall_clock_time(
    moment: datetime, date_range: str, zone: ZoneInfo
) -> None:
    now = moment.replace(tzinfo=UTC)
    period, previous = compared(date_range, now, zone)

    assert previous.start < previous.end <= period.start + timedelta(hours=1)
    # The cut's bounds, sent back as a date range, give the same period.
    first, last = range_bounds(previous, zone)
    again = resolve(parse_date_range([first, last]), zone, now=now)
    assert (again.start, again.end) == (previous.start, previous.end)
    cut_clock = local(previous.end, zone).time().replace(microsecond=0)
    if local(previous.end, zone).date() == previous.last and previous.end != previous.start:
        # Cut on its last day: at the time it is now on the site's clock (a time that does
        # not exist that day, in a gap the clocks jumped, is read as the clock after it).
        now_clock = now.astimezone(zone).time().replace(microsecond=0)
        if cut_clock != now_clock:
            shifted = datetime.combine(previous.last, now_clock, zone)
            assert shifted.astimezone(UTC).replace(tzinfo=None) == previous.end


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["2026-12-02T14:00:00", "2026-12-02T13:00:00"], "the first date is after the last"),
        (["2026-12-02", "2026-12-02T25:00:00"], "date_range[1]: '2026-12-02T25:00:00' is not"),
        (["2026-12-03", "2026-12-02T23:59:59"], "the first date is after the last"),
    ],
)
def test_bad_date_times_are_refused_with_the_field(value: list[str], message: str) -> None:
    with pytest.raises(QueryError) as refused:
        parse_date_range(value)
    assert message in str(refused.value)
