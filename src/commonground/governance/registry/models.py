"""The technology registry and its request/review workflow: what marketing may run, why,
and what IT decided. Rows change only through ``services``."""

from django.conf import settings
from django.db import models

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
    # Added to an approved entry and waiting for its own review: not in the policy until a
    # decision covers it (the entry's other hosts stay live meanwhile).
    pending = models.BooleanField("awaiting review", default=False)

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
    # Critical tier: the first IT approval, waiting for a second, different IT approver.
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    first_rationale = models.TextField(blank=True)
    # A review opened by widening an approved entry's hosts: what was added, as
    # [[directive, host], ...] (the reviewer decides only these).
    added_hosts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [("review_technologyrequest", "Can review and decide technology requests")]

    def __str__(self) -> str:
        if self.added_hosts:
            return f"Change to {self.technology.name}"
        return f"Request for {self.technology.name}"

    @property
    def awaiting_second_approval(self) -> bool:
        return self.is_open and self.first_approved_by_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReviewQuestion(models.Model):
    """One question of IT's security-and-privacy questionnaire (in the spirit of CAIQ-Lite)."""

    class Required(models.TextChoices):
        NEVER = "never", "never"
        PERSONAL_DATA = "personal", "a “yes” when the tool processes personal data"
        HIGH_RISK = "high", "an answer when the risk tier is high or critical"

    text = models.CharField(max_length=300)
    help_text = models.CharField("help", max_length=500, blank=True)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    required = models.CharField(
        "required before approval",
        max_length=8,
        choices=Required.choices,
        default=Required.HIGH_RISK,
        help_text="What approval needs of this question (risk.py's rules).",
    )

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


class RenewalReminder(models.Model):
    """A contract-renewal reminder, claimed before it goes out (``core.mail.send_once``): once
    per entry, renewal date, threshold (days before) and person."""

    technology = models.ForeignKey(Technology, on_delete=models.CASCADE, related_name="+")
    renewal = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["technology", "renewal", "days_before", "user"],
                name="governance_renewal_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.technology} renews {self.renewal}: {self.days_before} days' notice"
