"""The "Content overview" admin report: every page, read-only, for every role with admin access."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import ContentTypeFilter, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports.base import PageReportView
from wagtail.contrib.forms.models import FormSubmission
from wagtail.contrib.forms.utils import get_form_types
from wagtail.coreutils import get_content_type_label
from wagtail.models import Page, get_page_content_types

ACCESS_ADMIN = "wagtailadmin.access_admin"


class ContentOverviewFilterSet(WagtailFilterSet):
    content_type = ContentTypeFilter(
        label=_("Type"),
        queryset=lambda request: get_page_content_types(include_base_page_type=False),
    )

    class Meta:
        model = Page
        fields = ["live", "content_type"]


class ContentOverviewView(PageReportView):
    """Lists the whole page tree; Wagtail has no "view page" permission, so this is the Viewer's
    window onto the content. It offers no actions: the only links are to the live page and,
    for users who may edit a page, to its editor."""

    results_template_name = "content_admin/content_overview_results.html"
    page_title = _("Content overview")
    header_icon = "doc-full-inverse"
    filterset_class = ContentOverviewFilterSet
    index_url_name = "commonground_content_overview"
    index_results_url_name = "commonground_content_overview_results"
    export_filename = "content-overview"
    export_headings = {
        "title": _("Title"),
        "content_type": _("Type"),
        "status_string": _("Status"),
        "latest_revision_created_at": _("Last updated"),
        "last_published_at": _("Last published"),
        "live_url": _("Live URL"),
    }
    list_export = [
        "title",
        "content_type",
        "status_string",
        "latest_revision_created_at",
        "last_published_at",
        "live_url",
    ]
    # Export the type's human label ("Standard page"), not the ContentType's repr.
    custom_field_preprocess = {
        "content_type": {
            PageReportView.FORMAT_CSV: get_content_type_label,
            PageReportView.FORMAT_XLSX: get_content_type_label,
        }
    }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Wagtail's admin URLconf already demands access_admin; checking again keeps the view
        # safe if it is ever mounted elsewhere, since the report asks for no page permission.
        if not request.user.has_perm(ACCESS_ADMIN):
            raise PermissionDenied
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_queryset(self) -> QuerySet[Page]:
        # The tree root is Wagtail's internal anchor, not content anyone wrote.
        self.queryset = (
            Page.objects.filter(depth__gt=1)
            .select_related("content_type", "locale")
            # Both feed status_string: "in moderation" and "scheduled" without a query per row.
            .prefetch_workflow_states()
            .annotate_approved_schedule()
            .order_by("path")
        )
        pages: QuerySet[Any] = super().get_queryset()
        return pages

    def decorate_paginated_queryset(self, object_list: Iterable[Page]) -> list[Page]:
        pages = list(object_list)
        user = self.request.user
        # Submission counts, never contents: the Viewer's view of the forms (issue 15, point 5).
        form_types = {content_type.pk for content_type in get_form_types()}
        counts = dict(
            FormSubmission.objects.filter(page__in=[p.pk for p in pages])
            .values_list("page")
            .annotate(n=Count("pk"))
            .values_list("page", "n")
        )
        for page in pages:
            page.submission_count = (
                counts.get(page.pk, 0) if page.content_type_id in form_types else None
            )
            url = page.get_url(request=self.request) if page.live else None
            page.live_url = self.request.build_absolute_uri(url) if url else ""
            page.can_edit = page.permissions_for_user(user).can_edit()
        return pages


class ContentOverviewMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(ACCESS_ADMIN))
