"""The newsletter's lists and people: lists, subscribers, their subscriptions, the suppression
list, the digests of erased addresses and the brand the e-mails carry (app label
``distribution``)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


def _token() -> str:
    return secrets.token_urlsafe(24)


class MailingList(models.Model):
    """A newsletter list people subscribe to (with double opt-in)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(
        blank=True, help_text="Shown on the sign-up form and the preference page."
    )
    from_email = models.EmailField(
        blank=True, help_text="The sender of this list's e-mails; the site's default if empty."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """A person on one or more lists, known by an e-mail address (stored lower-case)."""

    email = models.EmailField(max_length=320)
    name = models.CharField(max_length=120, blank=True)
    # The secret in the person's own links (preferences, confirm, unsubscribe).
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_unique_email"),
        ]

    # Not the address: Wagtail titles log entries with str(), and the audit trail keeps every
    # title for good, also after the person's data is erased. The listing shows the address.
    def __str__(self) -> str:
        return f"Subscriber {self.pk}"


class Subscription(models.Model):
    """A subscriber on a list: pending until confirmed, and never re-confirmed silently."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        CONFIRMED = "confirmed", "confirmed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The newsletter send whose unsubscribe link was used, if it was one (the send's stats
    # count it); none for the preference page or an older link.
    unsubscribed_via = models.ForeignKey(
        "distribution.Dispatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unsubscribes",
    )
    # When the last confirmation e-mail went out: the form cannot be used to flood an inbox.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "mailing_list"], name="subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} on {self.mailing_list} ({self.status})"


class Suppression(models.Model):
    """An address nothing is sent to any more: it bounced, complained or asked."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "hard bounce"
        COMPLAINT = "complaint", "spam complaint"
        MANUAL = "manual", "added by an administrator"

    email = models.EmailField(max_length=320)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="suppression_unique_email"),
        ]

    def __str__(self) -> str:  # not the address, as for Subscriber
        return f"Suppression {self.pk} ({self.get_reason_display()})"


class ErasedAddress(models.Model):
    """An address erased on its owner's request, kept only as a keyed digest
    (``core.email_digest``) so that no later import or send reaches it again."""

    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()  # written by the erasure only

    def __str__(self) -> str:
        return f"erased address {self.pk}"


@register_setting(icon="mail")
class Brand(BaseSiteSetting):
    """Per site: the name and logo at the top of every newsletter (the organisation's, not
    the software's)."""

    name = models.CharField(
        max_length=120,
        blank=True,
        help_text="Shown at the top of every newsletter; the site's name if empty.",
    )
    logo = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown next to the name, about 40 pixels high.",
    )

    class Meta:
        verbose_name = "Brand"

    def __str__(self) -> str:
        return self.name or f"brand of site {self.site_id}"
