"""Before and after values for audit entries, for every model, without touching the apps.

Wagtail logs an object after saving it, so the log entry alone cannot say what changed. The
trail therefore reads the row from the database just before it is first saved in a
transaction (``pre_save`` of any model and, in a person's change, of any child row: a registry
entry's hosts, a group's page permissions), and, when the log entry for that object arrives,
reads it again and keeps the fields that differ. A row's picture is its concrete fields, its
many-to-many fields (a user's groups, a group's permissions) and its child rows (reverse
foreign keys that cascade, as text), so widening an entry's hosts or adding a user to a group
shows up.

Secrets are never copied: a field whose name says password, token, secret, key, salt, seed
or OTP shows as ``"********"`` (and whether it changed). Long values are shortened.
"""

import contextvars
import datetime
import decimal
import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.signals import request_started
from django.db import connection, models, transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from wagtail.log_actions import get_active_log_context

from commonground.core.mail.email_digest import email_digest

MASK = "********"
MAX_TEXT = 500
MAX_CHILDREN = 200
_SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|token|secret|key|salt|seed|otp|totp|credentials?|api_?secret)s?($|_)",
    re.IGNORECASE,
)
# The tables that change on every request or are the trail's own: never pictured.
_NEVER = {
    "core.auditentry",
    "core.audithead",
    "core.auditanchor",
    "core.pagecacheentry",
    "wagtailcore.pagelogentry",
    "wagtailcore.modellogentry",
    "wagtailcore.revision",
    "wagtailcore.referenceindex",
    "sessions.session",
    "contenttypes.contenttype",
    "wagtailsearch.indexentry",
}
_NEVER_APPS = {"django_tasks_db", "wagtailsearch", "admin"}

Picture = dict[str, Any]
_pending: contextvars.ContextVar[dict[tuple[str, str], Picture] | None] = contextvars.ContextVar(
    "audit_pending_pictures", default=None
)
_MOST_PENDING = 500


# A person's address, name or phone: the trail cannot be erased, so a data-subject erasure
# would leave them behind. Addresses are kept as their keyed digest (core.mail.email_digest,
# what the data-subject search looks for), the rest only as "changed".
_PERSONAL_NAME = re.compile(
    r"(^|_)(e?mail|email_address|username|first_name|last_name|full_name|phone)($|_)",
    re.IGNORECASE,
)
_EMAIL_NAME = re.compile(r"(^|_)e?mail($|_)", re.IGNORECASE)


def is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def is_personal(name: str) -> bool:
    return bool(_PERSONAL_NAME.search(name))


def _pictured(model: type[models.Model]) -> bool:
    label = model._meta.label_lower
    skipped = set(getattr(settings, "AUDIT_CHANGES_SKIP_MODELS", ()))
    return not (
        label in _NEVER
        or label in skipped
        or model._meta.app_label in _NEVER_APPS
        or model._meta.app_label in skipped
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    text = str(value)
    if len(text) > MAX_TEXT:
        return f"{text[:MAX_TEXT]}… ({len(text)} characters)"
    return text


def _field_value(field: models.Field[Any, Any], row: models.Model) -> Any:
    value = field.value_from_object(row)
    plain = str | int | float | bool | list | dict | datetime.date | decimal.Decimal | uuid.UUID
    if value is not None and not isinstance(value, plain):
        value = field.value_to_string(row)
    return _plain(value)


def _is_page(model: type[models.Model]) -> bool:
    from wagtail.models import Page

    return issubclass(model, Page)


def picture(row: models.Model) -> Picture:
    """What the trail compares of ``row``: field name -> a JSON value."""
    opts = row._meta
    values: Picture = {}
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False):
            continue  # "updated at": changes on every save, says nothing
        values[field.attname] = _field_value(field, row)
    for m2m in opts.many_to_many:
        related = getattr(row, m2m.name).all()
        values[m2m.name] = sorted(str(item) for item in related[:MAX_CHILDREN])
    if not _is_page(type(row)):  # a page's content lives in its revisions
        for relation in opts.related_objects:
            if not (relation.one_to_many and relation.on_delete is models.CASCADE):
                continue
            child_model = relation.related_model
            if not isinstance(child_model, type) or not _pictured(child_model):
                continue
            accessor = relation.get_accessor_name()
            if accessor is None:
                continue
            children = getattr(row, accessor).all()[:MAX_CHILDREN]
            values[accessor] = sorted(str(child) for child in children)
    return values


