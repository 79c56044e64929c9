"""The shadow-IT scan's records: each run, and what it found on each page."""

from django.conf import settings
from django.db import models


class SiteScan(models.Model):
    """One run of the shadow-IT scan: every live public page rendered as a visitor gets it,
    and what it loads from other hosts compared with the registry (``scan/services.py``)."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        FINISHED = "finished", "finished"
        FAILED = "failed", "failed"

    class Trigger(models.TextChoices):
        ADMIN = "admin", "started in the admin"
        SCHEDULE = "schedule", "daily schedule"
        COMMAND = "command", "command line"
        DEMO = "demo", "demo loader"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who started it; empty for scheduled and command-line scans.",
    )
    pages_scanned = models.PositiveIntegerField(default=0)
    pages_failed = models.PositiveIntegerField(default=0)
    hosts_found = models.PositiveIntegerField(
        default=0, help_text="Distinct third-party hosts, over all pages and directives."
    )
    unapproved_found = models.PositiveIntegerField(
        default=0, help_text="Distinct third-party hosts not approved for what they load."
    )
    stopped_early = models.CharField(
        max_length=200, blank=True, help_text="Why the scan stopped before the last page."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "site scan"

    def __str__(self) -> str:
        return f"Site scan of {self.started_at:%Y-%m-%d %H:%M}"


class ScanFinding(models.Model):
    """One third-party host a page loads for one directive, with the registry's verdict
    then; or (verdict "error") a page the scan could not inspect. Page and registry entry
    are snapshots, so a later change or deletion never rewrites a past scan."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", "approved"
        NOT_APPROVED = "not_approved", "not approved"
        UNKNOWN = "unknown", "not in the registry"
        ERROR = "error", "page not scanned"

    scan = models.ForeignKey(SiteScan, on_delete=models.CASCADE, related_name="findings")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_url = models.CharField(max_length=500)
    page_title = models.CharField(max_length=255)
    directive = models.CharField(max_length=12, blank=True)
    host = models.CharField(max_length=255, blank=True)
    example_url = models.CharField(max_length=500, blank=True)
    element = models.CharField(max_length=40, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    technology_name = models.CharField(max_length=200, blank=True)
    technology_status = models.CharField(max_length=10, blank=True)
    detail = models.CharField(
        max_length=500, blank=True, help_text="Why this verdict, or what went wrong."
    )

    class Meta:
        ordering = ["host", "directive", "page_url"]
        indexes = [models.Index(fields=["scan", "verdict"], name="governance_finding_verdict")]

    def __str__(self) -> str:
        if self.verdict == self.Verdict.ERROR:
            return f"{self.page_url}: {self.detail}"
        return f"{self.host} ({self.directive}) on {self.page_url}: {self.get_verdict_display()}"
