"""Privacy operations' records: retention policies, the report of each retention run, and
data-subject requests (kept by keyed digest, never by address)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# Ten years: a longer "retention" is not a policy, and a typo of 36500 should not pass.
MAX_RETENTION_DAYS = 3650


class RetentionPolicy(models.Model):
    """IT's choice for one registered kind of data. A kind without a row keeps its default
    days and is enforced; the row is written when IT first changes it."""

    kind = models.CharField(max_length=64, unique=True)
    days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Rows older than this many days are removed by the daily retention run.",
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name_plural = "retention policies"
        default_permissions = ("change", "view")  # kinds come from code: none added or deleted

    def __str__(self) -> str:
        return f"retention of {self.kind}"


class RetentionRun(models.Model):
    """What one run removed: the report IT reads."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # kind -> rows removed; kind -> error message; kinds with rows left for the next run.
    removed = models.JSONField(default=dict)
    errors = models.JSONField(default=dict)
    unfinished = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"retention run {self.pk}"

    @property
    def total(self) -> int:
        return sum(self.removed.values())


class DataSubjectRequest(models.Model):
    """One person's request to see, take away or erase what is held about their address.

    The address itself is never stored: ``reference`` is its keyed digest, enough to check
    that each step is about the same address, useless without the key."""

    reference = models.CharField(max_length=64, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    found = models.JSONField(default=dict)  # module -> record type -> count
    exported_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    erased = models.JSONField(default=dict)  # module -> record type -> count

    class Meta:
        ordering = ["-opened_at", "-pk"]
        default_permissions = ("view",)
        permissions = [("handle_datasubjectrequest", "Can find, export and erase personal data")]

    def __str__(self) -> str:
        return f"Data-subject request {self.pk}"
