"""Registers budget's admin pieces with Wagtail (imported by alignment's wagtail_hooks): the
"Budget" menu item and the audit actions."""

from typing import Any

from django.urls import reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import actuals_import, services


@hooks.register("register_alignment_menu_item")
def register_budget_menu_item() -> MenuItem:
    return MenuItem(
        "Budget",
        reverse_lazy("alignment_budget_index"),
        icon_name="table",
        name="budget",
        order=200,
    )


@hooks.register("register_log_actions")
def register_budget_log_actions(actions: Any) -> None:
    for action, label, message in (
        (services.LINE_PLAN, "Plan budget line", "Planned a budget line"),
        (services.ACTUAL_ENTER, "Enter actual", "Entered an actual on a budget line"),
        (actuals_import.ACTUALS_UPLOAD, "Upload finance CSV", "Uploaded a finance CSV to preview"),
        (actuals_import.ACTUALS_IMPORT, "Import actuals", "Imported actuals from a finance CSV"),
        (
            actuals_import.ACTUALS_DISCARD,
            "Discard finance CSV",
            "Discarded a finance CSV unimported",
        ),
        (services.CAMPAIGN_CREATE, "Add campaign", "Added a campaign"),
        (services.REALLOCATION_PROPOSE, "Propose reallocation", "Proposed moving budget"),
        (services.REALLOCATION_ACCEPT, "Accept reallocation", "Accepted moving budget"),
        (services.REALLOCATION_REJECT, "Reject reallocation", "Rejected moving budget"),
        (services.REALLOCATION_WITHDRAW, "Withdraw reallocation", "Withdrew a reallocation"),
        (services.CASE_OPEN, "Open business case", "Opened a business case"),
        (services.CASE_ESTIMATE, "Estimate business case", "Estimated a business case"),
    ):
        actions.register_action(action, label, message)
