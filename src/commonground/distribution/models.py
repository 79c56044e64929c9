"""Distribution state: plans on pages, the outbox of dispatches and their deliveries; and,
so that Django finds them, the models of the newsletter, the imports and the webhooks."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.models import Orderable

from .imports.models import SubscriberImport
from .newsletter.models import (
    Brand,
    ErasedAddress,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
)
from .plan import PLANNED_CHANNEL_PANELS, clean_planned_channel
from .webhooks.models import WebhookAttempt, WebhookSubscription


class PlannedChannel(Orderable):
    """One channel of a page's distribution plan, edited with the page (part of its revisions).

    Delivered once: publishing the page again does not send a row that was sent already
    (a new row does)."""

    page = ParentalKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="distribution")
    channel = models.CharField(max_length=64)
    text = models.TextField(
        "post text", blank=True, help_text="The social post; the page's link is added if missing."
    )
    subject = models.CharField("e-mail subject", max_length=200, blank=True)
    preheader = models.CharField(
        "e-mail preheader",
        max_length=200,
        blank=True,
        help_text="The line mail programs show after the subject.",
    )
    mailing_list = models.ForeignKey(
        MailingList, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: when the page is published."
    )

    panels = PLANNED_CHANNEL_PANELS
    # Set by the Distribute tab's form on an autosave: the row is kept as typed so far and
    # checked in full on the next explicit save or publish (see plan.py).
    defer_plan_checks = False

    def __str__(self) -> str:
        return f"{self.channel} for page {self.page_id}"

    def clean(self) -> None:
        clean_planned_channel(self)


class Dispatch(models.Model):
    """The outbox: one planned channel of a published page, due to be delivered.

    Written in the transaction that publishes the page, so a publish that rolls back leaves
    none; delivered by the worker under a lease, so a killed worker's dispatch is taken
    over where it stopped."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        PAUSED = "paused", "paused"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", db_index=True
    )
    # The PlannedChannel row's id (kept when the row is edited, not when it is removed).
    planned_channel_id = models.BigIntegerField(unique=True)
    channel = models.CharField(max_length=64)
    # What was published, as it was: later edits of the page do not change this send.
    title = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    campaign = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    preheader = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    html = models.TextField(blank=True)
    mailing_list = models.ForeignKey(
        MailingList, null=True, blank=True, on_delete=models.PROTECT, related_name="dispatches"
    )
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Who is delivering it, until when (renewed while it works); a lapsed lease is free.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    recipients_expanded = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "dispatches"

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"


class Delivery(models.Model):
    """One message of a dispatch to one recipient (or to the network, for broadcasts)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped"

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.CharField(max_length=2000, blank=True)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Per plan, channel and recipient: a retry or a second worker finds the row, not a new one.
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Sent, but the worker stopped before the server's answer was read (see newsletter/smtp.py).
    unconfirmed = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    remote_id = models.CharField(max_length=500, blank=True)
    remote_url = models.URLField(max_length=2000, blank=True)
    detail = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dispatch", "status"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.dispatch.channel} to {self.recipient or 'the network'} ({self.status})"


__all__ = [
    "Brand",
    "Delivery",
    "Dispatch",
    "ErasedAddress",
    "MailingList",
    "PlannedChannel",
    "Subscriber",
    "SubscriberImport",
    "Subscription",
    "Suppression",
    "WebhookAttempt",
    "WebhookSubscription",
]
