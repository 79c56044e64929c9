"""Registers review meetings' admin pieces with Wagtail (imported by alignment's
wagtail_hooks): the Meetings and Decision log menu items and the audit actions."""

from typing import Any

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services


@hooks.register("register_alignment_menu_item")
def register_meetings_menu_item() -> MenuItem:
    return MenuItem(
        "Meetings", reverse("alignment_reviews_series_index"), icon_name="date", order=400
    )


@hooks.register("register_alignment_menu_item")
def register_decision_log_menu_item() -> MenuItem:
    return MenuItem(
        "Decision log", reverse("alignment_reviews_decisions"), icon_name="list-ul", order=410
    )


@hooks.register("register_log_actions")
def register_log_actions(actions: Any) -> None:
    actions.register_action(
        services.SERIES_CREATE, "Plan meeting series", "Planned a review meeting series"
    )
    actions.register_action(
        services.SERIES_CHANGE, "Change meeting series", "Changed a review meeting series"
    )
    actions.register_action(services.MEETING_HOLD, "Hold meeting", "Held a review meeting")
    actions.register_action(
        services.MEETING_MINUTES, "Edit minutes", "Changed a review meeting's minutes"
    )
    actions.register_action(services.MEETING_CANCEL, "Cancel meeting", "Cancelled a review meeting")
    actions.register_action(
        services.DECISION_CREATE, "Log decision", "Added a decision to the decision log"
    )
    actions.register_action(services.ACTION_CREATE, "Add action", "Agreed an action")
    actions.register_action(services.ACTION_COMPLETE, "Complete action", "Marked an action done")
