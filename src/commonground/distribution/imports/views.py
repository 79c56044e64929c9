"""The subscriber import in the Wagtail admin (Newsletter menu): the upload form, the progress
page with its JSON endpoint, the error report as CSV, past imports; and their log actions.

Wagtail's model permissions decide: "view" sees imports, their progress and reports (personal
data), "add" uploads and resumes them. The URLs are mounted under /admin/ by
the ``register_admin_urls`` hook, which adds Wagtail's admin login check.
"""

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.log_actions import LogActionRegistry, LogFormatter

from ..newsletter.models import MailingList
from . import selectors, services
from .forms import SubscriberImportForm
from .models import ADD_IMPORT, VIEW_IMPORTS, SubscriberImport

TITLE = "Subscriber imports"
ICON = "upload"


def register_import_log_actions(actions: LogActionRegistry) -> None:
    """For the ``register_log_actions`` hook: how import audit entries read in the admin."""

    @actions.register_action(services.IMPORT_STARTED)
    class _Started(LogFormatter):
        label = "Import subscribers"

        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            mode = SubscriberImport.ConsentMode(data.get("consent_mode", "double_opt_in"))
            return (
                f"Started importing {data.get('rows', '?')} rows of “{data.get('file', '')}”"
                f" into “{data.get('list', '')}”: {mode.label.lower()}"
            )

    @actions.register_action(services.IMPORT_FINISHED)
    class _Finished(LogFormatter):
        label = "Finish subscriber import"

        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            return (
                f"Subscriber import finished: {data.get('created', 0)} created,"
                f" {data.get('updated', 0)} updated, {data.get('skipped', 0)} skipped,"
                f" {data.get('failed', 0)} failed"
            )

    @actions.register_action(services.IMPORT_FAILED)
    class _Failed(LogFormatter):
        label = "Subscriber import failed"

        def format_message(self, log_entry: Any) -> str:
            return f"Subscriber import failed: {(log_entry.data or {}).get('error', '')}"

    actions.register_action(
        services.IMPORT_RESUMED, "Resume subscriber import", "Resumed a subscriber import"
    )


class _ImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_IMPORTS)


def menu_item(order: int | None = None) -> MenuItem:
    """The "Import subscribers" menu item, shown to those who may see imports."""
    return _ImportMenuItem(
        "Import subscribers",
        reverse("distribution_imports_index"),
        name="subscriber-imports",
        icon_name=ICON,
        order=1000 if order is None else order,
    )


class SubscriberImportViewSet(ViewSet):
    """Only the menu item, for a ``ViewSetGroup``'s ``items`` (the "Newsletter" menu); the
    views are in ``admin_urlpatterns()``, registered with ``register_admin_urls``."""

    name = "distribution_imports"
    menu_label = "Import subscribers"
    icon = ICON

    def get_menu_item(self, order: int | None = None) -> MenuItem:
        return menu_item(order=self.get_menu_item_order(order))


def admin_urlpatterns() -> list[URLPattern]:
    return [
        path("newsletter/imports/", import_index, name="distribution_imports_index"),
        path("newsletter/imports/new/", import_new, name="distribution_imports_new"),
        path("newsletter/imports/<id:pk>/", import_detail, name="distribution_imports_detail"),
        path(
            "newsletter/imports/<id:pk>/progress/",
            import_progress,
            name="distribution_imports_progress",
        ),
        path(
            "newsletter/imports/<id:pk>/report.csv",
            import_report,
            name="distribution_imports_report",
        ),
        path(
            "newsletter/imports/<id:pk>/resume/",
            import_resume,
            name="distribution_imports_resume",
        ),
    ]


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _page(title: str, *trail: tuple[str, str]) -> dict[str, Any]:
    """What wagtailadmin/generic/base.html needs for its header and breadcrumbs."""
    items = [{"url": reverse("wagtailadmin_home"), "label": "Home"}]
    items += [{"url": url, "label": label} for url, label in trail]
    return {
        "header_title": title,
        "page_title": title,
        "header_icon": ICON,
        "breadcrumbs_items": [*items, {"url": "", "label": title}],
    }


def _index_crumb() -> tuple[str, str]:
    return reverse("distribution_imports_index"), TITLE


@require_GET
def import_index(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_IMPORTS)
    page = Paginator(selectors.imports(), 25).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "distribution/imports/index.html",
        {
            **_page(TITLE),
            "page_obj": page,
            "new_url": reverse("distribution_imports_new")
            if request.user.has_perm(ADD_IMPORT)
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _require(request, ADD_IMPORT)
    form = SubscriberImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            subscriber_import = services.start_import(
                subscriber_csv=form.subscriber_csv,
                file_name=form.cleaned_data["file"].name or "upload.csv",
                mailing_list=form.cleaned_data["mailing_list"],
                consent_mode=form.cleaned_data["consent_mode"],
                consent_record=form.cleaned_data["consent_record"],
                consent_attested=form.cleaned_data["consent_attested"],
                by=request.user,
            )
            messages.success(request, f"{subscriber_import.total_rows:,} rows queued for import.")
            return redirect("distribution_imports_detail", pk=subscriber_import.pk)
        status = 400
    return TemplateResponse(
        request,
        "distribution/imports/new.html",
        {
            **_page("Import subscribers", _index_crumb()),
            "form": form,
            "has_lists": MailingList.objects.exists(),
        },
        status=status,
    )


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_IMPORTS)
    subscriber_import = get_object_or_404(selectors.imports(), pk=pk)
    report = selectors.report_rows(subscriber_import)
    return TemplateResponse(
        request,
        "distribution/imports/detail.html",
        {
            **_page(subscriber_import.file_name, _index_crumb()),
            "subscriber_import": subscriber_import,
            "progress": selectors.progress(subscriber_import),
            "progress_url": reverse("distribution_imports_progress", args=[pk]),
            "report_url": reverse("distribution_imports_report", args=[pk]),
            "report_rows": report[: selectors.REPORT_ROWS_SHOWN],
            "report_rows_shown": selectors.REPORT_ROWS_SHOWN,
            "report_total": subscriber_import.skipped_count + subscriber_import.failed_count,
            "resumable": selectors.is_resumable(subscriber_import)
            and request.user.has_perm(ADD_IMPORT),
        },
    )


@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    if not request.user.has_perm(VIEW_IMPORTS):
        return JsonResponse({"error": "You may not see subscriber imports."}, status=403)
    subscriber_import = get_object_or_404(selectors.imports(), pk=pk)
    return JsonResponse(selectors.progress(subscriber_import))


@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_IMPORTS)
    subscriber_import = get_object_or_404(selectors.imports(), pk=pk)
    out = io.StringIO()
    selectors.write_report_csv(subscriber_import, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="subscriber-import-{subscriber_import.pk}-report.csv"'
    )
    return response


@require_POST
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, ADD_IMPORT)
    subscriber_import = get_object_or_404(selectors.imports(), pk=pk)
    try:
        services.resume_import(subscriber_import=subscriber_import, by=request.user)
    except services.ImportNotResumableError as error:
        messages.warning(request, f"Not resumed: {error}")
    else:
        messages.success(request, "Resumed from the first row not imported yet.")
    return redirect("distribution_imports_detail", pk=pk)
