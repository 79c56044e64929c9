"""Admin reports of what the site's policy meets in visitors' browsers: CSP violation
findings (IT) and consent choices (everyone's numbers). Read-only; views parse the filters."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from wagtail.models import Site

from . import public, selectors

VIEW_VIOLATIONS = "governance.view_cspviolation"
VIEW_CONSENT = "governance.view_consenttally"
PERIODS = {"1": "last 24 hours", "7": "last 7 days", "30": "last 30 days", "90": "last 90 days"}


def _period(request: HttpRequest) -> str:
    chosen = request.GET.get("days", "7")
    return chosen if chosen in PERIODS else "7"


def csp_findings(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_VIOLATIONS):
        raise PermissionDenied
    days = _period(request)
    sites = list(Site.objects.order_by("-is_default_site", "hostname"))
    site_id = next((s.pk for s in sites if str(s.pk) == request.GET.get("site")), None)
    mode = request.GET.get("mode", "")
    enforced = {"blocked": True, "reported": False}.get(mode)
    rows = selectors.violations(
        since=timezone.now() - timedelta(days=int(days)), site_id=site_id, enforced=enforced
    )
    hosts = selectors.blocked_hosts(rows)
    return TemplateResponse(
        request,
        "governance/admin/csp_findings.html",
        {
            "header_title": "CSP findings",
            "hosts": [
                (
                    host,
                    public.request_url(host.host, host.directive)
                    if "." in host.host and host.technology is None
                    else "",
                )
                for host in hosts
            ],
            "pages": selectors.blocked_by_page(rows),
            "periods": PERIODS,
            "days": days,
            "sites": sites,
            "site_id": site_id,
            "mode": mode,
            "modes": selectors.csp_modes(),
        },
    )


def consent_choices(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_CONSENT):
        raise PermissionDenied
    days = _period(request)
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
    path("governance/csp-findings/", csp_findings, name="governance_csp_findings"),
    path("governance/consent/", consent_choices, name="governance_consent_choices"),
]
