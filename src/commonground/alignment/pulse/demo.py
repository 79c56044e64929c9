"""The demo's relationship pulse: the last two quarters' closed rounds, with a gap between the
sides, and this quarter's open round with two marketing answers (hidden: too few) and three IT
answers (counted, shown when the round closes).

The answers go straight into the tallies, each made-up person's five scores added to the
counts, without participation rows or made-up accounts: participation only stops a second
answer and gives the response rate, and the demo's people never sign in. So the demo's rounds
show no response rate, and the demo's real users (``cmo``, ``cio``, ...) can still answer this
quarter's round.
"""

from collections import Counter
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models.pulse import PulseRound, PulseTally
from ..periods import Quarter
from ..sides import Party
from .services import create_round
from .statements import STATEMENT_KEYS

Write = Callable[[str], object]
Answers = tuple[tuple[int, int, int, int, int], ...]  # one person's scores, in STATEMENTS order

# Marketing doubts the relationship and IT's marketing know-how; IT doubts that marketing
# understands its technology. The quarter before last is further apart than the last.
BEFORE_LAST: dict[Party, Answers] = {
    Party.MARKETING: (
        (2, 3, 2, 4, 2),
        (3, 2, 2, 5, 3),
        (2, 3, 1, 4, 2),
        (4, 3, 2, 4, 3),
        (3, 2, 3, 4, 2),
    ),
    Party.IT: ((4, 4, 3, 2, 3), (3, 5, 4, 2, 2), (4, 4, 3, 3, 3), (3, 4, 4, 2, 2)),
}
LAST: dict[Party, Answers] = {
    Party.MARKETING: (
        (3, 4, 2, 4, 3),
        (4, 3, 3, 5, 3),
        (3, 4, 2, 4, 4),
        (4, 3, 3, 4, 3),
        (2, 4, 2, 5, 3),
        (4, 4, 3, 4, 4),
    ),
    Party.IT: ((4, 5, 4, 3, 3), (4, 4, 4, 2, 3), (3, 4, 3, 3, 4), (4, 5, 4, 2, 3)),
}
CURRENT: dict[Party, Answers] = {
    Party.MARKETING: ((4, 4, 3, 4, 4), (3, 4, 3, 5, 3)),
    Party.IT: ((4, 4, 4, 3, 3), (4, 5, 3, 2, 4), (3, 4, 4, 3, 3)),
}


def add_demo_answers(pulse_round: PulseRound, answers: dict[Party, Answers]) -> None:
    """Add made-up people's answers to the round's tallies, as answering would."""
    for party, people in answers.items():
        counts = Counter(
            (key, score)
            for person in people
            for key, score in zip(STATEMENT_KEYS, person, strict=True)
        )
        for (key, score), count in counts.items():
            PulseTally.objects.filter(
                round=pulse_round, side=party.value, statement=key, score=score
            ).update(count=F("count") + count)


def _seed(
    quarter: Quarter, answers: dict[Party, Answers], *, opens_on: date, closed: bool
) -> PulseRound | None:
    if PulseRound.objects.filter(quarter=str(quarter)).exists():
        return None  # seeded before, or opened for real: its answers are not the demo's
    with transaction.atomic():
        pulse_round = create_round(
            quarter=quarter, opens_on=opens_on, closes_on=quarter.end, opened_by=None
        )
        if closed:
            pulse_round.status = PulseRound.Status.CLOSED
            pulse_round.save(update_fields=["status"])
        add_demo_answers(pulse_round, answers)
    return pulse_round


def load_pulse_demo(*, write: Write = print, today: date | None = None) -> None:
    """Two closed rounds (the last two quarters) and this quarter's open round, once."""
    current = Quarter.of(today or timezone.localdate())
    seeded = [
        _seed(
            current.previous.previous,
            BEFORE_LAST,
            opens_on=current.previous.previous.start,
            closed=True,
        ),
        _seed(current.previous, LAST, opens_on=current.previous.start, closed=True),
        _seed(current, CURRENT, opens_on=current.start, closed=False),
    ]
    made = [pulse_round.quarter for pulse_round in seeded if pulse_round is not None]
    if made:
        write(f"Pulse rounds: {', '.join(made)}.")
    else:
        write("Pulse rounds: there already.")
