"""Registers glossary's admin pieces with Wagtail (imported by alignment's wagtail_hooks):
the Glossary menu item and the audit actions."""

from typing import Any

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services


@hooks.register("register_alignment_menu_item")
def register_glossary_menu_item() -> MenuItem:
    return MenuItem(
        "Glossary", reverse("alignment_glossary_index"), icon_name="openquote", order=300
    )


@hooks.register("register_log_actions")
def register_glossary_log_actions(actions: Any) -> None:
    actions.register_action(
        services.PROPOSE, "Propose glossary change", "Proposed a glossary change"
    )
    actions.register_action(services.ACCEPT, "Accept glossary change", "Accepted a glossary change")
    actions.register_action(services.REJECT, "Reject glossary change", "Rejected a glossary change")
    actions.register_action(
        services.WITHDRAW, "Withdraw glossary change", "Withdrew a glossary change"
    )
