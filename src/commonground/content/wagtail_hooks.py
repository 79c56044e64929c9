"""Registers the content app's admin pieces with Wagtail: the "Content overview" report, the
content calendar and the editor's publishing behaviour."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.models import Page

from .editor import calendar, publishing
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


@hooks.register("before_create_page")
def continue_an_autosaved_page(
    request: HttpRequest, parent_page: Page, page_class: type[Page]
) -> HttpResponse | None:
    # A second POST of the same create form (sent while its autosave was on the way back)
    # goes on with the page the first one made, instead of failing on the slug it took.
    page = publishing.page_created_by_this_form(request)
    return publishing.continue_in_edit_view(request, page) if page is not None else None


@hooks.register("after_create_page")
def remember_the_created_page(request: HttpRequest, page: Page) -> None:
    publishing.remember_created_page(request, page)


@hooks.register("construct_page_action_menu")
def approve_as_primary_action(menu_items: list[Any], request: HttpRequest, context: Any) -> None:
    publishing.approve_first(menu_items, request, context)


@hooks.register("insert_editor_js")
def publishing_js() -> str:
    return publishing.editor_script(static("content/admin/publishing.js"))


@hooks.register("insert_editor_css")
def publishing_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("content/admin/publishing.css"))


@hooks.register("register_admin_urls")
def register_calendar_urls() -> list[URLPattern]:
    return [path("calendar/", calendar.CalendarView.as_view(), name="commonground_calendar")]


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item() -> calendar.CalendarMenuItem:
    return calendar.CalendarMenuItem(
        _("Calendar"),
        reverse("commonground_calendar"),
        name="calendar",
        icon_name="calendar-alt",
        order=160,
    )
