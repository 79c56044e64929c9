"""What the Content-Security-Policy meets on the public site: each site's mode (enforcing or
report-only), the violations browsers report, and the site tags (vendors' scripts on every
page) whose hosts the registry must have approved."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import classproperty
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .checks import check_url


@register_setting(icon="lock")
class SecuritySettings(BaseSiteSetting):
    """Per site: whether the registry-derived Content-Security-Policy blocks or only reports."""

    class CspMode(models.TextChoices):
        ENFORCING = "enforcing", "enforcing: what the registry has not approved is blocked"
        REPORT_ONLY = "report-only", "report only: violations are reported, nothing is blocked"

    csp_mode = models.CharField(
        "Content-Security-Policy",
        max_length=12,
        choices=CspMode.choices,
        default=CspMode.ENFORCING,
        help_text="Report only is for trying a policy out: the browser reports what it would "
        "block without blocking it. The policy itself comes from the technology registry.",
    )
    csp_mode_reason = models.TextField(
        "reason for the change",
        max_length=2000,
        blank=True,
        help_text="Required to switch to report only: the other IT administrators are told "
        "by e-mail, and the reason stays in the audit trail.",
    )

    @classproperty
    def base_form_class(cls) -> Any:
        # Wagtail's settings view builds its form from this (imported late: forms import models).
        from .forms import SecuritySettingsForm

        return SecuritySettingsForm

    class Meta:
        verbose_name = "security settings"
        verbose_name_plural = "security settings"

    def __str__(self) -> str:
        return f"Security settings for {self.site}"


class CspViolation(models.Model):
    """Browsers' reports of what the policy blocked (or would have), one row per page, directive
    and blocked host, counted; the query string of a page is never kept."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    page_path = models.CharField(max_length=500)
    directive = models.CharField(max_length=40)
    blocked_host = models.CharField(
        max_length=255, help_text="A host, or inline / eval / data: for code and data URLs."
    )
    blocked_url = models.CharField("example blocked URL", max_length=500, blank=True)
    enforced = models.BooleanField(help_text="Blocked (enforcing) or only reported.")
    count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = "CSP violation"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "page_path", "directive", "blocked_host", "enforced"],
                name="governance_csp_violation_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.blocked_host} blocked ({self.directive}) on {self.page_path}"


class CspViolationReporter(models.Model):
    """One distinct address that reported a violation row, kept only as a keyed hash (see
    ``violations.reporter_hash``), never as the address; removed with its row by retention.
    A row becomes a finding once enough distinct addresses reported it (or the scan saw it)."""

    violation = models.ForeignKey(CspViolation, on_delete=models.CASCADE, related_name="reporters")
    address_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "CSP violation reporter"
        constraints = [
            models.UniqueConstraint(
                fields=["violation", "address_hash"], name="governance_csp_reporter_once"
            )
        ]

    def __str__(self) -> str:
        return f"a reporter of {self.violation}"


class SiteTag(models.Model):
    """A vendor's script on every page of a site (an analytics or advertising tag, a chat
    widget): marketing adds it without a deploy; it loads only from a host the registry
    approved for scripts, and only after consent when its technology needs consent."""

    class Placement(models.TextChoices):
        HEAD = "head", "in the page head"
        BODY = "body", "at the end of the page body"

    name = models.CharField(max_length=100, help_text="What it is, e.g. “LinkedIn Insight”.")
    site = models.ForeignKey(
        "wagtailcore.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every site.",
    )
    script_url = models.URLField(
        "script URL", max_length=500, help_text="The address of the vendor's script."
    )
    placement = models.CharField(max_length=4, choices=Placement.choices, default=Placement.HEAD)
    load_async = models.BooleanField(
        "load asynchronously", default=True, help_text="Does not hold up the page (async)."
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "site tag"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            check_url(self.script_url, "script-src", element="script")
        except ValidationError as error:
            raise ValidationError({"script_url": error.messages}) from None
