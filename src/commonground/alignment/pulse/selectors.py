"""The pulse's reads: a round's results per side with the gap, the trend over quarters, and
"we meet regularly" from the meeting records.

The anonymity rule is applied here, so nothing of a hidden side ever leaves this module: a
side's results for a round show only once the round has closed and only when at least
``ALIGNMENT_PULSE_MIN_ANSWERS`` people of that side answered. A hidden side gives no count, no
share, no mean, no response rate, no trend point, and no gap.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from ..models.pulse import PulseInvitation, PulseParticipation, PulseRound, PulseTally
from ..periods import Quarter
from ..sides import Party
from .statements import AGREE_SCORES, STATEMENTS, PublishedFigure, Statement

User = AbstractBaseUser | AnonymousUser

HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("1")
MEAN_PLACES = Decimal("0.01")


def min_answers() -> int:
    """How many people of a side must answer before its results show (at least 1)."""
    return max(1, int(getattr(settings, "ALIGNMENT_PULSE_MIN_ANSWERS", 3)))


def hidden_notice(minimum: int) -> str:
    return f"fewer than {minimum} answers: hidden to keep answers anonymous"


# --- rounds ----------------------------------------------------------------------------------


def accepts_answers(pulse_round: PulseRound, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        pulse_round.status == PulseRound.Status.OPEN
        and pulse_round.opens_on <= today <= pulse_round.closes_on
    )


def is_released(pulse_round: PulseRound, *, today: date | None = None) -> bool:
    """Whether the round's results may show: once it is closed (or its last day has passed)."""
    today = today or timezone.localdate()
    return pulse_round.status == PulseRound.Status.CLOSED or pulse_round.closes_on < today


def accepting_round(*, today: date | None = None) -> PulseRound | None:
    """The round open for answers today, if any (at most one: a round lies in its quarter)."""
    today = today or timezone.localdate()
    return (
        PulseRound.objects.filter(
            status=PulseRound.Status.OPEN, opens_on__lte=today, closes_on__gte=today
        )
        .order_by("-quarter")
        .first()
    )


def round_for(quarter: str) -> PulseRound | None:
    return PulseRound.objects.filter(quarter=quarter).first()


def has_answered(user: User, pulse_round: PulseRound) -> bool:
    if not user.is_authenticated:
        return False
    return PulseParticipation.objects.filter(round=pulse_round, user=user.pk).exists()


def released_rounds(*, today: date | None = None) -> list[PulseRound]:
    """Rounds whose results may show, newest first."""
    rounds = PulseRound.objects.order_by("-quarter")
    return [pulse_round for pulse_round in rounds if is_released(pulse_round, today=today)]


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementScore:
    """One side's answers to one statement: the agree share (4 or 5, as % of the side's
    answers) and the mean on the 1-5 scale."""

    agree_percent: Decimal
    mean: Decimal


@dataclass(frozen=True)
class Gap:
    """Marketing minus IT: percentage points of agree share, and points of mean."""

    agree_points: Decimal
    mean: Decimal

    @property
    def agree_points_signed(self) -> str:
        return f"{self.agree_points:+}"

    @property
    def mean_signed(self) -> str:
        return f"{self.mean:+}"


