"""The audit trail's tables: the append-only entries and the one-row chain head."""

from typing import Any, NoReturn

from django.db import models

from .chain import GENESIS_HASH, EntryContent


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


def _refuse(what: str) -> NoReturn:
    raise AuditTrailIsAppendOnly(f"the audit trail is append-only: {what} is refused")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Only raw SQL can change the trail, and `commonground audit verify` detects that.
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("updating audit entries")

    def delete(self) -> NoReturn:
        _refuse("deleting audit entries")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("updating audit entries")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("adding entries outside commonground.core.audit.services")


class AuditEntry(models.Model):
    """A hash-chained copy of one Wagtail log entry (see ``chain.py`` for the hash format).
    Snapshots, not foreign keys: users, pages and content types can be deleted, the trail stays."""

    class Source(models.TextChoices):
        PAGE = "page", "page log entry"
        MODEL = "model", "model log entry"
        # Written by the trail itself (sign-ins, membership changes): source_id is the sequence.
        EVENT = "event", "audit event"

    sequence = models.PositiveBigIntegerField(primary_key=True)
    source = models.CharField(max_length=5, choices=Source.choices)
    source_id = models.BigIntegerField()
    timestamp = models.DateTimeField(db_index=True)
    actor_id = models.CharField(max_length=255, null=True, blank=True)
    actor = models.CharField(max_length=255, db_index=True)
    action = models.CharField(max_length=255, db_index=True)
    object_type = models.CharField(max_length=255, blank=True, db_index=True)
    object_id = models.CharField(max_length=255, blank=True)
    object_title = models.TextField(blank=True)
    data = models.TextField(default="{}")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The HMAC key's id (keys.py); empty for a legacy, unkeyed entry (chain format 1).
    key_id = models.CharField(max_length=32, blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        default_permissions = ()
        permissions = [("view_audit_trail", "Can view the audit trail")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="audit_entry_unique_source"
            ),
        ]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not (self._state.adding and kwargs.get("force_insert")):
            _refuse("changing an audit entry")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("deleting an audit entry")

    def content(self) -> EntryContent:
        return EntryContent(
            sequence=self.sequence,
            source=self.source,
            source_id=self.source_id,
            timestamp=self.timestamp,
            actor_id=self.actor_id,
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            object_title=self.object_title,
            data=self.data,
            key_id=self.key_id,
        )

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


class AuditHead(models.Model):
    """The chain's last sequence number and hash, kept apart from the entries so that deleting
    the newest entries is detected. One row (id 1), updated in the appending transaction; its
    row lock is what serialises appends on PostgreSQL."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # HMAC of (sequence, hash) under key_id (anchors.head_signature): moving the head back to
    # an earlier entry needs the key. Empty while the head is a legacy entry.
    key_id = models.CharField(max_length=32, blank=True, default="")
    signature = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"audit head #{self.sequence} {self.hash[:12]}"


class AuditAnchor(models.Model):
    """When ``audit anchor`` last wrote a signed head, and where to: only for the posture page
    and the operator's eye. The anchors that count are the ones in the sinks, outside this
    database; verification never trusts this table."""

    created_at = models.DateTimeField(db_index=True)
    sequence = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    sinks = models.JSONField(default=list)  # the sinks that took it
    failures = models.JSONField(default=list)  # "sink: error" for those that did not

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"anchor of #{self.sequence} at {self.created_at:%Y-%m-%d %H:%M}"