def _key(model: type[models.Model], pk: Any) -> tuple[str, str]:
    concrete = model._meta.concrete_model or model
    return (concrete._meta.label_lower, str(pk))


def _remember(model: type[models.Model], pk: Any) -> None:
    pending = _pending.get()
    if pending is None:
        pending = {}
        _pending.set(pending)
    key = _key(model, pk)
    if key in pending:
        return  # the first picture in a transaction is the "before"
    row = model._base_manager.filter(pk=pk).first()
    if row is None:
        return
    if len(pending) >= _MOST_PENDING:
        pending.pop(next(iter(pending)))
    pending[key] = picture(row)
    if connection.in_atomic_block:
        transaction.on_commit(forget_pending)


def forget_pending(**kwargs: Any) -> None:
    _pending.set(None)


# A picture taken outside a transaction and never logged must not be a later request's
# "before" (server threads live on from request to request).
request_started.connect(forget_pending, dispatch_uid="audit_changes_forget_pending")


def _parents(row: models.Model) -> list[tuple[type[models.Model], Any]]:
    """The rows ``row`` is a child of (a cascading foreign key), whose picture it is part of."""
    parents = []
    for field in row._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.remote_field.on_delete is models.CASCADE:
            parent_id = getattr(row, field.attname)
            parent_model = field.related_model
            if parent_id is not None and isinstance(parent_model, type):
                parents.append((parent_model, parent_id))
    return parents


@receiver(pre_save, dispatch_uid="audit_changes_pre_save")
def _pre_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _pictured(sender):
        return
    if instance.pk is not None and not instance._state.adding:
        _remember(sender, instance.pk)
    # A child row's parent is pictured only for a person's change (Wagtail's log context names
    # a user in the admin): a public endpoint's rows (a CSP report under a site) must not
    # make every request read the parent and its children.
    if get_active_log_context().user is None:
        return
    for parent_model, parent_id in _parents(instance):
        if _pictured(parent_model) and not _is_page(parent_model):
            _remember(parent_model, parent_id)


def _current(content_type_id: int | None, object_id: str) -> tuple[type[models.Model], Any] | None:
    if content_type_id is None or not object_id:
        return None
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return None
    if model is None or not _pictured(model):
        return None
    return model, model._base_manager.filter(pk=object_id).first()


def _masked(name: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if is_secret(name):
        return MASK
    if is_personal(name):
        if _EMAIL_NAME.search(name) and isinstance(value, str):
            return f"digest:{email_digest(value)}"
        return MASK
    return value


def _diff(before: Picture, after: Picture) -> dict[str, dict[str, Any]]:
    changes = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        change = {"before": _masked(name, old), "after": _masked(name, new)}
        if is_secret(name) or is_personal(name):
            change["changed"] = True
        changes[name] = change
    return changes


def _filled(values: Picture) -> Picture:
    return {name: value for name, value in values.items() if value not in (None, "", [], {})}


def changes_for(*, action: str, content_type_id: int | None, object_id: str) -> dict[str, Any]:
    """The changed fields of the object a just-written log entry is about: every filled field
    for a creation, every field for a deletion, the differences from the row's picture before
    its first save in this transaction otherwise ({} when there is nothing to compare)."""
    found = _current(content_type_id, object_id)
    if found is None:
        return {}
    model, row = found
    pending = _pending.get() or {}
    before = pending.pop(_key(model, object_id), None)
    if row is None:
        return _diff(_filled(before), {}) if before is not None else {}
    after = picture(row)
    if action.endswith(".create"):
        return _diff({}, _filled(after))
    if action.endswith(".delete"):
        return _diff(_filled(after), {})
    if before is None:
        return {}
    return _diff(before, after)
