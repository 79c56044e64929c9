"""Registers the analytics app's admin pieces with Wagtail: the "Tracked sites" viewset and the
analytics dashboard (menu item, icon, URLs)."""

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .dashboard import urls as dashboard_urls
from .dashboard.views import VIEW_PERMISSION
from .views_admin import TrackedSiteViewSet


@hooks.register("register_admin_viewset")
def register_tracked_site_viewset() -> TrackedSiteViewSet:
    return TrackedSiteViewSet()


class _DashboardMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item() -> MenuItem:
    return _DashboardMenuItem(
        "Analytics", reverse("analytics_dashboard"), icon_name="analytics-chart", order=150
    )


@hooks.register("register_admin_urls")
def register_dashboard_urls() -> list[URLPattern | URLResolver]:
    return list(dashboard_urls.urlpatterns)


@hooks.register("register_icons")
def register_dashboard_icon(icons: list[Any]) -> list[Any]:
    return [*icons, "analytics/dashboard/icons/analytics-chart.svg"]