@dataclass(frozen=True)
class ResponseRate:
    answered: int
    invited: int

    @property
    def percent(self) -> Decimal:
        return (HUNDRED * self.answered / self.invited).quantize(PERCENT_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class SideResult:
    """A side's part of a round: ``answers`` and ``scores`` are None while the side is hidden
    (too few answers: ``notice`` says so); a round still open shows its answer count, never
    its scores."""

    side: Party
    answers: int | None
    response: ResponseRate | None
    scores: dict[str, StatementScore] | None
    notice: str

    @property
    def shown(self) -> bool:
        return self.scores is not None

    @property
    def label(self) -> str:
        return self.side.label


@dataclass(frozen=True)
class StatementRow:
    statement: Statement
    marketing: StatementScore | None
    it: StatementScore | None
    gap: Gap | None

    @property
    def published(self) -> tuple[PublishedFigure, ...]:
        return self.statement.published


@dataclass(frozen=True)
class RoundResults:
    quarter: str
    opens_on: date
    closes_on: date
    status: str
    released: bool
    min_answers: int
    marketing: SideResult
    it: SideResult
    rows: tuple[StatementRow, ...]

    @property
    def sides(self) -> tuple[SideResult, SideResult]:
        return (self.marketing, self.it)

    @property
    def gap_shown(self) -> bool:
        return self.marketing.shown and self.it.shown


def _score(counts: dict[int, int]) -> StatementScore:
    answers = sum(counts.values())
    agree = sum(counts.get(score, 0) for score in AGREE_SCORES)
    total = sum(score * count for score, count in counts.items())
    return StatementScore(
        agree_percent=(HUNDRED * agree / answers).quantize(PERCENT_PLACES, ROUND_HALF_UP),
        mean=(Decimal(total) / answers).quantize(MEAN_PLACES, ROUND_HALF_UP),
    )


def _side(
    pulse_round: PulseRound,
    party: Party,
    counts: dict[str, dict[int, int]],
    *,
    released: bool,
    minimum: int,
) -> SideResult:
    # Each answer adds one to every statement (services.check_scores wants them all), so any
    # statement's total is the answer count (as many as the side's participation rows).
    answers = sum(counts.get(STATEMENTS[0].key, {}).values())
    if answers < minimum:
        return SideResult(party, None, None, None, hidden_notice(minimum))
    invited = PulseInvitation.objects.filter(
        round=pulse_round, side=party.value, sent_at__isnull=False
    ).count()
    response = ResponseRate(answers, invited) if invited else None
    if not released:
        notice = f"results show when the round closes ({pulse_round.closes_on.isoformat()})"
        return SideResult(party, answers, response, None, notice)
    scores = {key: _score(by_score) for key, by_score in counts.items() if sum(by_score.values())}
    return SideResult(party, answers, response, scores, "")


def results(*, round: PulseRound, today: date | None = None) -> RoundResults:
    """The round's results per side, side by side with the gap, the anonymity rule applied."""
    pulse_round = round
    released = is_released(pulse_round, today=today)
    minimum = min_answers()
    counts: dict[str, dict[str, dict[int, int]]] = {party.value: {} for party in Party}
    for tally in PulseTally.objects.filter(round=pulse_round, count__gt=0):
        counts[tally.side].setdefault(tally.statement, {})[tally.score] = tally.count
    marketing, it = (
        _side(pulse_round, party, counts[party.value], released=released, minimum=minimum)
        for party in (Party.MARKETING, Party.IT)
    )
    rows = []
    for statement in STATEMENTS:
        ours = marketing.scores.get(statement.key) if marketing.scores else None
        theirs = it.scores.get(statement.key) if it.scores else None
        gap = (
            Gap(ours.agree_percent - theirs.agree_percent, ours.mean - theirs.mean)
            if ours and theirs
            else None
        )
        rows.append(StatementRow(statement, ours, theirs, gap))
    return RoundResults(
        quarter=pulse_round.quarter,
        opens_on=pulse_round.opens_on,
        closes_on=pulse_round.closes_on,
        status=pulse_round.status,
        released=released,
        min_answers=minimum,
        marketing=marketing,
        it=it,
        rows=tuple(rows),
    )


def latest_results(*, today: date | None = None) -> RoundResults | None:
    """The newest closed round's results (for the home screen and the weekly report)."""
    rounds = released_rounds(today=today)
    return results(round=rounds[0], today=today) if rounds else None


CSV_HEADER = ("quarter", "side", "statement", "answers", "agree_percent", "mean")


def csv_rows(*, today: date | None = None) -> Iterator[tuple[object, ...]]:
    """Every closed round's shown results, oldest first: one row per quarter, side and
    statement, and the gap where both sides show. A hidden side has no row at all."""
    for shown in reversed(released_rounds(today=today)):
        result = results(round=shown, today=today)
        for row in result.rows:
            for side, score in ((result.marketing, row.marketing), (result.it, row.it)):
                if score is not None:
                    yield (
                        result.quarter,
                        side.side.value,
                        row.statement.key,
                        side.answers,
                        score.agree_percent,
                        score.mean,
                    )
            if row.gap is not None:
                yield (
                    result.quarter,
                    "gap",
                    row.statement.key,
                    "",
                    row.gap.agree_points,
                    row.gap.mean,
                )


# --- the trend -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    marketing: StatementScore | None
    it: StatementScore | None
    gap: Gap | None


@dataclass(frozen=True)
class StatementTrend:
    statement: Statement
    points: tuple[TrendPoint, ...]  # oldest first


@dataclass(frozen=True)
class Trend:
    quarters: tuple[str, ...]  # oldest first
    statements: tuple[StatementTrend, ...]


TREND_ROUNDS = 4


def trend(*, last_n: int = TREND_ROUNDS, today: date | None = None) -> Trend:
    """The last ``last_n`` closed rounds, oldest first, per statement: each side's score where
    it is shown and the gap where both are (built from ``results``: the same rule)."""
    rounds = released_rounds(today=today)[: max(0, last_n)]
    return trend_of([results(round=pulse_round, today=today) for pulse_round in reversed(rounds)])


def trend_of(per_round: Sequence[RoundResults]) -> Trend:
    """The trend of rounds' results already at hand (oldest first)."""
    statements = tuple(
        StatementTrend(
            statement,
            tuple(
                TrendPoint(result.quarter, row.marketing, row.it, row.gap)
                for result in per_round
                for row in result.rows
                if row.statement.key == statement.key
            ),
        )
        for statement in STATEMENTS
    )
    return Trend(tuple(result.quarter for result in per_round), statements)


# --- "we meet regularly", from the meeting records ---------------------------------------------


@dataclass(frozen=True)
class MeetingRegularity:
    """Meetings held against those the series' cadence scheduled, from ``first`` to ``last``."""

    first: date
    last: date
    held: int
    scheduled: int

    @property
    def percent(self) -> Decimal | None:
        """Held as % of scheduled (over 100 when extra meetings were held); None when none
        was scheduled."""
        if self.scheduled <= 0:
            return None
        return (HUNDRED * self.held / self.scheduled).quantize(PERCENT_PLACES, ROUND_HALF_UP)


def meeting_regularity(*, first: date, last: date, held: int, scheduled: int) -> MeetingRegularity:
    """The meeting records' answer to "we meet regularly", from the two counts."""
    if held < 0 or scheduled < 0:
        raise ValueError("Meeting counts cannot be negative.")
    return MeetingRegularity(first=first, last=last, held=held, scheduled=scheduled)


def meeting_period(pulse_round: PulseRound, *, today: date | None = None) -> tuple[date, date]:
    """The round's quarter, up to today while it lasts (meetings yet to come are not missed)."""
    today = today or timezone.localdate()
    quarter = Quarter.parse(pulse_round.quarter)
    return quarter.start, min(quarter.end, max(today, quarter.start))


def meetings_in(*, first: date, last: date) -> MeetingRegularity:
    """ "We meet regularly" from the meeting records: meetings held and scheduled by the
    series' cadences in the period."""
    from ..reviews import selectors as reviews

    held = reviews.meetings_held(first=first, last=last)
    scheduled = reviews.meetings_scheduled(first=first, last=last)
    return meeting_regularity(first=first, last=last, held=held, scheduled=scheduled)
