"""Review meetings: the series and its meetings, the decision log and the actions agreed."""

import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

__all__ = ["Action", "Decision", "Meeting", "MeetingSeries"]

TEXT_MAX_LENGTH = 5000
MINUTES_MAX_LENGTH = 20000


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(f"“{value}” is not a time zone (e.g. Europe/Berlin or UTC).")


class MeetingSeries(models.Model):
    """A recurring review meeting of both sides: when, how long, where, and who comes."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Every two weeks"
        MONTHLY = "monthly", "Monthly"

    name = models.CharField(max_length=160)
    cadence = models.CharField(max_length=12, choices=Cadence.choices)
    first_date = models.DateField("first meeting's date")
    start_time = models.TimeField("starts at")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    duration_minutes = models.PositiveIntegerField(
        "length in minutes", validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    location = models.CharField(max_length=300, blank=True)
    video_url = models.URLField("video link", max_length=500, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    # The calendar event's identity: kept for the series' life so a changed invitation
    # replaces the old one in attendees' calendars (SEQUENCE says which is newer).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # The day the current cadence and time took effect: meetings before it were planned by
    # an earlier schedule and exist as rows; the cadence is counted from here.
    schedule_from = models.DateField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """One meeting of a series, planned from its cadence; once held it keeps its minutes and
    the agenda as it stood then."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    minutes = models.TextField(blank=True, max_length=MINUTES_MAX_LENGTH)
    agenda = models.JSONField(
        null=True, blank=True, help_text="The generated agenda, frozen when the meeting was held."
    )
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "starts_at"], name="alignment_meeting_once_per_start"
            )
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="alignment_meeting_next")]

    def __str__(self) -> str:
        return f"{self.series.name}, {self.starts_at:%Y-%m-%d %H:%M}"


class Decision(models.Model):
    """An entry of the decision log: what was decided, why, what follows, and who owns it."""

    class Source(models.TextChoices):
        MEETING = "meeting", "Meeting"
        TECHNOLOGY_REQUEST = "technology_request", "Technology request"

    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    title = models.CharField(max_length=200)
    context = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    decision = models.TextField(max_length=TEXT_MAX_LENGTH)
    consequences = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MEETING)
    # The governance request's id, not a foreign key: alignment reads governance only
    # through its public interface, and the log outlives a deleted request.
    request_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_id"],
                condition=models.Q(request_id__isnull=False),
                name="alignment_decision_once_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(source="meeting", request_id__isnull=True)
                | models.Q(source="technology_request", request_id__isnull=False),
                name="alignment_decision_source_matches_request",
            ),
        ]
        indexes = [models.Index(fields=["decided_on"], name="alignment_decision_day")]

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    """Something a meeting agreed someone does by a date; its owner is reminded once."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["done_at", "due_date"], name="alignment_action_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
