"""Relational analytics state: tracked sites and daily visitor-id salts (never the events)."""

from django.db import models


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
