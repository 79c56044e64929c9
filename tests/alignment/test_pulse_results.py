"""The pulse's results: per side, side by side with the gap, next to the published figures and
the meeting records, trended; a side with too few answers shows nothing at all (pages, CSV,
selectors), and an open round shows no scores until it closes."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.models import MeetingSeries, PulseRound
from commonground.alignment.periods import Quarter
from commonground.alignment.pulse import selectors, services
from commonground.alignment.pulse.demo import load_pulse_demo
from commonground.alignment.pulse.selectors import StatementScore
from commonground.alignment.pulse.services import create_round
from commonground.alignment.reviews import services as review_services

from ..conftest import client_for
from .meetings import a_series, past
from .pulse_rounds import answer_as, it_people, marketers, open_round_now

pytestmark = pytest.mark.django_db

# Marketing's answers give means no other figure on the page has: 1.33 (three people) and
# 1.50 (two people); IT's give 4.67 / 4.50.
MARKETING_SCORES = [(1, 1, 2, 1, 1), (2, 1, 1, 1, 2), (1, 2, 1, 2, 1)]
IT_SCORES = [(5, 4, 5, 5, 4), (4, 5, 5, 4, 5), (5, 5, 4, 5, 5)]


def _round_with(cmo, *, marketing: int, it: int) -> PulseRound:
    """This quarter's round answered through HTTP by ``marketing`` and ``it`` people, closed."""
    pulse_round = open_round_now()
    for person, values in zip(marketers(marketing), MARKETING_SCORES, strict=False):
        answer_as(person, pulse_round, *values)
    for person, values in zip(it_people(it), IT_SCORES, strict=False):
        answer_as(person, pulse_round, *values)
    response = client_for(cmo).post(reverse("alignment_pulse_close", args=[pulse_round.quarter]))
    assert response.status_code == 302
    pulse_round.refresh_from_db()
    return pulse_round


def _side_cells(html: str, side: str) -> list[str]:
    return re.findall(rf'<td data-side="{side}"[^>]*>(.*?)</td>', html, flags=re.S)


def _csv_rows(client) -> list[dict[str, str]]:
    response = client.get(reverse("alignment_pulse_csv"))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_with_two_answers_nothing_of_that_side_shows_anywhere(cmo, viewer) -> None:
    pulse_round = _round_with(cmo, marketing=2, it=3)
    client = client_for(viewer)

    for url in (
        reverse("alignment_pulse_round", args=[pulse_round.quarter]),
        reverse("alignment_pulse_index"),
    ):
        html = client.get(url).content.decode()
        assert "fewer than 3 answers: hidden to keep answers anonymous" in html
        # Marketing's means (1.50, 1.00) and its answer count appear nowhere; IT's show.
        assert "1.50" not in html and "mean 1.00" not in html
        assert 'data-side="marketing" data-shown="false">' in html
        assert re.search(r'data-side="marketing"[^>]*data-answers', html) is None
        assert re.search(r'data-side="it"[^>]*data-answers="3"', html)
        assert "mean 4.67" in html
        assert all(cell.strip() in {"—", "hidden"} for cell in _side_cells(html, "marketing")[1:])
        assert "data-gap>—" in html and "points" not in html  # no gap without both sides

    rows = _csv_rows(client)
    assert {row["side"] for row in rows} == {"it"}
    assert all(row["answers"] == "3" for row in rows)

    results = selectors.results(round=pulse_round)
    assert results.marketing.answers is None
    assert results.marketing.scores is None
    assert results.marketing.response is None
    assert all(row.marketing is None and row.gap is None for row in results.rows)
    assert not results.gap_shown


