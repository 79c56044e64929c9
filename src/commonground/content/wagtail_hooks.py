"""Registers the content app's admin pieces with Wagtail: the "Content overview" report."""

from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .reports import ContentOverviewMenuItem, ContentOverviewView


@hooks.register("register_admin_urls")
def register_content_overview_urls() -> list[URLPattern]:
    return [
        path(
            "reports/content-overview/",
            ContentOverviewView.as_view(),
            name="commonground_content_overview",
        ),
        path(
            "reports/content-overview/results/",
            ContentOverviewView.as_view(results_only=True),
            name="commonground_content_overview_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_content_overview_menu_item() -> ContentOverviewMenuItem:
    return ContentOverviewMenuItem(
        _("Content overview"),
        reverse("commonground_content_overview"),
        name="content-overview",
        icon_name="doc-full-inverse",
        # Before Wagtail's own reports (700 and up): it is the one every role can open.
        order=600,
    )
