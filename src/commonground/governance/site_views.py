"""The public site's governance endpoints: CSP violation reports and consent counts.

Both are written to by anonymous browsers, so both are size-capped, rate-limited per
client address (in each process, like analytics ingest) and answer 204 with no body.
"""

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from commonground.core.http.client_address import client_ip
from commonground.core.http.rate_limits import SourceLimiter

from . import consent, violations


@cache
def _report_limiter() -> SourceLimiter:
    return SourceLimiter(settings.CSP_REPORTS_PER_MINUTE)


@cache
def _consent_limiter() -> SourceLimiter:
    return SourceLimiter(settings.CONSENT_CHOICES_PER_MINUTE)


def _error(status: int, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _too_many(limiter: SourceLimiter, request: HttpRequest) -> JsonResponse | None:
    wait = limiter.retry_after(client_ip(request.META))
    if wait:
        return _error(429, "Too many reports; try again later.", **{"Retry-After": str(wait)})
    return None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in violations.CONTENT_TYPES:
        return _error(415, f"Send {' or '.join(violations.CONTENT_TYPES[:2])}.")
    if _declared_length(request) > violations.MAX_BODY_BYTES:
        return _error(413, f"A report has at most {violations.MAX_BODY_BYTES} bytes.")
    limited = _too_many(_report_limiter(), request)
    if limited:
        return limited
    body = request.read(violations.MAX_BODY_BYTES + 1)
    if len(body) > violations.MAX_BODY_BYTES:
        return _error(413, f"A report has at most {violations.MAX_BODY_BYTES} bytes.")
    try:
        found = violations.parse(body)
    except violations.ReportError as error:
        return _error(400, str(error))
    site = Site.find_for_request(request)
    if site is not None:
        host = request.get_host().rsplit(":", 1)[0].strip("[]").lower()
        violations.record(found, site_id=site.pk, site_hosts={host})
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def consent_choice(request: HttpRequest) -> HttpResponse:
    if _declared_length(request) > consent.MAX_BODY_BYTES:
        return _error(413, f"A choice has at most {consent.MAX_BODY_BYTES} bytes.")
    limited = _too_many(_consent_limiter(), request)
    if limited:
        return limited
    offered = {purpose.name for purpose in consent.banner().purposes}
    try:
        choice = consent.parse_choice(request.read(consent.MAX_BODY_BYTES + 1), offered)
    except consent.ChoiceError as error:
        return _error(400, str(error))
    site = Site.find_for_request(request)
    if site is not None:
        consent.record_choice(site_id=site.pk, choice=choice)
    return HttpResponse(status=204)
