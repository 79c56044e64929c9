"""The pulse's writes: opening and closing rounds, and recording an answer anonymously.

Each entry point runs in one transaction, checks the acting user itself (the views check too),
writes its audit entry (``alignment.pulse_*`` actions, registered in hooks.py) and enqueues
e-mail with ``on_commit``. How an answer is kept anonymous is the docstring of
``alignment/models/pulse.py``.
"""

from collections.abc import Mapping
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from wagtail.log_actions import log

from ..models.pulse import PulseParticipation, PulseRound, PulseTally
from ..periods import Quarter
from ..sides import Party, Side, party_of, require_lead
from .selectors import accepts_answers
from .statements import SCALE, SCORES, STATEMENTS

User = AbstractBaseUser | AnonymousUser

ROUND_OPEN = "alignment.pulse_round.open"
ROUND_CLOSE = "alignment.pulse_round.close"
ANSWER_RECORD = "alignment.pulse_answer.record"

TALLIES_PER_ROUND = len(Party) * len(STATEMENTS) * len(SCORES)

NO_SIDE = (
    "Only people on the marketing side or the IT side answer the pulse, and your roles put you "
    "on neither (the Viewer role reads the results but belongs to no side)."
)


def create_round(
    *, quarter: Quarter, opens_on: date, closes_on: date, opened_by: User | None
) -> PulseRound:
    """The round and every one of its counters at zero, in a fixed order (see the models'
    docstring: counters made on first use would give away the first answers by their ids).
    No permission check and no audit entry: the callers (services, the demo) do those."""
    pulse_round = PulseRound.objects.create(
        quarter=str(quarter),
        opens_on=opens_on,
        closes_on=closes_on,
        opened_by=opened_by if isinstance(opened_by, Person) else None,
    )
    PulseTally.objects.bulk_create(
        PulseTally(round=pulse_round, side=party.value, statement=statement.key, score=score)
        for party in Party
        for statement in STATEMENTS
        for score in SCORES
    )
    return pulse_round


def _already_exists(quarter: Quarter) -> ValidationError:
    return ValidationError(
        f"The {quarter} pulse round exists already: there is one round a quarter.", code="exists"
    )


def open_round(
    *, user: User, closes_on: date | None = None, today: date | None = None
) -> PulseRound:
    """A lead opens this quarter's round by hand, from today until ``closes_on`` (the quarter's
    last day unless given), and everyone of either side is invited once it commits."""
    require_lead(user, Side.JOINT)
    today = today or timezone.localdate()
    quarter = Quarter.of(today)
    closes_on = closes_on or quarter.end
    if not today <= closes_on <= quarter.end:
        raise ValidationError(
            {
                "closes_on": f"The round closes between today and the quarter's last day "
                f"({quarter.end.isoformat()})."
            }
        )
    with transaction.atomic():
        if PulseRound.objects.filter(quarter=str(quarter)).exists():
            raise _already_exists(quarter)
        try:
            with transaction.atomic():
                pulse_round = create_round(
                    quarter=quarter, opens_on=today, closes_on=closes_on, opened_by=user
                )
        except IntegrityError:  # opened at the same moment by the other lead or the task
            raise _already_exists(quarter) from None
        log(
            instance=pulse_round,
            action=ROUND_OPEN,
            user=user,
            data={"quarter": pulse_round.quarter, "closes_on": closes_on.isoformat()},
        )
        transaction.on_commit(lambda: _enqueue_invitations(pulse_round.pk))
    return pulse_round


def open_quarter_round_if_due(*, today: date | None = None) -> PulseRound | None:
    """The quarterly task's opening: this quarter's round, for the whole quarter, when it has
    none yet (on its first day, or the first run after if the workers were down). None when it
    exists already, also when another worker opened it a moment ago."""
    quarter = Quarter.of(today or timezone.localdate())
    if PulseRound.objects.filter(quarter=str(quarter)).exists():
        return None
    try:
        with transaction.atomic():
            pulse_round = create_round(
                quarter=quarter, opens_on=quarter.start, closes_on=quarter.end, opened_by=None
            )
            log(
                instance=pulse_round,
                action=ROUND_OPEN,
                user=None,
                data={"quarter": pulse_round.quarter, "closes_on": quarter.end.isoformat()},
            )
    except IntegrityError:  # the unique quarter: another worker won
        return None
    return pulse_round


