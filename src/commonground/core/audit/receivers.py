"""Connects Wagtail's two log entry models to the audit trail: every log entry, whichever
code path wrote it (generic admin views, page actions, ``wagtail.log_actions.log``), is a
``post_save`` of one of them, inside the writer's transaction."""

from typing import Any

from django.db.models.signals import post_save

from . import services

PAGE_LOG_ENTRY = "wagtailcore.PageLogEntry"
MODEL_LOG_ENTRY = "wagtailcore.ModelLogEntry"


def _page_log_entry_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        services.record_log_entry(instance, source=services.PAGE)


def _model_log_entry_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        services.record_log_entry(instance, source=services.MODEL)


def connect() -> None:
    # The before-and-after pictures (pre_save of any model), the trail's own events and the
    # system check that warns about the development key.
    from . import auth_events, changes, checks  # noqa: F401

    auth_events.connect()
    post_save.connect(
        _page_log_entry_saved, sender=PAGE_LOG_ENTRY, dispatch_uid="audit_page_log_entry"
    )
    post_save.connect(
        _model_log_entry_saved, sender=MODEL_LOG_ENTRY, dispatch_uid="audit_model_log_entry"
    )
