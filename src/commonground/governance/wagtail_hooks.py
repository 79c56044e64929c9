"""Registers governance's admin pieces with Wagtail: the registry and questionnaire
viewsets, the Requests menu item with its count, the dashboard panel, the log actions, and
access security (the two-factor pages and account menu item, the security-posture page)."""

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem

from . import selectors, services, views
from .access import selectors as access_selectors
from .access import two_factor
from .access import views as access_views
from .panels import OpenRequestsPanel
from .viewsets import GovernanceViewSetGroup


@hooks.register("register_admin_viewset")
def register_governance_viewsets() -> GovernanceViewSetGroup:
    return GovernanceViewSetGroup()


@hooks.register("register_admin_urls")
def register_request_urls() -> list[URLPattern | URLResolver]:
    return list(views.urlpatterns)


@hooks.register("register_admin_urls")
def register_two_factor_urls() -> list[URLPattern | URLResolver]:
    return list(access_views.urlpatterns)


@hooks.register("register_account_menu_item")
def register_two_factor_account_item(request: HttpRequest) -> dict[str, str]:
    on = access_selectors.has_two_factor(request.user)
    return {
        "url": reverse("governance_two_factor"),
        "label": "Two-factor sign-in",
        "help_text": "On: your authenticator app is asked for after your password."
        if on
        else "Off: turn it on to ask for a code from your phone after your password.",
    }


class ITAdministratorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return access_selectors.is_it_administrator(request.user)


@hooks.register("register_governance_menu_item")
def register_security_posture_menu_item() -> MenuItem:
    return ITAdministratorMenuItem(
        "Security posture", reverse("governance_security_posture"), icon_name="key", order=50
    )


class RequestsMenuItem(MenuItem):
    """ "Requests", with the number of requests awaiting the signed-in user's action."""

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.VIEW_REQUESTS)

    def render_component(self, request: HttpRequest) -> LinkMenuItem:
        count = selectors.awaiting_action(request.user).count()
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItem(
            self.name,
            label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs={**self.attrs, "data-awaiting": str(count)},
        )


@hooks.register("register_admin_menu_item")
def register_requests_menu_item() -> MenuItem:
    return RequestsMenuItem(
        "Requests", reverse("governance_requests"), icon_name="tasks", order=165
    )


@hooks.register("construct_homepage_panels")
def add_open_requests_panel(request: HttpRequest, panels: list[Any]) -> None:
    if request.user.has_perm(services.VIEW_REQUESTS):
        panels.append(OpenRequestsPanel())


@hooks.register("register_log_actions")
def register_log_actions(actions: Any) -> None:
    actions.register_action(
        services.TECHNOLOGY_CREATE, "Add to registry", "Added a technology to the registry"
    )
    actions.register_action(
        services.TECHNOLOGY_UPDATE, "Change registry entry", "Changed a registry entry"
    )
    actions.register_action(
        services.REQUEST_SUBMIT, "Submit technology request", "Submitted a technology request"
    )
    actions.register_action(
        services.REQUEST_REVIEW, "Answer review questions", "Answered the review questionnaire"
    )
    actions.register_action(
        services.REQUEST_COMMENT, "Comment on request", "Commented on a technology request"
    )
    actions.register_action(
        services.REQUEST_APPROVE, "Approve technology", "Approved a technology request"
    )
    actions.register_action(
        services.REQUEST_REJECT, "Reject technology", "Rejected a technology request"
    )
    actions.register_action(
        two_factor.ENROL, "Turn on two-factor sign-in", "Turned on two-factor sign-in"
    )
    actions.register_action(
        two_factor.REMOVE, "Turn off two-factor sign-in", "Turned off two-factor sign-in"
    )
    actions.register_action(
        two_factor.RESET, "Reset two-factor sign-in", "IT reset two-factor sign-in"
    )
    actions.register_action(
        two_factor.RENEW_BACKUP_CODES, "Renew backup codes", "Made new two-factor backup codes"
    )
    actions.register_action(
        two_factor.VERIFY_FAIL, "Wrong two-factor code", "Entered a wrong two-factor code"
    )
