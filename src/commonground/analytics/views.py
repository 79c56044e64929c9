"""The ingest endpoints: POST /api/event (Plausible's format) and /api/send (Umami's), 202."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import sites, umami
from .ingest import count_dropped, ingest
from .requests import MAX_BODY_BYTES, EventRequestError, parse_event_request

# The tracker runs on other sites too; events carry no credentials, so any origin may send.
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Max-Age": "86400",
    "Cache-Control": "no-store",
}

Handler = Callable[[HttpRequest, bytes], HttpResponse]


def _error(status: int, field: str, message: str) -> HttpResponse:
    return JsonResponse({"error": f"{field}: {message}", "field": field}, status=status)


def _ingest_endpoint(*, allow_headers: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """What both endpoints share: CORS, POST only, the size limit, 400 on bad input, 503.

    The wrapped handler gets the request and its body, and may raise EventRequestError for
    input it refuses and OSError when the event cannot be spooled (not acknowledged, so the
    client may retry).
    """

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            response = _answer(request, handler)
            for name, value in _CORS.items():
                response[name] = value
            response["Access-Control-Allow-Headers"] = allow_headers
            return response

        return view

    return decorate


def _answer(request: HttpRequest, handler: Handler) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=204)
    if request.method != "POST":
        response = _error(405, "method", "use POST")
        response["Allow"] = "POST, OPTIONS"
        return response
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length", "is not a number")
    if declared > MAX_BODY_BYTES:
        count_dropped("too_large")
        return _error(413, "body", f"must be at most {MAX_BODY_BYTES} bytes")
    try:
        return handler(request, request.read(MAX_BODY_BYTES + 1))
    except EventRequestError as error:
        count_dropped("invalid")
        return _error(400, error.field, error.message)
    except OSError:
        return _error(503, "server", "events cannot be stored right now; retry later")


def _accepted(response: HttpResponse, dropped: str) -> HttpResponse:
    if dropped:
        response["X-Dropped"] = dropped
    return response


@_ingest_endpoint(allow_headers="Content-Type")
def event_endpoint(request: HttpRequest, body: bytes) -> HttpResponse:
    outcome = ingest(parse_event_request(body), meta=request.META)
    return _accepted(HttpResponse("ok", status=202, content_type="text/plain"), outcome.dropped)


# Umami's tracker sends its cache token as x-umami-cache (an empty one after identify()).
@_ingest_endpoint(allow_headers="Content-Type, x-umami-cache")
def umami_send_endpoint(request: HttpRequest, body: bytes) -> HttpResponse:
    # The tracker reads the answer: no "cache" token (we keep no sessions to resume) and never
    # "disabled", which would stop it sending for the rest of the page's life.
    answer = JsonResponse({"ok": True}, status=202)
    sent = umami.parse_umami_request(body)
    if sent.kind == "identify":
        return answer
    assert sent.website is not None
    domain = sites.domain_for_umami_website(sent.website)
    if domain is None:
        count_dropped("unknown_site")
        return _accepted(answer, "unknown-site")
    outcome = ingest(umami.event_for_site(sent, domain=domain), meta=request.META)
    return _accepted(answer, outcome.dropped)
