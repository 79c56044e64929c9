"""Webhook subscriptions (where to POST which events, signed with which secret) and the log of
every attempt to deliver one."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from .signing import new_webhook_secret

# The event types a receiver may see (Standard Webhooks style: dotted, [a-z0-9_] parts).
PAGE_PUBLISHED = "page.published"
WEBHOOK_TEST = "webhook.test"
EVENT_TYPES = {
    PAGE_PUBLISHED: "A page was published",
    WEBHOOK_TEST: "A test sent with the “Send test” button",
}
RESPONSE_EXCERPT_LENGTH = 500


def validate_event_types(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one event.", code="no_events")
    unknown = [event for event in value if event not in EVENT_TYPES]
    if unknown:
        # Not the "invalid_choice" code: Django would swap in its own message for it.
        raise ValidationError(
            "Unknown event type(s): %(unknown)s.",
            code="unknown_event",
            params={"unknown": ", ".join(map(str, unknown))},
        )


def default_events() -> list[str]:
    return [PAGE_PUBLISHED]


class WebhookSubscription(models.Model):
    """A receiver's URL, the events it wants and the secret its deliveries are signed with."""

    name = models.CharField(max_length=120, help_text="What receives these, e.g. “CRM sync”.")
    url = models.URLField(
        "URL",
        max_length=2000,
        # Only http(s): urllib would happily open file:// or ftp:// URLs too.
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where events are POSTed (http or https; https recommended).",
    )
    events = models.JSONField(default=default_events, validators=[validate_event_types])
    # Standard Webhooks form, "whsec_" + base64 of 32 random bytes. Stored as is: signing
    # needs the key itself, so it cannot be hashed like a password.
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    # The secret before the last rotation, still signed with until it expires, so receivers
    # can switch over without dropping deliveries (the spec's zero-downtime rotation).
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_subscriptions",
        help_text="Told by e-mail when the subscription is disabled after repeated failures.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Untick to stop deliveries; tick to re-enable."
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook"
        verbose_name_plural = "webhooks"

    def __str__(self) -> str:
        return self.name

    @property
    def recipient(self) -> str:
        """How the dispatcher's Delivery rows name this subscription."""
        return f"webhook:{self.pk}"

    def signing_secrets(self, *, at: datetime | None = None) -> list[str]:
        """The secrets a delivery made ``at`` is signed with: the current one, and the
        previous one during its grace period after a rotation."""
        at = at or timezone.now()
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and at < expires:
            secrets.append(self.previous_secret)
        return secrets


class WebhookAttempt(models.Model):
    """One HTTP request to a subscription's URL and what came back: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="attempts"
    )
    # The dispatcher's row this attempt belongs to; empty for tests sent from the admin.
    delivery = models.ForeignKey(
        "distribution.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_attempts",
    )
    msg_id = models.CharField("webhook-id", max_length=255)
    event = models.CharField(max_length=64)
    attempt = models.PositiveIntegerField(default=1)
    # None when no HTTP answer came (connection refused, timeout, TLS error).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_LENGTH, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["subscription", "-sent_at"])]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "no answer"
        return f"{self.event} #{self.attempt} to {self.subscription_id}: {outcome}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
