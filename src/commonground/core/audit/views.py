"""The "Audit trail" admin report: newest first, searchable, filterable, exportable to CSV,
with the chain's status at the top. Only holders of ``core.view_audit_trail`` may open it."""

from typing import Any

import django_filters
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports.base import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import registry as log_action_registry

from .export import COLUMNS, csv_lines, stream_entries
from .models import AuditEntry
from .verification import ChainReport, verify_chain

VIEW_AUDIT_TRAIL = "core.view_audit_trail"
# Verifying reads the whole trail; a minute-old status is fresh enough for a glance and keeps
# the page fast on a long trail. `commonground audit verify` always recomputes.
CHAIN_STATUS_CACHE_KEY = "core.audit.chain_status"
CHAIN_STATUS_SECONDS = 60


def chain_status() -> ChainReport:
    report = cache.get(CHAIN_STATUS_CACHE_KEY)
    if not isinstance(report, ChainReport):
        report = verify_chain()
        cache.set(CHAIN_STATUS_CACHE_KEY, report, CHAIN_STATUS_SECONDS)
    return report


def _distinct(field: str) -> list[tuple[str, str]]:
    values = AuditEntry.objects.order_by(field).values_list(field, flat=True).distinct()
    return [(value, value) for value in values if value]


def _action_choices() -> list[tuple[str, str]]:
    labels = dict(log_action_registry.get_choices())
    return [
        (action, f"{labels.get(action, action)} ({action})") for action, _ in _distinct("action")
    ]


class AuditTrailFilterSet(WagtailFilterSet):
    timestamp = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=_action_choices)
    actor = django_filters.ChoiceFilter(label=_("User"), choices=lambda: _distinct("actor"))
    object_type = django_filters.ChoiceFilter(
        label=_("Object type"), choices=lambda: _distinct("object_type")
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []


class AuditTrailView(ReportView):
    model = AuditEntry
    page_title = _("Audit trail")
    header_icon = "history"
    template_name = "core/audit/audit_trail.html"
    results_template_name = "core/audit/audit_trail_results.html"
    index_url_name = "commonground_audit_trail"
    index_results_url_name = "commonground_audit_trail_results"
    filterset_class = AuditTrailFilterSet
    is_searchable = True
    search_fields = ["action", "actor", "object_title"]
    list_export = list(COLUMNS)
    export_filename = "audit-trail"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(VIEW_AUDIT_TRAIL):
            raise PermissionDenied
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_queryset(self) -> QuerySet[AuditEntry]:
        self.queryset = AuditEntry.objects.order_by("-sequence")
        entries: QuerySet[AuditEntry] = super().get_queryset()
        return entries

    def get_filtered_queryset(self) -> QuerySet[AuditEntry]:
        # BaseListingView.get_queryset() has filtered and searched already.
        return self.get_queryset()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["chain_status"] = chain_status()
        return context

    def as_spreadsheet(self, queryset: Any, spreadsheet_format: str) -> HttpResponseBase:
        # One export, the formula-safe CSV shared with `commonground audit export`, streamed
        # from the filtered queryset (Wagtail's own CSV writer does not escape formulas).
        entries = stream_entries(self.object_list.order_by("sequence"))
        response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv")
        stamp = timezone.now().strftime("%Y-%m-%d")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.export_filename}-{stamp}.csv"'
        )
        return response

    @cached_property
    def header_more_buttons(self) -> list[Button]:
        return [
            Button(
                _("Download CSV"),
                url=self.get_export_url(self.FORMAT_CSV),
                icon_name="download",
                priority=100,
            )
        ]


class AuditTrailMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(VIEW_AUDIT_TRAIL))