def close_round(*, user: User, pulse_round: PulseRound, today: date | None = None) -> PulseRound:
    """A lead closes the open round early (its results show from then on). A closed round is
    never reopened: two looks at one round's results could be subtracted."""
    require_lead(user, Side.JOINT)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = PulseRound.objects.select_for_update().get(pk=pulse_round.pk)
        if locked.status == PulseRound.Status.CLOSED:
            raise ValidationError(f"The {locked.quarter} round is closed already.", code="closed")
        locked.status = PulseRound.Status.CLOSED
        locked.closes_on = max(locked.opens_on, min(locked.closes_on, today))
        locked.save(update_fields=["status", "closes_on"])
        log(instance=locked, action=ROUND_CLOSE, user=user, data={"quarter": locked.quarter})
    return locked


def close_past_rounds(*, today: date | None = None) -> int:
    """Mark closed every open round whose last day has passed; returns how many."""
    today = today or timezone.localdate()
    closed = 0
    for pulse_round in PulseRound.objects.filter(
        status=PulseRound.Status.OPEN, closes_on__lt=today
    ):
        with transaction.atomic():
            if PulseRound.objects.filter(pk=pulse_round.pk, status=PulseRound.Status.OPEN).update(
                status=PulseRound.Status.CLOSED
            ):
                log(
                    instance=pulse_round,
                    action=ROUND_CLOSE,
                    user=None,
                    data={"quarter": pulse_round.quarter},
                )
                closed += 1
    return closed


def check_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """Every statement's score, each a whole number 1-5; ValidationError naming each statement
    that is missing or wrong (and any key that is not a statement)."""
    errors: dict[str, str] = {}
    checked: dict[str, int] = {}
    low, high = SCALE[0], SCALE[-1]
    for statement in STATEMENTS:
        value = scores.get(statement.key)
        if type(value) is not int or value not in SCORES:
            errors[statement.key] = (
                f'"{statement.text}" needs an answer from {low[0]} ({low[1].lower()}) '
                f"to {high[0]} ({high[1].lower()})."
            )
        else:
            checked[statement.key] = value
    unknown = sorted(str(key)[:40] for key in scores if key not in checked and key not in errors)
    if unknown:
        errors["__all__"] = "Not a pulse statement: " + ", ".join(unknown) + "."
    if errors:
        raise ValidationError(errors)
    return checked


def record_answer(
    *,
    user: User,
    pulse_round: PulseRound,
    scores: Mapping[str, object],
    today: date | None = None,
) -> None:
    """Count ``user``'s answer to the round, once, without ever storing who gave which score:
    a participation row (who, which side) and one added to five counters, in one transaction.

    PermissionDenied for someone of neither side; ValidationError naming the statement for a
    wrong score, and saying why for a closed round or a second answer.
    """
    party = party_of(user)
    if party is None or not isinstance(user, Person):
        raise PermissionDenied(NO_SIDE)
    checked = check_scores(scores)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = PulseRound.objects.select_for_update().get(pk=pulse_round.pk)
        if not accepts_answers(locked, today=today):
            raise ValidationError(
                f"The {locked.quarter} round is not open for answers.", code="not_open"
            )
        try:
            with transaction.atomic():
                PulseParticipation.objects.create(round=locked, user=user, side=party.value)
        except IntegrityError:
            raise ValidationError(
                f"You have answered the {locked.quarter} pulse already: each person answers "
                "once a round.",
                code="answered",
            ) from None
        chosen = Q()
        for key, score in checked.items():
            chosen |= Q(side=party.value, statement=key, score=score)
        # Every counter of the round is written (0 added to most), never only the chosen five:
        # see the models' docstring (PostgreSQL's xmin would link the chosen ones to the
        # participation row).
        written = PulseTally.objects.filter(round=locked).update(
            count=F("count")
            + Case(
                When(chosen, then=Value(1)),
                default=Value(0),
                output_field=models.PositiveIntegerField(),
            )
        )
        if written != TALLIES_PER_ROUND:
            raise ValidationError(
                f"The {locked.quarter} round's counters are incomplete, so no answer can be "
                "counted; tell IT.",
                code="broken",
            )
        log(instance=locked, action=ANSWER_RECORD, user=user, data={"quarter": locked.quarter})


def _enqueue_invitations(round_id: int) -> None:
    from .tasks import send_pulse_invitations

    send_pulse_invitations.enqueue(round_id)
