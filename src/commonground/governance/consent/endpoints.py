"""The public site's consent endpoint: a visitor's choice, counted (nothing about them kept).

Written to by anonymous browsers, so size-capped, rate-limited per client address (in each
process, like analytics ingest) and answered 204 with no body. The CSP report endpoint
(``csp/endpoints.py``) answers in the same way and shares the helpers below.
"""

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from commonground.core.http.client_address import client_ip
from commonground.core.http.rate_limits import SourceLimiter

from . import banner as consent


@cache
def _consent_limiter() -> SourceLimiter:
    return SourceLimiter(settings.CONSENT_CHOICES_PER_MINUTE)


def error_response(status: int, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def too_many(limiter: SourceLimiter, request: HttpRequest) -> JsonResponse | None:
    """The 429 answer when the client's address is over ``limiter``'s rate, else None."""
    wait = limiter.retry_after(client_ip(request.META))
    if wait:
        return error_response(
            429, "Too many reports; try again later.", **{"Retry-After": str(wait)}
        )
    return None


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
@require_POST
def consent_choice(request: HttpRequest) -> HttpResponse:
    if declared_length(request) > consent.MAX_BODY_BYTES:
        return error_response(413, f"A choice has at most {consent.MAX_BODY_BYTES} bytes.")
    limited = too_many(_consent_limiter(), request)
    if limited:
        return limited
    offered = {purpose.name for purpose in consent.banner().purposes}
    try:
        choice = consent.parse_choice(request.read(consent.MAX_BODY_BYTES + 1), offered)
    except consent.ChoiceError as error:
        return error_response(400, str(error))
    site = Site.find_for_request(request)
    if site is not None:
        consent.record_choice(site_id=site.pk, choice=choice)
    return HttpResponse(status=204)
