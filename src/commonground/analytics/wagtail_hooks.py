"""Registers the analytics app's admin pieces with Wagtail: the "Tracked sites" viewset, the
analytics dashboard (menu item, icon, URLs) and the Stats API keys (viewset, policy).
"""

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from .admin.goals import GoalViewSet, SegmentViewSet
from .admin.reports import WeeklyReportsPanel
from .admin.sites import TrackedSiteViewSet
from .dashboard import urls as dashboard_urls
from .ingest.staff_marker import marker_url
from .models import VIEW_ANALYTICS, StatsApiKey
from .reports.page_panel import page_analytics_view
from .stats_api.keys import CREATE_REFUSED
from .stats_api.permissions import ApiKeyPermissionPolicy
from .stats_api.viewsets import ApiKeyViewSet

# The API keys' own policy, registered before anything asks for the model's default one.
register_permission_policy(StatsApiKey, ApiKeyPermissionPolicy())


@hooks.register("register_admin_viewset")
def register_tracked_site_viewset() -> TrackedSiteViewSet:
    return TrackedSiteViewSet()


class _DashboardMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_ANALYTICS)


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


@hooks.register("register_admin_viewset")
def register_api_key_viewset() -> ApiKeyViewSet:
    return ApiKeyViewSet()


# Goals, segments, the page editor's analytics panel and the weekly-report settings (issue 4).
@hooks.register("register_admin_viewset")
def register_goal_and_segment_viewsets() -> list[GoalViewSet | SegmentViewSet]:
    return [GoalViewSet(), SegmentViewSet()]


@hooks.register("register_admin_urls")
def register_page_panel_urls() -> list[URLPattern]:
    return [path("analytics/page/<id:page_id>/", page_analytics_view, name="analytics_page_panel")]


@hooks.register("register_account_settings_panel")
def register_weekly_reports_panel(request: HttpRequest, user: Any, profile: Any) -> Any:
    return WeeklyReportsPanel(request, user, profile)


@hooks.register("register_log_actions")
def register_api_key_log_actions(actions: Any) -> None:
    actions.register_action(
        CREATE_REFUSED, "Stats API key refused", "Was refused creating a Stats API key"
    )


# Staff are not visitors: every admin page marks its browser on the public site (issue 15).
@hooks.register("insert_global_admin_js")
def staff_marker_js() -> str:
    return format_html(
        '<script defer src="{}" data-marker-url="{}"></script>',
        static("analytics/staff_marker_admin.js"),
        marker_url(),
    )
