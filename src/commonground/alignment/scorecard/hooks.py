"""Registers the scorecard's admin pieces with Wagtail: its menu items, log actions and the
stylesheet every alignment page shares (imported by alignment's wagtail_hooks)."""

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services
from .panels import CommonGroundPanel


@hooks.register("register_alignment_menu_item")
def register_scorecard_menu_item() -> MenuItem:
    return MenuItem("Scorecard", reverse("alignment_scorecard"), icon_name="tasks", order=10)


@hooks.register("register_alignment_menu_item")
def register_catalogue_menu_item() -> MenuItem:
    return MenuItem("Metric catalogue", reverse("alignment_metrics"), icon_name="list-ul", order=90)


@hooks.register("insert_global_admin_css")
def alignment_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("alignment/alignment.css"))


@hooks.register("register_log_actions")
def register_scorecard_log_actions(actions: Any) -> None:
    for action, label, message in (
        (services.GOAL_CREATE, "Create goal", "Created a goal"),
        (services.GOAL_CHANGE, "Change goal", "Changed a goal"),
        (services.GOAL_ARCHIVE, "Archive goal", "Archived a goal"),
        (services.GOAL_PROPOSE, "Propose joint goal", "Proposed a joint goal or a change to one"),
        (services.GOAL_ACCEPT, "Accept joint goal", "Accepted the other lead's proposal"),
        (services.GOAL_REJECT, "Reject joint goal", "Rejected the other lead's proposal"),
        (services.GOAL_WITHDRAW, "Withdraw proposal", "Withdrew a proposal"),
        (services.CHECK_IN, "Record check-in", "Recorded a manual check-in"),
    ):
        actions.register_action(action, label, message)


@hooks.register("construct_homepage_panels")
def add_common_ground_panel(request: Any, panels: list[Any]) -> None:
    panels.insert(0, CommonGroundPanel())
