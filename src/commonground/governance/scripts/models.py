"""The records of reviewed scripts: the hash IT approved per script URL, what the monitor saw
of each script and each page's security headers, the changes it found, and the inventory of
the scripts on the published pages."""

from django.conf import settings
from django.db import models


class ReviewedScript(models.Model):
    """One third-party script URL (a site tag's, or a ``<script src>`` in content) with the
    SRI hash IT reviewed: pages carry the script with ``integrity`` and only then. The
    fetched_* fields hold the copy fetched for review, until IT approves (or fetches again)."""

    class Status(models.TextChoices):
        UNREVIEWED = "unreviewed", "not reviewed"
        REVIEWED = "reviewed", "reviewed: unchanged"
        CHANGED = "changed", "changed since the review"
        GONE = "gone", "cannot be fetched"

    url = models.URLField(max_length=500, unique=True)
    integrity = models.CharField(
        max_length=120, blank=True, help_text="The reviewed hash, e.g. sha384-…; empty: none."
    )
    size = models.PositiveIntegerField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    fetched_integrity = models.CharField(max_length=120, blank=True)
    fetched_size = models.PositiveIntegerField(null=True, blank=True)
    fetched_preview = models.TextField(blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNREVIEWED)
    # What the monitor saw last: a change is a change from this, found once.
    seen_integrity = models.CharField(max_length=120, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["url"]
        verbose_name = "reviewed script"

    def __str__(self) -> str:
        return self.url


class PageHeaders(models.Model):
    """A public page's security headers as the monitor saw them last (nonces masked)."""

    url = models.CharField(max_length=500, unique=True)
    headers = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["url"]
        verbose_name = "page security headers"

    def __str__(self) -> str:
        return self.url


class ScriptFinding(models.Model):
    """One change the monitor found, alerted once (``alerted_at``)."""

    class Kind(models.TextChoices):
        SCRIPT_CHANGED = "script_changed", "script changed"
        SCRIPT_GONE = "script_gone", "script cannot be fetched"
        HEADER_CHANGED = "header_changed", "security header changed"
        HEADER_REMOVED = "header_removed", "security header removed"
        HEADER_ADDED = "header_added", "security header added"
        PAGE_UNREACHABLE = "page_unreachable", "page cannot be fetched"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=500, help_text="The script's or the page's URL.")
    header = models.CharField(max_length=60, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    found_at = models.DateTimeField()
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        verbose_name = "script monitor finding"

    def __str__(self) -> str:
        what = f"{self.header} on " if self.header else ""
        return f"{self.get_kind_display()}: {what}{self.subject}"


class ScriptOnPage(models.Model):
    """One script a published page loads (at once or after consent), as the monitor's last
    run found it: the inventory's rows."""

    class Source(models.TextChoices):
        SITE_TAG = "site_tag", "site tag"
        CONTENT = "content", "in the page's content"
        OWN = "own", "the site's own script"

    page_url = models.CharField(max_length=500)
    page_title = models.CharField(max_length=255)
    script_url = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=Source.choices)
    held_for_consent = models.BooleanField(default=False)
    integrity = models.CharField(max_length=120, blank=True, help_text="As the page emits it.")
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["page_url", "script_url"]
        verbose_name = "script on a page"

    def __str__(self) -> str:
        return f"{self.script_url} on {self.page_url}"


class MonitorRun(models.Model):
    """One run of the script monitor: when, and how much it looked at (freshness)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    scripts_checked = models.PositiveIntegerField(default=0)
    pages_checked = models.PositiveIntegerField(default=0)
    findings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "script monitor run"

    def __str__(self) -> str:
        return f"Script monitor run of {self.started_at:%Y-%m-%d %H:%M}"
