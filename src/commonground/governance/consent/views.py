"""The admin's report of visitors' consent choices (everyone's numbers), read-only; and the
period filter the CSP findings report shares with it. Views parse the filters."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

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


urlpatterns = [
    path("governance/consent/", consent_choices, name="governance_consent_choices"),
]
