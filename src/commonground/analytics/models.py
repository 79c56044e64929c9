"""Relational analytics state: tracked sites and daily visitor-id salts (never the events)."""

from django.conf import settings
from django.db import models
from wagtail.models import APIToken


class DailySalt(models.Model):
    """A random salt for one UTC day; deleted 48 hours after that day began."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"salt for {self.day.isoformat()}"


class TrackedSite(models.Model):
    """A site whose visits are counted; events for any other domain are dropped."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="The domain the tracker reports, e.g. www.example.com (without https://).",
    )
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC")
    respect_do_not_track = models.BooleanField(
        "honour Do Not Track and Global Privacy Control",
        default=False,
        help_text="When on, nothing is sent for visitors whose browser asks not to be tracked.",
    )
    exclude_staff = models.BooleanField(
        "leave out signed-in staff",
        default=True,
        help_text=(
            "When on, page views and events from people who use this admin are not counted "
            "on this site's own pages (their browser is marked when they open the admin)."
        ),
    )
    excluded_networks = models.TextField(
        "excluded addresses and networks",
        blank=True,
        default="",
        help_text=(
            "One IP address or network a line, IPv4 or IPv6, e.g. 203.0.113.7 or "
            "2001:db8::/32 (the office, an agency). Their visits are not counted."
        ),
    )
    umami_website_id = models.UUIDField(
        "Umami website id",
        null=True,
        blank=True,
        unique=True,
        help_text="Events sent in Umami's format to /api/send with this website id count here.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        # The ingest endpoint compares lower-case domains without "www.".
        self.domain = normalise_domain(self.domain)


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().removeprefix("www.")


class Goal(models.Model):
    """What counts as a conversion on a site: a custom event, or a view of matching pages.

    A page path may hold ``*`` (any characters but ``/``) and ``**`` (any characters), so
    ``/blog/*`` is every post and ``/docs/**`` every page under /docs.
    """

    class Kind(models.TextChoices):
        EVENT = "event", "custom event"
        PAGE = "page", "page visit"

    site = models.ForeignKey(TrackedSite, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.EVENT)
    event_name = models.CharField(
        max_length=120, blank=True, help_text="For a custom-event goal: the event's name."
    )
    page_path = models.CharField(
        max_length=2000,
        blank=True,
        help_text="For a page goal: the path, with * for one segment and ** for any.",
    )
    display_name = models.CharField(
        max_length=120, help_text="How the goal is shown and asked for in queries."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "display_name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "display_name"], name="goal_unique_name")
        ]

    def __str__(self) -> str:
        return self.display_name


def default_goal_name(*, kind: str, event_name: str, page_path: str) -> str:
    """What a goal is called unless someone names it: the event, or "Visit /path"."""
    return event_name if kind == Goal.Kind.EVENT else f"Visit {page_path}"


class Annotation(models.Model):
    """A dated note on a site's traffic graph ("newsletter sent"), written by a person.

    Publish events are shown too, but read from Wagtail's log when asked for; only the
    notes people write are stored here.
    """

    site = models.ForeignKey(TrackedSite, on_delete=models.CASCADE, related_name="annotations")
    date = models.DateField(help_text="The day, in the site's time zone.")
    text = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "date", "created_at"]
        indexes = [models.Index(fields=["site", "date"], name="annotation_site_date")]
        # Who may see the dashboard at all: a permission of its own, so that a role can be
        # given the admin without the numbers.
        permissions = [("view_dashboard", "Can view the analytics dashboard")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()}: {self.text}"


# The permission declared above, as has_perm() names it: whether someone may see analytics at
# all (the dashboard, the page panel, the weekly reports).
VIEW_ANALYTICS = "analytics.view_dashboard"
# Who may create Stats API keys (declared on StatsApiKey below); IT Administrator by default.
CREATE_STATS_API_KEYS = "analytics.add_statsapikey"


class StatsApiKey(models.Model):
    """What makes a Wagtail API token a Stats API key: the sites it may read.

    The token (its format, digest, display prefix, owner, revocation, last use) is Wagtail's
    ``APIToken``; its primary key is this row's, so a key has one id everywhere.
    """

    token = models.OneToOneField(
        APIToken, on_delete=models.CASCADE, primary_key=True, related_name="stats_api_key"
    )
    sites = models.ManyToManyField(
        TrackedSite, related_name="stats_api_keys", help_text="The sites this key may read."
    )

    class Meta:
        ordering = ["-token__created", "-token_id"]
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        # Whose keys one manages is read from Wagtail's token permissions; creating one
        # also needs this, which IT grants (a key reads every tracked site's analytics).
        default_permissions = ()
        permissions = [("add_statsapikey", "Can create Stats API keys (they read analytics)")]

    def __str__(self) -> str:
        return str(self.token)


class StatsApiRateWindow(models.Model):
    """How many requests a key made in its current window of ``period_seconds``.

    One row per key and period, overwritten when a new window starts, so the table never
    grows beyond two rows a key; the count is raised in one atomic upsert (see
    ``stats_api/rate_limits.py``), which keeps it exact with any number of server processes.
    """

    key = models.ForeignKey(StatsApiKey, on_delete=models.CASCADE, related_name="rate_windows")
    period_seconds = models.PositiveIntegerField()
    window_start = models.BigIntegerField()  # seconds since the Unix epoch
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "period_seconds"], name="unique_stats_api_rate_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} requests in {self.period_seconds}s from {self.window_start}"


class Segment(models.Model):
    """A saved set of filters (Stats API v2 form), asked for as ``["is", "segment", [id]]``."""

    site = models.ForeignKey(TrackedSite, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=120)
    filters = models.JSONField(
        help_text='Filters as in the Stats API, e.g. [["is", "visit:source", ["Google"]]].'
    )
    # Issue 15: a segment saved from the dashboard may be its author's own (listed only for
    # them); the Stats API takes any of the site's segment ids either way.
    shared = models.BooleanField(
        default=True, help_text="Listed on everyone's dashboard; otherwise only its author's."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="segment_unique_name")]

    def __str__(self) -> str:
        return self.name


class ReportSubscription(models.Model):
    """A user who wants the weekly e-mail report of a site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    site = models.ForeignKey(
        TrackedSite, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="report_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"weekly report of {self.site} for {self.user}"


class ReportDelivery(models.Model):
    """One weekly report, claimed by a worker and then sent, at most one per user, site and week.

    The row is claimed (``claimed_at``) before the e-mail goes out and marked ``sent_at`` after:
    the unique constraint lets exactly one of several workers claim it, and a claim whose
    worker died unsent is taken over once it is stale (see ``weekly_report.py``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries"
    )
    site = models.ForeignKey(TrackedSite, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="The Monday the reported week began (site time).")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "site", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "week_start"], name="report_delivery_once_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"report of {self.site} for the week of {self.week_start.isoformat()}"
