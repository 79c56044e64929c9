"""Writes to the audit trail. ``append`` is the one function every audit entry goes through
(``record_log_entry`` for Wagtail's log entries, ``record_event`` for what the trail records
itself: sign-ins, membership changes); it runs inside the caller's transaction, so the entry
commits or rolls back with the change it records, and is keyed with the current AUDIT_KEY."""

import logging
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from wagtail.log_actions import get_active_log_context
from wagtail.users.utils import get_deleted_user_display_name

from .chain import GENESIS_HASH, SYSTEM_ACTOR, EntryContent, canonical_data, head_message
from .changes import changes_for
from .keys import current_key
from .log_stream import emit_entry
from .models import AuditEntry, AuditHead

PAGE = AuditEntry.Source.PAGE.value
MODEL = AuditEntry.Source.MODEL.value
EVENT = AuditEntry.Source.EVENT.value
logger = logging.getLogger(__name__)


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
    """Appends the audit entry for a just-saved Wagtail log entry, with the fields that
    changed (before and after, secrets masked) added to its data under ``changes``."""
    snapshot = snapshot_log_entry(
        entry,
        source=source,
        username=_username(entry),
        object_type=_object_type(entry.content_type_id),
    )
    try:
        changes = changes_for(
            action=entry.action,
            content_type_id=entry.content_type_id,
            object_id=snapshot.object_id,
        )
    except Exception:
        # A picture that cannot be taken must not lose the entry (or the change) itself.
        logger.exception("audit: could not read the changes of %s", entry.action)
        changes = {"error": "the changed fields could not be read"}
    if changes:
        data = entry.data if isinstance(entry.data, dict) else {"data": entry.data}
        snapshot = replace(snapshot, data=canonical_data({**data, "changes": changes}))
    return append(snapshot)


def _actor(user: Any) -> tuple[str | None, str]:
    if user is None:
        user = get_active_log_context().user
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None, SYSTEM_ACTOR
    return str(user.pk), str(user.get_username())


def record_event(
    *,
    action: str,
    instance: models.Model | None = None,
    user: Any = None,
    data: dict[str, Any] | None = None,
    title: str = "",
) -> AuditEntry:
    """Appends an entry the trail writes itself (no Wagtail log entry behind it): ``action``
    about ``instance`` (or nothing), by ``user`` (default: whoever Wagtail's log context
    names, else the system)."""
    actor_id, actor = _actor(user)
    object_type = object_id = ""
    if instance is not None:
        object_type = instance._meta.label_lower
        object_id = "" if instance.pk is None else str(instance.pk)
        title = title or str(instance)
    snapshot = EntryContent(
        sequence=0,
        source=EVENT,
        source_id=0,  # the sequence, set by append
        timestamp=timezone.now(),
        actor_id=actor_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_title=title[:1000],
        data=canonical_data(data or {}),
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


def sign_head(head: AuditHead) -> None:
    key = current_key()
    head.key_id = key.key_id
    head.signature = key.sign(
        head_message(sequence=head.sequence, entry_hash=head.hash, key_id=key.key_id)
    )


def append(snapshot: EntryContent) -> AuditEntry:
    key = current_key()
    with transaction.atomic():
        head = _locked_head()
        sequence = head.sequence + 1
        content = replace(
            snapshot,
            sequence=sequence,
            key_id=key.key_id,
            source_id=sequence if snapshot.source == EVENT else snapshot.source_id,
        )
        entry = AuditEntry(
            **content.__dict__,
            previous_hash=head.hash,
            hash=content.hash(head.hash, key.secret),
        )
        entry.save(force_insert=True)
        head.sequence, head.hash = entry.sequence, entry.hash
        sign_head(head)
        head.save(update_fields=["sequence", "hash", "key_id", "signature"])
        # On the log stream once it is committed: a rolled-back change never reaches the SIEM.
        transaction.on_commit(lambda: emit_entry(entry))
    return entry
