"""The relationship pulse's tables: quarterly rounds, who answered, what was answered (as
counts), and the invitations sent.

*Anonymity, thought through as an insider who can read every table.* Who answered a round
(:class:`PulseParticipation`) and what was answered (:class:`PulseTally`) are kept apart, and
nothing in the live tables joins them:

- No row holds a person and a score. An answer is never stored as a row: it adds one to five
  counters, one per statement, of the (round, side, statement, score) tally.
- Tally ids say nothing: every counter of a round (2 sides x 5 statements x 5 scores) is
  created, at zero, when the round opens, in a fixed order. Had counters been created on first
  use, the lowest ids of a side would be the first answerer's scores, and the participation
  row with the lowest id says who that was.
- Tallies carry no timestamp, and participation rows carry none either (their ids give the
  order people answered in, which is harmless once no tally records an order).
- Every answer rewrites *every* counter of its round (adding 0 to those not chosen), in one
  UPDATE in the transaction that inserts the participation row. On PostgreSQL each live row
  carries the id of the transaction that last wrote it (``xmin``); writing only the five
  chosen counters would let ``xmin`` match each counter to the participation row written in
  the same transaction, i.e. the last person to choose that score. With every counter written,
  all share the last answerer's ``xmin`` and tell nothing about which were chosen.
- The audit entry says only that an answer was recorded for the round (``data`` holds the
  quarter, never a score); its user and time say who answered when, as the participation row
  says who, and neither says what.

What this cannot stop, and what stops it instead: someone who compares two copies of the
database taken around one answer (two backups, or old row versions that PostgreSQL keeps until
VACUUM and SQLite keeps in free pages and its WAL) learns that answer; so does a server that logs
statements with their parameters (the scores are the UPDATE's bound parameters). Access to the
database files, backups and the database's superuser is the protection there. And a side with
a single answerer is readable from the tallies by such an insider: the screens hide any side
with fewer than ``ALIGNMENT_PULSE_MIN_ANSWERS`` answers, the tables cannot. Results of a round
are shown only once it has closed, so two looks at an open round cannot be subtracted to find
the answers given between them; a closed round is never reopened for the same reason.
"""

from django.conf import settings
from django.db import models

from ..sides import Party

__all__ = ["PulseInvitation", "PulseParticipation", "PulseRound", "PulseTally"]

SIDE_CHOICES = [(party.value, party.label) for party in Party]
# The five-point scale (pulse/statements.py names its points; the tables do not import the
# pulse package, which imports them).
LOWEST_SCORE, HIGHEST_SCORE = 1, 5


class PulseRound(models.Model):
    """One quarter's survey: open for answers from ``opens_on`` to ``closes_on``."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    quarter = models.CharField(max_length=7, unique=True, help_text="e.g. 2026-Q4")
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    # None: opened by the quarterly task (or the demo).
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-quarter"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="alignment_pulse_round_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Pulse {self.quarter}"


class PulseParticipation(models.Model):
    """That a person answered a round, and for which side: never what they answered.

    Stops a second answer (the unique constraint) and counts the response rate per side. No
    timestamp: see the module's docstring. ``user`` is kept null when the account is deleted,
    so a round's response count does not change afterwards.
    """

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    side = models.CharField(max_length=10, choices=SIDE_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="alignment_pulse_answer_once")
        ]


class PulseTally(models.Model):
    """How many people of a side gave ``score`` to ``statement`` in a round. Holds no person."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="tallies")
    side = models.CharField(max_length=10, choices=SIDE_CHOICES)
    statement = models.CharField(
        max_length=40, help_text="A statement's key (pulse/statements.py)."
    )
    score = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round", "side", "statement", "score"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "side", "statement", "score"], name="alignment_pulse_tally_once"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=LOWEST_SCORE, score__lte=HIGHEST_SCORE),
                name="alignment_pulse_tally_score_on_scale",
            ),
        ]


class PulseInvitation(models.Model):
    """The invitation e-mail to one person for one round: claimed, then sent, at most once.

    The row is claimed (``claimed_at``) before the e-mail goes out and marked ``sent_at`` after:
    the unique constraint lets one of several workers claim it; a claim whose worker died
    unsent is taken over once stale (see ``pulse/invitations.py``). It says who was invited,
    which the response rate needs, and nothing about answers.
    """

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="invitations")
    # Kept (null) when the account is deleted, so a past round's response rate stays put.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    side = models.CharField(max_length=10, choices=SIDE_CHOICES)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="alignment_pulse_invite_once")
        ]
