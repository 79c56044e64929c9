"""Chains log entries the trail does not have yet, oldest first: the audit migration runs it
over the log entries written before the trail existed. Works on migration state (historical
models) and on the real models alike."""

import heapq
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef

from .chain import GENESIS_HASH, head_message
from .keys import AuditKey, current_key
from .services import MODEL, PAGE, snapshot_log_entry

_CHUNK = 1_000


def _unchained(apps: Any, model_name: str, source: str) -> Iterator[Any]:
    model = apps.get_model("wagtailcore", model_name)
    AuditEntry = apps.get_model("core", "AuditEntry")
    chained = AuditEntry._base_manager.filter(source=source, source_id=OuterRef("pk"))
    rows = model._base_manager.filter(~Exists(chained)).order_by("timestamp", "pk")
    for entry in rows.iterator(chunk_size=_CHUNK):
        entry.audit_source = source
        yield entry


def chain_existing_log_entries(apps: Any) -> int:
    """Appends every unchained page and model log entry in time order (page entries first on a
    tie, then by id); returns how many it chained."""
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditHead = apps.get_model("core", "AuditHead")
    ContentType = apps.get_model("contenttypes", "ContentType")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    username_field = get_user_model().USERNAME_FIELD
    object_types = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    merged = heapq.merge(
        _unchained(apps, "PageLogEntry", PAGE),
        _unchained(apps, "ModelLogEntry", MODEL),
        key=lambda entry: (entry.timestamp, entry.audit_source != PAGE, entry.pk),
    )
    with transaction.atomic():
        head, _ = AuditHead._base_manager.select_for_update().get_or_create(
            pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
        )
        chained = 0
        batch: list[Any] = []
        for entry in merged:
            batch.append(entry)
            if len(batch) == _CHUNK:
                chained += _append(batch, head, AuditEntry, User, username_field, object_types)
                batch = []
        chained += _append(batch, head, AuditEntry, User, username_field, object_types)
        update_fields = ["sequence", "hash"]
        if chained and _keyed(AuditHead):
            key = current_key()
            head.key_id = key.key_id
            head.signature = key.sign(
                head_message(sequence=head.sequence, entry_hash=head.hash, key_id=key.key_id)
            )
            update_fields += ["key_id", "signature"]
        head.save(update_fields=update_fields)
    return chained


def _keyed(model: Any) -> bool:
    """Whether ``model`` (perhaps migration state from before the key) has the key columns."""
    return any(field.name == "key_id" for field in model._meta.get_fields())


def _append(
    batch: list[Any],
    head: Any,
    AuditEntry: Any,  # a model class, real or from migration state
    User: Any,
    username_field: str,
    object_types: dict[int, str],
) -> int:
    user_ids = {entry.user_id for entry in batch if entry.user_id is not None}
    usernames = dict(User._base_manager.filter(pk__in=user_ids).values_list("pk", username_field))
    rows = []
    # Migration 0003's state has no key columns: what it chains is legacy (format 1, unkeyed),
    # as it predates the key. Chained later, entries are keyed like any other.
    key: AuditKey | None = current_key() if _keyed(AuditEntry) else None
    for entry in batch:
        snapshot = snapshot_log_entry(
            entry,
            source=entry.audit_source,
            username=usernames.get(entry.user_id),
            object_type=object_types.get(entry.content_type_id, ""),
        )
        content = replace(snapshot, sequence=head.sequence + 1, key_id=key.key_id if key else "")
        digest = content.hash(head.hash, key.secret if key else None)
        fields = (
            content.__dict__
            if key
            else {name: value for name, value in content.__dict__.items() if name != "key_id"}
        )
        rows.append(AuditEntry(**fields, previous_hash=head.hash, hash=digest))
        head.sequence, head.hash = content.sequence, digest
    # The plain base manager: the trail's own manager refuses bulk inserts from anywhere else.
    AuditEntry._base_manager.bulk_create(rows)
    return len(rows)
