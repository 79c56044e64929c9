"""The technology registry and its request/review workflow: what marketing may run, why,
and what IT decided. Rows change only through ``services``."""

from django.conf import settings
from django.db import models
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .risk import DataCategory, DataLocation, RiskTier

COMMENT_MAX_LENGTH = 5000

DATA_CATEGORY_CHOICES = [(c.value, c.value) for c in DataCategory]
DATA_LOCATION_CHOICES = [
    (DataLocation.EU_EEA.value, "EU/EEA or adequate country"),
    (DataLocation.OTHER.value, "other country"),
]
RISK_TIER_CHOICES = [(t.value, t.value) for t in RiskTier]


class Technology(models.Model):
    """A tool or vendor in the registry, in any status from requested to retired."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "requested"
        IN_REVIEW = "in_review", "in review"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        RETIRED = "retired", "retired"

    class Category(models.TextChoices):
        ANALYTICS = "analytics", "analytics"
        ADVERTISING = "advertising", "advertising"
        EMAIL = "email", "e-mail and marketing automation"
        CRM = "crm", "CRM"
        SOCIAL = "social", "social media"
        CONTENT = "content", "content and media"
        CHAT = "chat", "chat and support"
        EXPERIMENTATION = "experimentation", "testing and personalisation"
        FONTS_CDN = "fonts_cdn", "fonts and CDN"
        OTHER = "other", "other"

    class ConsentPurpose(models.TextChoices):
        NECESSARY = "necessary", "necessary"
        ANALYTICS = "analytics", "analytics"
        MARKETING = "marketing", "marketing"
        PERSONALISATION = "personalisation", "personalisation"

    name = models.CharField("tool", max_length=200)
    vendor = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who answers for this tool in the business.",
    )
    business_purpose = models.TextField(blank=True)
    annual_cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Per year, in euros."
    )
    contract_renewal = models.DateField("contract renewal date", null=True, blank=True)
    data_category = models.CharField(
        "data processed",
        max_length=12,
        choices=DATA_CATEGORY_CHOICES,
        default=DataCategory.NONE.value,
    )
    data_location = models.CharField(
        max_length=8, choices=DATA_LOCATION_CHOICES, default=DataLocation.EU_EEA.value
    )
    dpa_signed = models.BooleanField("data-processing agreement signed", default=False)
    single_sign_on = models.BooleanField(default=False)
    risk_tier = models.CharField(
        max_length=8,
        choices=RISK_TIER_CHOICES,
        default=RiskTier.LOW.value,
        editable=False,
        help_text="Computed from the answers above (governance/risk.py).",
    )
    risk_reason = models.CharField(max_length=500, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    consent_purpose = models.CharField(
        max_length=16, choices=ConsentPurpose.choices, default=ConsentPurpose.NECESSARY
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "technology"
        verbose_name_plural = "technologies"

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})" if self.vendor else self.name


class TechnologyHost(models.Model):
    """A host the technology loads from, per Content-Security-Policy directive."""

    class Directive(models.TextChoices):
        SCRIPT = "script-src", "script"
        STYLE = "style-src", "style"
        IMG = "img-src", "image"
        CONNECT = "connect-src", "connect"
        FRAME = "frame-src", "frame"
        FORM_ACTION = "form-action", "form action"

    technology = models.ForeignKey(Technology, on_delete=models.CASCADE, related_name="hosts")
    directive = models.CharField(max_length=12, choices=Directive.choices)
    host = models.CharField(max_length=255, help_text="e.g. cdn.example.com or *.example.com")

    class Meta:
        ordering = ["directive", "host"]
        constraints = [
            models.UniqueConstraint(
                fields=["technology", "directive", "host"], name="governance_host_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_directive_display()}: {self.host}"


class TechnologyRequest(models.Model):
    """Marketing's case for a technology, IT's review of it and the decision."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "submitted"
        IN_REVIEW = "in_review", "in review"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    OPEN = (Status.SUBMITTED, Status.IN_REVIEW)

    technology = models.ForeignKey(Technology, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    problem = models.TextField("problem it solves", max_length=5000)
    expected_value = models.TextField(max_length=5000)
    needed_by = models.DateField("deadline", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField()
    review_due = models.DateField("review deadline")
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [("review_technologyrequest", "Can review and decide technology requests")]

    def __str__(self) -> str:
        return f"Request for {self.technology.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReviewQuestion(models.Model):
    """One question of IT's security-and-privacy questionnaire (in the spirit of CAIQ-Lite)."""

    text = models.CharField(max_length=300)
    help_text = models.CharField("help", max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class ReviewAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", "yes"
        PARTIAL = "partial", "partly"
        NO = "no", "no"
        NOT_APPLICABLE = "n/a", "not applicable"

    request = models.ForeignKey(TechnologyRequest, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ReviewQuestion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    note = models.CharField(max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "question"], name="governance_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.get_answer_display()}"


class RequestComment(models.Model):
    """Plain text in the request's thread (escaped wherever it is shown)."""

    request = models.ForeignKey(
        TechnologyRequest, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment on {self.request}"


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


class ConsentTally(models.Model):
    """How many visitors agreed to or declined a purpose on a day: counts, nothing else."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purpose = models.CharField(max_length=16)
    granted = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "purpose"],
                name="governance_consent_tally_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} on {self.day}: {self.granted} yes, {self.declined} no"


class SiteScan(models.Model):
    """One run of the shadow-IT scan: every live public page rendered as a visitor gets it,
    and what it loads from other hosts compared with the registry (``scan.py``)."""

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
        from django.core.exceptions import ValidationError

        from .public import check_url

        try:
            check_url(self.script_url, "script-src", element="script")
        except ValidationError as error:
            raise ValidationError({"script_url": error.messages}) from None


from .privacy.models import DataSubjectRequest, RetentionPolicy, RetentionRun  # noqa: E402, F401