def test_with_three_answers_a_side_shows_and_the_gap_with_it(cmo, viewer) -> None:
    pulse_round = _round_with(cmo, marketing=3, it=3)
    html = (
        client_for(viewer)
        .get(reverse("alignment_pulse_round", args=[pulse_round.quarter]))
        .content.decode()
    )

    assert "hidden to keep answers anonymous" not in html
    assert re.search(r'data-side="marketing"[^>]*data-answers="3"', html)
    # great_relationship: marketing 1,2,1 -> mean 1.33, 0% agree; IT 5,4,5 -> 4.67, 100%.
    row = re.search(r'<tr data-statement="great_relationship">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "0%</strong> agree<br>mean 1.33" in row.group(1)
    assert "100%</strong> agree<br>mean 4.67" in row.group(1)
    assert "-100 points<br>mean -3.34" in row.group(1)
    assert "47% of CMOs report a great working relationship with their CIO" in row.group(1)
    assert "Forrester (published figures)" in html

    results = selectors.results(round=pulse_round)
    assert results.gap_shown
    first = results.rows[0]
    assert first.marketing == StatementScore(Decimal("0"), Decimal("1.33"))
    assert first.it == StatementScore(Decimal("100"), Decimal("4.67"))
    assert first.gap is not None and first.gap.agree_points == Decimal("-100")

    rows = _csv_rows(client_for(viewer))
    assert {row["side"] for row in rows} == {"marketing", "it", "gap"}
    assert len(rows) == 15


def test_an_open_round_shows_how_many_answered_but_no_scores_until_it_closes(viewer) -> None:
    pulse_round = open_round_now()
    for person, values in zip(marketers(3), MARKETING_SCORES, strict=True):
        answer_as(person, pulse_round, *values)
    for person, values in zip(it_people(2), IT_SCORES, strict=False):
        answer_as(person, pulse_round, *values)

    html = client_for(viewer).get(reverse("alignment_pulse_index")).content.decode()
    current = re.search(r"<ul data-pulse-current[^>]*>(.*?)</ul>", html, re.S)
    assert current is not None
    assert "Marketing: 3 answers so far; results show when the round closes" in current.group(1)
    assert "IT: fewer than 3 answers: hidden to keep answers anonymous" in current.group(1)
    assert "1.33" not in html and "4.50" not in html and "mean" not in html
    assert _csv_rows(client_for(viewer)) == []

    results = selectors.results(round=pulse_round)
    assert not results.released
    assert results.marketing.answers == 3 and results.marketing.scores is None
    assert results.it.answers is None


def test_the_threshold_follows_the_setting(cmo, settings) -> None:
    settings.ALIGNMENT_PULSE_MIN_ANSWERS = 4
    pulse_round = _round_with(cmo, marketing=3, it=3)
    results = selectors.results(round=pulse_round)
    assert results.marketing.notice == "fewer than 4 answers: hidden to keep answers anonymous"
    assert results.marketing.scores is None and results.it.scores is None


def test_the_response_rate_counts_invitations_and_participation(cmo) -> None:
    from commonground.alignment.models import PulseInvitation

    pulse_round = open_round_now()
    people = marketers(4)
    for person in people:
        PulseInvitation.objects.create(
            round=pulse_round,
            user=person,
            side="marketing",
            claimed_at="2026-01-01T00:00Z",
            sent_at="2026-01-01T00:00Z",
        )
    for person, values in zip(people, MARKETING_SCORES, strict=False):
        answer_as(person, pulse_round, *values)
    pulse_round = services.close_round(user=cmo, pulse_round=pulse_round)

    response = selectors.results(round=pulse_round).marketing.response
    assert response is not None
    assert (response.answered, response.invited, response.percent) == (3, 4, Decimal(75))


def _closed_round(quarter: Quarter, marketing: list[tuple[int, ...]], it: list[tuple[int, ...]]):
    """A past round with its tallies filled as answers would (the demo's way)."""
    from commonground.alignment.pulse.demo import add_demo_answers
    from commonground.alignment.sides import Party

    pulse_round = create_round(
        quarter=quarter, opens_on=quarter.start, closes_on=quarter.end, opened_by=None
    )
    PulseRound.objects.filter(pk=pulse_round.pk).update(status=PulseRound.Status.CLOSED)
    add_demo_answers(pulse_round, {Party.MARKETING: tuple(marketing), Party.IT: tuple(it)})
    return pulse_round


def test_the_trend_shows_closed_rounds_oldest_first_and_leaves_hidden_sides_out(viewer) -> None:
    today = date(2026, 12, 3)
    _closed_round(Quarter(2026, 2), MARKETING_SCORES, IT_SCORES)
    _closed_round(Quarter(2026, 3), MARKETING_SCORES[:2], IT_SCORES)  # marketing hidden
    open_round_now()

    trend = selectors.trend(today=today)
    assert trend.quarters == ("2026-Q2", "2026-Q3")
    first = trend.statements[0]
    assert [p.quarter for p in first.points] == ["2026-Q2", "2026-Q3"]
    assert first.points[0].marketing is not None and first.points[0].gap is not None
    assert first.points[1].marketing is None and first.points[1].gap is None
    assert first.points[1].it == StatementScore(Decimal("100"), Decimal("4.67"))
    assert selectors.trend(last_n=1, today=today).quarters == ("2026-Q3",)
    latest = selectors.latest_results(today=today)
    assert latest is not None and latest.quarter == "2026-Q3" and latest.marketing.scores is None

    html = client_for(viewer).get(reverse("alignment_pulse_index")).content.decode()
    table = re.search(r'data-pulse-trend="great_relationship">(.*?)</table>', html, re.S)
    assert table is not None
    q3 = re.search(r'<tr data-quarter="2026-Q3">(.*?)</tr>', table.group(1), re.S)
    assert q3 is not None
    assert '<td data-side="marketing">hidden</td>' in q3.group(1)
    assert "<td data-gap>—</td>" in q3.group(1)


def test_meeting_regularity_is_held_over_scheduled() -> None:
    first, last = date(2026, 7, 1), date(2026, 9, 30)
    regular = selectors.meeting_regularity(first=first, last=last, held=5, scheduled=6)
    assert regular.percent == Decimal(83)
    assert selectors.meeting_regularity(first=first, last=last, held=0, scheduled=0).percent is None
    extra = selectors.meeting_regularity(first=first, last=last, held=7, scheduled=6)
    assert extra.percent == Decimal(117)
    with pytest.raises(ValueError, match="negative"):
        selectors.meeting_regularity(first=first, last=last, held=-1, scheduled=6)


def test_the_meeting_period_is_the_rounds_quarter_up_to_today() -> None:
    pulse_round = _closed_round(Quarter(2026, 3), [], [])
    assert selectors.meeting_period(pulse_round, today=date(2026, 12, 3)) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
    )
    assert selectors.meeting_period(pulse_round, today=date(2026, 8, 10)) == (
        date(2026, 7, 1),
        date(2026, 8, 10),
    )


