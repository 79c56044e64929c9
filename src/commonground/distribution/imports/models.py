"""An uploaded subscriber CSV file, its progress and what became of each of its rows."""

from django.conf import settings
from django.db import models

from ..newsletter.models import MailingList, Subscription

# Wagtail's model permissions: "add" starts (and resumes) imports, "view" sees them and
# their reports (personal data). Granted to the roles by migration 0004.
ADD_IMPORT = "distribution.add_subscriberimport"
VIEW_IMPORTS = "distribution.view_subscriberimport"


class SubscriberImport(models.Model):
    """One CSV file imported into one list, in batches, by a task that can resume it."""

    class ConsentMode(models.TextChoices):
        DOUBLE_OPT_IN = (
            "double_opt_in",
            "Send a confirmation e-mail to each new address (double opt-in)",
        )
        CONFIRMED = (
            "confirmed",
            "These people already opted in elsewhere: mark them confirmed",
        )

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    # Deleting a list deletes its imports with its subscriptions; the log entries stay.
    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.CASCADE, related_name="subscriber_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(max_length=255)
    # The file's text, decoded at upload (at most csv_files.MAX_FILE_BYTES). In the database,
    # not in the default storage: that is served publicly under MEDIA_URL, and the worker
    # may not share the web server's disk.
    source = models.TextField(editable=False)
    consent_mode = models.CharField(
        max_length=16, choices=ConsentMode.choices, default=ConsentMode.DOUBLE_OPT_IN
    )
    # Confirmed mode only: the uploader's statement of where consent was recorded, and that
    # they ticked the box saying everyone in the file gave it.
    consent_record = models.TextField(blank=True)
    consent_attested = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    # The resume point: rows before it are imported and counted (committed with the counts).
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with every batch, so an import that stopped moving can be told from a slow one.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ("add", "view")  # an import is not edited or deleted

    def __str__(self) -> str:
        return f"{self.file_name} into {self.mailing_list}"


class SubscriberImportRow(models.Model):
    """What the import did with one row of its file: the per-row report, and, for rows that
    subscribed someone, the link from the subscription back to the import (and its consent)."""

    class Outcome(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    subscriber_import = models.ForeignKey(
        SubscriberImport, on_delete=models.CASCADE, related_name="rows"
    )
    # The file's line where the row starts (the header row is line 1).
    row_number = models.PositiveIntegerField()
    # The e-mail cell as it was in the file.
    value = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=255, blank=True)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["row_number"]
        default_permissions = ()  # read and written through the import only
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber_import", "row_number"], name="subscriber_import_row_unique"
            ),
        ]
        indexes = [models.Index(fields=["subscriber_import", "outcome", "row_number"])]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.outcome}"
