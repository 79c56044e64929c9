"""The shared scorecard's tables: goals, their daily snapshots, proposals and check-ins."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..sides import Side


def money_field(**options: object) -> models.DecimalField:
    """A number as alignment keeps amounts and metric values: 18 digits, 4 after the point."""
    return models.DecimalField(max_digits=18, decimal_places=4, **options)  # type: ignore[arg-type]


class Goal(models.Model):
    """A target on a catalogue metric for one period, owned by a side (or both)."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"
        CUSTOM = "custom", "Custom"

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=2000)
    side = models.CharField(max_length=10, choices=Side.choices)
    metric = models.CharField(max_length=80, help_text="A catalogue metric's key.")
    params = models.JSONField(default=dict, blank=True)
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    target_value = money_field(null=True, blank=True)
    target_formula = models.CharField(
        max_length=200,
        blank=True,
        help_text='Instead of a number: e.g. "last quarter + 10%" or "previous period * 0.9".',
    )
    # Where a level metric stood when the period began: the straight line from here to the
    # target is the pace. Filled when the goal is made; may be set by hand.
    baseline = money_field(null=True, blank=True)
    tolerance_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(10),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="How far behind the required pace a goal is still 'at risk' and not 'off track'.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Paired guardrails from the other side: growth that silently costs speed or security
    # shows next to the goal that caused it.
    guardrails = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="guarding"
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "side", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="alignment_goal_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GoalSnapshot(models.Model):
    """A goal's value and status as computed on one day: trends outlive event retention."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    value = money_field(null=True)
    target = money_field(null=True)
    expected = money_field(null=True)
    status = models.CharField(max_length=12)
    reason = models.CharField(max_length=300, blank=True)  # why, as the page says it
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["goal", "day"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "day"], name="alignment_snapshot_once_a_day")
        ]


class GoalProposal(models.Model):
    """A joint goal made or changed by one lead: it takes effect when the other accepts."""

    class Kind(models.TextChoices):
        CREATE = "create", "New goal"
        CHANGE = "change", "Change"
        ARCHIVE = "archive", "Archive"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the other lead"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    reason = models.TextField(blank=True, max_length=2000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposer_side = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        name = self.payload.get("name") or (self.goal.name if self.goal else "goal")
        return f"{self.get_kind_display()}: {name}"

    @property
    def proposer_label(self) -> str:
        return {"marketing": "Marketing", "it": "IT"}.get(self.proposer_side, self.proposer_side)


class CheckIn(models.Model):
    """A typed value of a manual metric series, for what the product cannot see."""

    series = models.SlugField(max_length=80)
    day = models.DateField()
    value = money_field()
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "-day", "-created_at"]
