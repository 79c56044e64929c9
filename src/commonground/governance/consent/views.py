"""The admin's report of visitors' consent choices (everyone's numbers), read-only; the
consent records IT looks up by a visitor's id and exports; and the period filter the CSP
findings report shares with it. Views parse the filters."""

import csv
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from ..access.selectors import is_it_administrator
from . import selectors

VIEW_CONSENT = "governance.view_consenttally"
PERIODS = {"1": "last 24 hours", "7": "last 7 days", "30": "last 30 days", "90": "last 90 days"}


def chosen_period(request: HttpRequest) -> str:
    """The report's period in days, one of ``PERIODS`` (7 unless another was chosen)."""
    chosen = request.GET.get("days", "7")
    return chosen if chosen in PERIODS else "7"


def consent_choices(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_CONSENT):
        raise PermissionDenied
    days = chosen_period(request)
    since = timezone.localdate() - timedelta(days=int(days) - 1)
    return TemplateResponse(
        request,
        "governance/admin/consent_choices.html",
        {
            "header_title": "Consent choices",
            "shares": selectors.consent_shares(since=since),
            "purposes": selectors.consent_purposes(),
            "periods": PERIODS,
            "days": days,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def consent_records(request: HttpRequest) -> HttpResponseBase:
    """IT's view of the consent records, newest first, filtered by a visitor's consent id
    (shown in their browser's privacy choices); ``?format=csv`` exports all that match."""
    if not is_it_administrator(request.user):
        raise PermissionDenied
    consent_id = request.GET.get("id", "").strip()
    if consent_id and not selectors.is_consent_id(consent_id):
        return TemplateResponse(
            request,
            "governance/admin/consent_records.html",
            {
                "header_title": "Consent records",
                "consent_id": consent_id,
                "records": [],
                "error": "A consent id is 16 to 64 letters and digits.",
            },
            status=400,
        )
    records = selectors.consent_records(consent_id=consent_id or None)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in selectors.consent_record_rows(records))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="consent-records.csv"'
        return response
    return TemplateResponse(
        request,
        "governance/admin/consent_records.html",
        {
            "header_title": "Consent records",
            "consent_id": consent_id,
            "records": records[:RECORDS_SHOWN],
            "shown": RECORDS_SHOWN,
        },
    )


RECORDS_SHOWN = 200

urlpatterns = [
    path("governance/consent/", consent_choices, name="governance_consent_choices"),
    path("governance/consent/records/", consent_records, name="governance_consent_records"),
]
