"""Registers governance's admin pieces with Wagtail: the registry and questionnaire
viewsets, the Requests menu item with its count, the dashboard panel, the log actions."""

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem

from . import selectors, services, views
from .panels import OpenRequestsPanel
from .scan import SCAN_START
from .viewsets import GovernanceViewSetGroup


@hooks.register("register_admin_viewset")
def register_governance_viewsets() -> GovernanceViewSetGroup:
    return GovernanceViewSetGroup()


@hooks.register("register_admin_urls")
def register_request_urls() -> list[URLPattern | URLResolver]:
    return list(views.urlpatterns)


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
    actions.register_action(SCAN_START, "Start site scan", "Started a scan for third-party hosts")
