"""The admin's script pages (IT): the inventory of every script on every published page with
its CSV export, and the review of one script (fetch it, read it, approve its hash). Views
parse input and call one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from commonground.core.spreadsheet_cells import csv_lines

from ..access.selectors import is_it_administrator
from . import selectors, services
from .models import ReviewedScript

CSV_HEADER = [
    "page",
    "page URL",
    "script",
    "source",
    "held for consent",
    "justification",
    "reviewed hash",
    "hash on the page",
    "last check",
    "status",
]


def _require_it(request: HttpRequest) -> None:
    if not is_it_administrator(request.user):
        raise PermissionDenied("Only IT administrators see the script inventory.")


@require_GET
def inventory(request: HttpRequest) -> HttpResponse:
    _require_it(request)
    return TemplateResponse(
        request,
        "governance/scripts/inventory.html",
        {
            "header_title": "Script inventory",
            "rows": selectors.inventory(),
            "run": selectors.latest_run(),
            "findings": selectors.recent_findings(),
            "reviewed": selectors.review_queue(),
        },
    )


@require_GET
def inventory_csv(request: HttpRequest) -> HttpResponseBase:
    _require_it(request)
    rows = (
        [
            row.page,
            row.page_url,
            row.script_url,
            row.source,
            "yes" if row.held_for_consent else "no",
            row.justification,
            row.integrity,
            row.emitted_integrity,
            timezone.localtime(row.last_check).isoformat() if row.last_check else "",
            row.status,
        ]
        for row in selectors.inventory()
    )
    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="script-inventory-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """GET ?url=: the script's state; POST action=fetch fetches it now and shows the hash,
    size and first lines; POST action=approve approves the hash shown."""
    _require_it(request)
    source = request.POST if request.method == "POST" else request.GET
    url = str(source.get("url", "")).strip()[:2000]
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "fetch":
                services.fetch_for_review(user=request.user, url=url)
            elif action == "approve":
                services.approve_script(
                    user=request.user, url=url, integrity=str(request.POST.get("integrity", ""))
                )
                messages.success(request, f"Approved: pages now carry {url} with its hash.")
                return redirect(reverse("governance_script_review") + "?" + _query(url))
            else:
                error, status = "Choose to fetch the script or to approve its hash.", 400
        except services.ScriptReviewError as problem:
            error, status = str(problem), 400
    # No stored URL holds a NUL (PostgreSQL refuses one even in a WHERE): none to look up.
    script = ReviewedScript.objects.filter(url=url).first() if url and "\x00" not in url else None
    return TemplateResponse(
        request,
        "governance/scripts/review.html",
        {"header_title": "Review a script", "url": url, "script": script, "error": error},
        status=status,
    )


def _query(url: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"url": url})


urlpatterns = [
    path("governance/scripts/", inventory, name="governance_script_inventory"),
    path("governance/scripts/inventory.csv", inventory_csv, name="governance_script_inventory_csv"),
    path("governance/scripts/review/", review, name="governance_script_review"),
]
