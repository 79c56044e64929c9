"""The shadow-IT report in the admin: a scan's third-party hosts by verdict, its pages, CSV
export, past scans, and IT's "Scan now". Every role with admin access reads it; only IT
starts a scan (``services.start_scan`` checks again)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from commonground.core.spreadsheet_cells import csv_lines

from ..csp import third_party as tp
from ..permissions import REQUEST, RUN_SCAN, VIEW_SCANS
from . import selectors
from . import services as scans
from .models import ScanFinding, SiteScan

CSV_COLUMNS = (
    ("page_url", "Page"),
    ("page_title", "Title"),
    ("directive", "Directive"),
    ("host", "Host"),
    ("verdict", "Verdict"),
    ("technology_name", "Registry entry"),
    ("technology_status", "Registry status"),
    ("detail", "Why"),
    ("element", "Element"),
    ("example_url", "Example URL"),
)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def request_link(host: str, directive: str) -> str:
    """The technology request form, filled in with the host and what it loads."""
    query = urlencode({"host": host, "directive": directive})
    return f"{reverse('governance_request_new')}?{query}"


def _selected_scan(request: HttpRequest) -> SiteScan | None:
    chosen = request.GET.get("scan", "")
    if chosen.isdigit():
        return get_object_or_404(SiteScan, pk=int(chosen))
    return SiteScan.objects.order_by("-started_at", "-pk").first()


def _filters(request: HttpRequest) -> tuple[str, str]:
    verdict = request.GET.get("verdict", "")
    directive = request.GET.get("directive", "")
    return (
        verdict if verdict in ScanFinding.Verdict.values else "",
        directive if directive in tp.DIRECTIVES else "",
    )


def report(request: HttpRequest) -> HttpResponseBase:
    _require(request, VIEW_SCANS)
    shown = _selected_scan(request)
    verdict, directive = _filters(request)
    if shown is not None and request.GET.get("export") == "csv":
        return _csv(shown, verdict=verdict, directive=directive)
    can_request = request.user.has_perm(REQUEST)
    hosts = []
    if shown is not None:
        for found in selectors.hosts_of_scan(shown, verdict=verdict, directive=directive):
            approved = found.verdict == ScanFinding.Verdict.APPROVED
            link = request_link(found.host, found.directive) if can_request and not approved else ""
            hosts.append((found, link))
    shown_filters = {"scan": shown.pk if shown else "", "verdict": verdict, "directive": directive}
    export_query = urlencode({"export": "csv", **{k: v for k, v in shown_filters.items() if v}})
    return TemplateResponse(
        request,
        "governance/admin/scan_report.html",
        {
            "scan": shown,
            "running": scans.running_scan(),
            "hosts": hosts,
            "errors": selectors.scan_errors(shown) if shown else [],
            "history": selectors.recent_scans(),
            "verdict": verdict,
            "directive": directive,
            "verdicts": [
                (value, label)
                for value, label in ScanFinding.Verdict.choices
                if value != ScanFinding.Verdict.ERROR
            ],
            "directives": tp.DIRECTIVES,
            "can_scan": request.user.has_perm(RUN_SCAN),
            "export_query": export_query,
            "header_title": "Third-party hosts (shadow IT)",
        },
    )


def _csv(scan: SiteScan, *, verdict: str, directive: str) -> StreamingHttpResponse:
    findings = selectors.scan_findings(scan, verdict=verdict, directive=directive)
    rows = ([getattr(row, name) for name, _ in CSV_COLUMNS] for row in findings.iterator())
    lines = csv_lines([label for _, label in CSV_COLUMNS], rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"third-party-hosts-{scan.started_at:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    _require(request, RUN_SCAN)
    try:
        scans.start_scan(user=request.user)
    except scans.ScanRunningError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Scan started. The report fills in as pages are scanned.")
    return redirect("governance_scans:index")


class ScanMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_SCANS)


class ScanReportViewSet(ViewSet):
    name = "governance_scans"
    url_prefix = "governance/third-party-hosts"
    icon = "search"
    menu_label = "Third-party hosts"
    menu_item_class = ScanMenuItem

    def get_urlpatterns(self) -> list[URLPattern]:
        return [path("", report, name="index"), path("scan/", start, name="start")]
