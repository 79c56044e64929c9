"""The public site's CSP report endpoint: browsers' violation reports, parsed and counted.

Written to by anonymous browsers, so size-capped, rate-limited per client address (in each
process, like analytics ingest) and answered 204 with no body, as the consent endpoint is
(whose helpers it shares).
"""

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from commonground.core.http.client_address import client_ip
from commonground.core.http.rate_limits import SourceLimiter

from ..consent.endpoints import declared_length, error_response, too_many
from . import violations


@cache
def _report_limiter() -> SourceLimiter:
    return SourceLimiter(settings.CSP_REPORTS_PER_MINUTE)


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in violations.CONTENT_TYPES:
        return error_response(415, f"Send {' or '.join(violations.CONTENT_TYPES[:2])}.")
    if declared_length(request) > violations.MAX_BODY_BYTES:
        return error_response(413, f"A report has at most {violations.MAX_BODY_BYTES} bytes.")
    limited = too_many(_report_limiter(), request)
    if limited:
        return limited
    body = request.read(violations.MAX_BODY_BYTES + 1)
    if len(body) > violations.MAX_BODY_BYTES:
        return error_response(413, f"A report has at most {violations.MAX_BODY_BYTES} bytes.")
    try:
        found = violations.parse(body)
    except violations.ReportError as error:
        return error_response(400, str(error))
    site = Site.find_for_request(request)
    if site is not None:
        host = request.get_host().rsplit(":", 1)[0].strip("[]").lower()
        violations.record(
            found, site_id=site.pk, site_hosts={host}, reporter=client_ip(request.META)
        )
    return HttpResponse(status=204)
