"""Writes to the audit trail. ``record_log_entry`` is the one function every audit entry goes
through; it runs inside the caller's transaction, so the entry commits or rolls back with the
change it records."""

from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.users.utils import get_deleted_user_display_name

from .chain import GENESIS_HASH, SYSTEM_ACTOR, EntryContent, canonical_data
from .models import AuditEntry, AuditHead

PAGE = AuditEntry.Source.PAGE.value
MODEL = AuditEntry.Source.MODEL.value


def snapshot_log_entry(
    entry: Any, *, source: str, username: str | None, object_type: str
) -> EntryContent:
    """What the trail keeps of ``entry`` (a PageLogEntry or ModelLogEntry, real or historical
    model), at sequence 0 until ``append`` places it; ``username`` is the actor's username,
    None when the entry has a user id but the user is gone."""
    object_id = entry.page_id if source == PAGE else entry.object_id
    user_id = entry.user_id
    if user_id is None:
        actor = SYSTEM_ACTOR
    else:
        actor = username if username is not None else str(get_deleted_user_display_name(user_id))
    return EntryContent(
        sequence=0,
        source=source,
        source_id=entry.pk,
        timestamp=entry.timestamp,
        actor_id=None if user_id is None else str(user_id),
        actor=actor,
        action=entry.action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        object_title=entry.label or "",
        data=canonical_data(entry.data),
    )


def _username(entry: Any) -> str | None:
    if entry.user_id is None:
        return None
    # The log call usually passed the user object, cached on the entry: no query then.
    cached = entry._state.fields_cache.get("user")
    if cached is not None:
        return str(cached.get_username())
    user = get_user_model()._default_manager.filter(pk=entry.user_id).first()
    return None if user is None else str(user.get_username())


def _object_type(content_type_id: int | None) -> str:
    if content_type_id is None:
        return ""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        return ""
    return f"{content_type.app_label}.{content_type.model}"


def record_log_entry(entry: Any, *, source: str) -> AuditEntry:
    """Appends the audit entry for a just-saved Wagtail log entry."""
    snapshot = snapshot_log_entry(
        entry,
        source=source,
        username=_username(entry),
        object_type=_object_type(entry.content_type_id),
    )
    return append(snapshot)


def _locked_head() -> AuditHead:
    # PostgreSQL: the head's row lock serialises appenders, so two processes cannot both
    # extend the same head. SQLite: the settings' IMMEDIATE transactions (and the log entry
    # this transaction has already written) hold the database's write lock, so the head is
    # read under it. Either way the head is read inside the writing transaction.
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # No head row (a flushed test database): start it from the newest entry, if any.
    last = AuditEntry.objects.order_by("-sequence").first()
    head = AuditHead(
        pk=1,
        sequence=last.sequence if last else 0,
        hash=last.hash if last else GENESIS_HASH,
    )
    head.save(force_insert=True)
    return head


def append(snapshot: EntryContent) -> AuditEntry:
    with transaction.atomic():
        head = _locked_head()
        content = replace(snapshot, sequence=head.sequence + 1)
        entry = AuditEntry(
            **content.__dict__, previous_hash=head.hash, hash=content.hash(head.hash)
        )
        entry.save(force_insert=True)
        head.sequence, head.hash = entry.sequence, entry.hash
        head.save(update_fields=["sequence", "hash"])
    return entry
