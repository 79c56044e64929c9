"""Registers distribution's admin pieces with Wagtail: the newsletter menu, the delivery
view, the Distribute tab's script, the log actions."""

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views
from .imports import views as imports_views
from .newsletter import preview as newsletter_preview
from .newsletter.viewsets import NewsletterViewSetGroup
from .plan import limits_script
from .webhooks.views import (
    WebhookSubscriptionViewSet,
    register_webhook_log_actions,
    webhook_viewset,
)


@hooks.register("register_admin_viewset")
def register_newsletter_viewsets() -> NewsletterViewSetGroup:
    return NewsletterViewSetGroup()


@hooks.register("register_admin_viewset")
def register_webhook_viewset() -> WebhookSubscriptionViewSet:
    return webhook_viewset


hooks.register("register_log_actions", register_webhook_log_actions)
hooks.register("register_log_actions", imports_views.register_import_log_actions)


@hooks.register("register_admin_urls")
def register_subscriber_import_urls() -> list[URLPattern | URLResolver]:
    return list(imports_views.admin_urlpatterns())


class _DeliveriesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(views.VIEW)


@hooks.register("register_admin_menu_item")
def register_deliveries_menu_item() -> MenuItem:
    return _DeliveriesMenuItem(
        "Deliveries", reverse("distribution_dispatches"), icon_name="mail", order=155
    )


@hooks.register("register_admin_urls")
def register_delivery_urls() -> list[URLPattern | URLResolver]:
    return list(views.urlpatterns)


@hooks.register("insert_editor_js")
def distribute_tab_script() -> str:
    return limits_script() + format_html(
        '<script defer src="{}"></script>', static("distribution/plan.js")
    )


@hooks.register("register_log_actions")
def register_log_actions(actions: Any) -> None:
    actions.register_action("distribution.dispatch.pause", "Pause delivery", "Paused a delivery")
    actions.register_action("distribution.dispatch.resume", "Resume delivery", "Resumed a delivery")
    actions.register_action(
        "distribution.dispatch.retry_failed", "Retry failed", "Queued failed deliveries again"
    )


@hooks.register("register_admin_urls")
def register_newsletter_preview_urls() -> list[URLPattern | URLResolver]:
    return list(newsletter_preview.urlpatterns)


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions: Any) -> None:
    actions.register_action(
        "distribution.newsletter.test_send", "Newsletter test", "Sent a newsletter test"
    )


@hooks.register("register_page_header_buttons")
def newsletter_preview_button(page: Any, user: Any, view_name: str, next_url: Any = None) -> Any:
    from wagtail.admin.widgets import Button

    if page.permissions_for_user(user).can_edit():
        yield Button(
            "Preview and test send the newsletter",
            reverse("newsletter_preview", args=[page.pk]),
            icon_name="mail",
            priority=60,
        )
