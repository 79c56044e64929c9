"""Registers alignment with Wagtail: its admin URLs, the Alignment menu, and each area's pieces
(``<area>/hooks.py``: menu items, panels, log actions)."""

from django.urls import URLResolver, include, path
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from .budget import hooks as budget_hooks  # noqa: F401
from .glossary import hooks as glossary_hooks  # noqa: F401
from .pulse import hooks as pulse_hooks  # noqa: F401
from .reviews import hooks as reviews_hooks  # noqa: F401
from .scorecard import hooks as scorecard_hooks  # noqa: F401

MENU_HOOK = "register_alignment_menu_item"


@hooks.register("register_admin_urls")
def register_alignment_urls() -> list[URLResolver]:
    return [path("alignment/", include("commonground.alignment.urls"))]


@hooks.register("register_admin_menu_item")
def register_alignment_menu() -> SubmenuMenuItem:
    return SubmenuMenuItem(
        "Alignment",
        Menu(register_hook_name=MENU_HOOK),
        icon_name="group",
        name="alignment",
        order=250,
    )
