"""Registers pulse's admin pieces with Wagtail (imported by alignment's wagtail_hooks): the
Pulse menu item and the audit actions."""

from typing import Any

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services


@hooks.register("register_alignment_menu_item")
def register_pulse_menu_item() -> MenuItem:
    return MenuItem(
        "Relationship pulse",
        reverse("alignment_pulse_index"),
        icon_name="clipboard-list",
        order=500,
    )


@hooks.register("register_log_actions")
def register_pulse_log_actions(actions: Any) -> None:
    actions.register_action(services.ROUND_OPEN, "Open pulse round", "Opened a pulse round")
    actions.register_action(services.ROUND_CLOSE, "Close pulse round", "Closed a pulse round")
    # The entry says that an answer was counted, never what it was.
    actions.register_action(services.ANSWER_RECORD, "Pulse answer", "A pulse answer was recorded")
