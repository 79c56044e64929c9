"""The ingest endpoints: POST /api/event (Plausible's format) and /api/send (Umami's), 202."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import sites, umami
from .ingest import count_dropped, ingest
from .requests import MAX_BODY_BYTES, EventRequestError, parse_event_request

# The tracker runs on other sites too; events carry no credentials, so any origin may send.
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
    "Cache-Control": "no-store",
}


def _with_cors(response: HttpResponse) -> HttpResponse:
    for name, value in _CORS.items():
        response[name] = value
    return response


def _error(status: int, field: str, message: str) -> HttpResponse:
    return _with_cors(JsonResponse({"error": f"{field}: {message}", "field": field}, status=status))


@csrf_exempt
def event_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _with_cors(HttpResponse(status=204))
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
    body = request.read(MAX_BODY_BYTES + 1)
    try:
        event = parse_event_request(body)
    except EventRequestError as error:
        count_dropped("invalid")
        return _error(400, error.field, error.message)
    try:
        outcome = ingest(event, meta=request.META)
    except OSError:
        # Not written to the spool, so not acknowledged: the client may retry.
        return _error(503, "server", "events cannot be stored right now; retry later")
    response = _with_cors(HttpResponse("ok", status=202, content_type="text/plain"))
    if outcome.dropped:
        response["X-Dropped"] = outcome.dropped
    return response


def _umami_answer(response: HttpResponse) -> HttpResponse:
    # Umami's tracker sends its cache token as x-umami-cache (an empty one after identify()).
    _with_cors(response)["Access-Control-Allow-Headers"] = "Content-Type, x-umami-cache"
    return response


def _umami_accepted(dropped: str = "") -> HttpResponse:
    # The tracker reads this body: no "cache" token (we keep no sessions to resume) and never
    # "disabled", which would stop it sending for the rest of the page's life.
    response = JsonResponse({"ok": True}, status=202)
    if dropped:
        response["X-Dropped"] = dropped
    return _umami_answer(response)


@csrf_exempt
def umami_send_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _umami_answer(HttpResponse(status=204))
    if request.method != "POST":
        response = _error(405, "method", "use POST")
        response["Allow"] = "POST, OPTIONS"
        return _umami_answer(response)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _umami_answer(_error(400, "Content-Length", "is not a number"))
    if declared > MAX_BODY_BYTES:
        count_dropped("too_large")
        return _umami_answer(_error(413, "body", f"must be at most {MAX_BODY_BYTES} bytes"))
    try:
        sent = umami.parse_umami_request(request.read(MAX_BODY_BYTES + 1))
    except EventRequestError as error:
        count_dropped("invalid")
        return _umami_answer(_error(400, error.field, error.message))
    if sent.kind == "identify":
        return _umami_accepted()
    assert sent.website is not None
    domain = sites.domain_for_umami_website(sent.website)
    if domain is None:
        count_dropped("unknown_site")
        return _umami_accepted("unknown-site")
    try:
        outcome = ingest(umami.event_for_site(sent, domain=domain), meta=request.META)
    except OSError:
        return _umami_answer(
            _error(503, "server", "events cannot be stored right now; retry later")
        )
    return _umami_accepted(outcome.dropped)
