"""The public site's consent endpoint: a visitor's choice, recorded and counted.

Written to by anonymous browsers, so size-capped, rate-limited per client address (in each
process, like analytics ingest) and parsed strictly: anything but the banner's own JSON is
a 4xx naming the problem, and nothing is written. The answer is what holds: the choice with
Global Privacy Control applied (the ``Sec-GPC: 1`` header counts as much as the browser's
``navigator.globalPrivacyControl``). The CSP report endpoint (``csp/endpoints.py``) shares
the helpers below.
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

# What browsers send: fetch() with JSON, or sendBeacon's text when a page is being left.
CONTENT_TYPES = {"application/json", "text/plain"}


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
    if request.content_type not in CONTENT_TYPES:
        return error_response(415, "Send the choice as application/json.")
    site = Site.find_for_request(request)
    if site is None:
        return error_response(404, "No site answers at this address.")
    try:
        body = request.read(consent.MAX_BODY_BYTES + 1)
        choice = consent.parse_choice(body, consent.banner())
    except consent.ChoiceError as error:
        return error_response(error.status, str(error))
    choice = choice.honouring_gpc(request.headers.get("Sec-GPC", "").strip() == "1")
    consent.record_choice(site_id=site.pk, choice=choice)
    return JsonResponse({"id": choice.consent_id, "purposes": choice.purposes, "gpc": choice.gpc})
