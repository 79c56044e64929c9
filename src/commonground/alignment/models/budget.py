"""Alignment tables: the budget plan per quarter, its actuals, campaigns, reallocations and
business cases. Rows change only through ``alignment.budget.services``."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

__all__ = [
    "Actual",
    "ActualImport",
    "BudgetLine",
    "BudgetPeriod",
    "BusinessCase",
    "Campaign",
    "Reallocation",
]

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}


class BudgetSide(models.TextChoices):
    """Who owns a line. Every line has one owner: spend both sides share is negotiated by
    moving plan between lines (a reallocation), which already needs both leads."""

    MARKETING = "marketing", "Marketing"
    IT = "it", "IT"


class BudgetCategory(models.TextChoices):
    CAMPAIGNS = "campaigns", "Campaigns and advertising"
    TOOLS = "tools", "Tools and licences"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    SECURITY = "security", "Security"
    PEOPLE = "people", "People"


class BudgetPeriod(models.Model):
    """A quarter the budget is planned for (days ``start`` to ``end``, both included)."""

    start = models.DateField(unique=True)
    end = models.DateField()
    name = models.CharField(max_length=40)  # "Q4 2026"

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="alignment_budget_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    """The planned amount of one side's category in one period."""

    period = models.ForeignKey(BudgetPeriod, on_delete=models.PROTECT, related_name="lines")
    side = models.CharField(max_length=10, choices=BudgetSide.choices)
    category = models.CharField(max_length=16, choices=BudgetCategory.choices)
    planned = models.DecimalField(
        validators=[MinValueValidator(Decimal(0))], default=Decimal(0), **MONEY
    )
    note = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "side", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "side", "category"], name="alignment_budget_line_once"
            ),
            models.CheckConstraint(
                condition=models.Q(planned__gte=0), name="alignment_budget_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} · {self.get_category_display()} · {self.period}"


class ActualImport(models.Model):
    """One finance CSV: checked and previewed first, imported whole when confirmed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Checked, awaiting confirmation"
        IMPORTED = "imported", "Imported"
        DISCARDED = "discarded", "Discarded"

    file_name = models.CharField(max_length=255)
    # The file as checked (at most 5 MB): the import commits exactly what was previewed.
    text = models.TextField()
    row_count = models.PositiveIntegerField()
    total = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.file_name}"


class Actual(models.Model):
    """Money spent on a line on one day, entered by hand or imported from finance."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        IMPORTED = "imported", "Imported"
        # Registry costs are computed when read (budget/registry_costs.py), never stored:
        # the value exists so every actual shown, stored or not, names its source the same way.
        REGISTRY = "registry", "From the registry"

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="actuals")
    day = models.DateField()
    amount = models.DecimalField(**MONEY)
    description = models.CharField(max_length=500)
    utm_campaign = models.CharField(max_length=100, blank=True, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    import_batch = models.ForeignKey(
        ActualImport, null=True, blank=True, on_delete=models.PROTECT, related_name="actuals"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="registry"), name="alignment_actual_not_registry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.description}"


class Campaign(models.Model):
    """A marketing campaign whose spend is tagged with its ``utm_campaign`` code."""

    name = models.CharField(max_length=160)
    utm_campaign = models.CharField(max_length=100, unique=True)
    site = models.CharField(
        "tracked site", max_length=255, help_text="Its domain, e.g. example.com"
    )
    goal_name = models.CharField(
        "conversion goal",
        max_length=120,
        blank=True,
        help_text="The analytics goal that counts as a conversion (e.g. Purchase).",
    )
    start = models.DateField()
    end = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="alignment_campaign_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Reallocation(models.Model):
    """A lead's proposal to move planned money between two lines: the other lead decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the other lead"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    from_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    to_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    case = models.TextField("the case for it", max_length=2000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposer_side = models.CharField(max_length=10, choices=BudgetSide.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="alignment_reallocation_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_line=models.F("to_line")),
                name="alignment_reallocation_two_lines",
            ),
        ]

    def __str__(self) -> str:
        from ..budget.money import format_money  # the package imports these tables

        return f"Move {format_money(self.amount)} from {self.from_line} to {self.to_line}"


class BusinessCase(models.Model):
    """What a technology request or a campaign is expected to bring (marketing's effect, a
    goal on a catalogue metric) and what it costs and risks (IT's estimate)."""

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    title = models.CharField(max_length=200)
    # A governance request, by id: its title and status are read through governance.public.
    technology_request_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    campaign = models.OneToOneField(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="business_case"
    )
    # Marketing's expected effect.
    metric = models.CharField(max_length=80, help_text="A catalogue metric's key.")
    params = models.JSONField(default=dict, blank=True)
    target_value = models.DecimalField(**MONEY)
    period_start = models.DateField()
    period_end = models.DateField()
    effect_summary = models.CharField(max_length=300, blank=True)
    # IT's estimate, filled in by the IT Lead.
    estimated_cost = models.DecimalField(
        null=True, blank=True, validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    effort_days = models.DecimalField(
        "effort (person-days)",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(99999))],
    )
    risk = models.CharField(max_length=6, choices=Risk.choices, blank=True)
    estimate_notes = models.TextField(blank=True, max_length=2000)
    estimated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(technology_request_id__isnull=False, campaign__isnull=True)
                    | models.Q(technology_request_id__isnull=True, campaign__isnull=False)
                ),
                name="alignment_business_case_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="alignment_business_case_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title
