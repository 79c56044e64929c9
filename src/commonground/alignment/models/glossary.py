"""The common language's tables: glossary terms and the edits either side proposes to them."""

from django.conf import settings
from django.db import models

from ..sides import Party

__all__ = ["GlossaryProposal", "GlossaryTerm"]

TERM_MAX_LENGTH = 120
EXPLANATION_MAX_LENGTH = 2000
EXAMPLES_MAX_LENGTH = 2000


class GlossaryTerm(models.Model):
    """A word that trips one side or the other, explained once for marketing and once for IT."""

    slug = models.SlugField(max_length=60, unique=True)
    term = models.CharField(max_length=TERM_MAX_LENGTH)
    for_marketing = models.TextField(
        "for marketing",
        max_length=EXPLANATION_MAX_LENGTH,
        help_text="What it means for a campaign, in plain words.",
    )
    for_it = models.TextField(
        "for IT",
        max_length=EXPLANATION_MAX_LENGTH,
        help_text="What it means for security, cost or operations, in plain words.",
    )
    examples = models.TextField(blank=True, max_length=EXAMPLES_MAX_LENGTH)
    # Catalogue metric keys ("analytics.bounce_rate"): where the term shows up as a number.
    related_metrics = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class GlossaryProposal(models.Model):
    """An edit of a term (or a new term) by one side: it applies when the other side's lead
    accepts it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the other side's lead"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    term = models.ForeignKey(
        GlossaryTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    slug = models.SlugField(max_length=60, help_text="The term's slug (a new term's to be).")
    # When the term was last changed as the proposer saw it: accepting a proposal made on an
    # older text would silently undo the change accepted since.
    term_updated_at = models.DateTimeField(null=True, blank=True)
    proposed_term = models.CharField("term", max_length=TERM_MAX_LENGTH)
    proposed_for_marketing = models.TextField("for marketing", max_length=EXPLANATION_MAX_LENGTH)
    proposed_for_it = models.TextField("for IT", max_length=EXPLANATION_MAX_LENGTH)
    proposed_examples = models.TextField("examples", blank=True, max_length=EXAMPLES_MAX_LENGTH)
    proposed_related_metrics = models.JSONField("related metrics", default=list, blank=True)
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
    decision_note = models.TextField("note", blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        verb = "Edit of" if self.term_id else "New term"
        return f"{verb} {self.proposed_term}"

    @property
    def proposer_party(self) -> Party:
        """The side that proposed it; the other side's lead decides."""
        return Party(self.proposer_side)