def test_the_meeting_records_show_next_to_we_meet_regularly(cmo, viewer) -> None:
    pulse_round = _round_with(cmo, marketing=3, it=3)
    html = (
        client_for(viewer)
        .get(reverse("alignment_pulse_round", args=[pulse_round.quarter]))
        .content.decode()
    )
    assert html.index('data-statement="meet_regularly"') < html.index("data-meetings")
    assert html.index("data-meetings") < html.index('data-statement="it_marketing_experience"')
    assert "From the meeting records" in html


def test_the_demo_shows_a_gap_and_the_anonymity_rule_and_loads_once(viewer) -> None:
    today = date.today()
    load_pulse_demo(write=lambda _: None)
    load_pulse_demo(write=lambda _: None)

    assert PulseRound.objects.count() == 3
    current = Quarter.of(today)
    last = selectors.results(round=PulseRound.objects.get(quarter=str(current.previous)))
    assert last.gap_shown and last.marketing.answers == 6 and last.it.answers == 4
    assert any(row.gap and abs(row.gap.agree_points) >= 25 for row in last.rows)
    open_now = selectors.results(round=PulseRound.objects.get(quarter=str(current)))
    assert open_now.marketing.answers is None
    assert "hidden to keep answers anonymous" in open_now.marketing.notice
    page = client_for(viewer).get(reverse("alignment_pulse_index"))
    assert page.status_code == 200


def test_the_meeting_records_read_as_held_of_scheduled_with_explicit_numbers() -> None:
    """The lead wires the reviews area's counts at merge; here the display of given ones."""
    pulse_round = _closed_round(Quarter(2026, 3), MARKETING_SCORES, IT_SCORES)
    first, last = selectors.meeting_period(pulse_round, today=date(2026, 12, 3))
    context = {"results": selectors.results(round=pulse_round, today=date(2026, 12, 3))}
    meetings = selectors.meeting_regularity(first=first, last=last, held=5, scheduled=6)
    html = render_to_string("alignment/pulse/results.html", {**context, "meetings": meetings})
    row = re.search(r"<tr data-meetings>(.*?)</tr>", html, re.S)
    assert row is not None
    assert "5 of 6 scheduled review meetings held (83%) from 1 Jul to 30 Sep 2026" in " ".join(
        row.group(1).split()
    )
    none = selectors.meeting_regularity(first=first, last=last, held=0, scheduled=0)
    html = render_to_string("alignment/pulse/results.html", {**context, "meetings": none})
    assert "No review meeting was scheduled from 1 Jul to 30 Sep 2026" in html


def test_every_role_reads_the_pulse(cmo, cio, editor, publisher, it_admin, viewer) -> None:
    pulse_round = open_round_now()
    for user in (cmo, cio, editor, publisher, it_admin, viewer):
        client = client_for(user)
        home = client.get("/admin/").content.decode()
        assert reverse("alignment_pulse_index") in home  # the Alignment menu's Pulse item
        assert client.get(reverse("alignment_pulse_index")).status_code == 200
        assert (
            client.get(reverse("alignment_pulse_round", args=[pulse_round.quarter])).status_code
            == 200
        )
        assert client.get(reverse("alignment_pulse_csv")).status_code == 200


def test_we_meet_regularly_is_computed_from_the_real_meeting_records(cmo, cio, viewer) -> None:
    # A weekly series that began 27 days ago: its cadence scheduled 4 meetings so far (days
    # -27, -20, -13, -6), whether or not rows were planned for them; one was held.
    series = a_series(cmo, [cmo, cio], cadence=MeetingSeries.Cadence.WEEKLY, first_date=past(27))
    before = selectors.meetings_in(first=past(27), last=timezone.localdate())
    assert (before.held, before.scheduled) == (0, 4)
    meeting = series.meetings.filter(starts_at__lt=timezone.now()).order_by("starts_at").last()
    assert meeting is not None
    review_services.record_minutes(user=cmo, meeting=meeting, minutes="Notes.", held=True)
    counted = selectors.meetings_in(first=past(27), last=timezone.localdate())
    assert (counted.held, counted.scheduled) == (1, 4)

    pulse_round = _round_with(cmo, marketing=3, it=3)
    first, last = selectors.meeting_period(pulse_round)
    expected = selectors.meetings_in(first=first, last=last)
    html = (
        client_for(viewer)
        .get(reverse("alignment_pulse_round", args=[pulse_round.quarter]))
        .content.decode()
    )
    row = re.search(r"<tr data-meetings>(.*?)</tr>", html, re.S)
    assert row is not None
    assert f"{expected.held} of {expected.scheduled} scheduled review meeting" in " ".join(
        row.group(1).split()
    )
