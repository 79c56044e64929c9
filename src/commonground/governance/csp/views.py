"""The admin's report of what the site's policy meets in visitors' browsers: CSP violation
findings (IT). Read-only; views parse the filters."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from wagtail.models import Site

from ..consent.views import PERIODS, chosen_period
from ..registry.selectors import request_url
from . import selectors

VIEW_VIOLATIONS = "governance.view_cspviolation"


def csp_findings(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_VIOLATIONS):
        raise PermissionDenied
    days = chosen_period(request)
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
                    request_url(host.host, host.directive)
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


urlpatterns = [
    path("governance/csp-findings/", csp_findings, name="governance_csp_findings"),
]
