"""The ingest endpoints: POST /api/event (Plausible's format) and /api/send (Umami's), 202.

Each endpoint is written once, against the request's method, its WSGI/CGI variables and
its body, and served two ways: as a plain WSGI app that the front door calls ahead of
Django's middleware (the production path, see core/front_door.py), and as a Django view in
the URL map for ``runserver`` and the test client. Both give the same answers.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from commonground.core.http.client_address import client_ip

from ..http_errors import json_error
from . import rate_limits, sites, umami
from .pipeline import count_dropped, ingest
from .plausible import MAX_BODY_BYTES, EventRequestError, parse_event_request

logger = logging.getLogger(__name__)

# The tracker runs on other sites too; events carry no credentials, so any origin may send.
# Every answer says so and lets the page read X-Dropped; what may be sent is the preflight's
# business alone (answered once a day per visitor, where the events come per page).
_CORS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "X-Dropped"),
    ("Cache-Control", "no-store"),
)
_PREFLIGHT = (
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Max-Age", "86400"),
)
_RETRY_AFTER_SECONDS = "5"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/plain"
    headers: tuple[tuple[str, str], ...] = ()


Read = Callable[[int], bytes]
# A handler gets the request's WSGI variables, its body and the client address.
Handler = Callable[[Mapping[str, Any], bytes, str], Answer]


def _error(status: int, field: str, message: str, *extra: tuple[str, str]) -> Answer:
    return Answer(status, json_error(field, message), "application/json", extra)


def _answer(method: str, meta: Mapping[str, Any], read: Read, handler: Handler) -> Answer:
    """What both endpoints share: POST only, the size limit, 400 on bad input, 503."""
    if method == "OPTIONS":
        return Answer(204, headers=_PREFLIGHT)
    if method != "POST":
        return _error(405, "method", "use POST", ("Allow", "POST, OPTIONS"))
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length", "is not a number")
    if declared > MAX_BODY_BYTES:
        count_dropped("too_large")
        return _error(413, "body", f"must be at most {MAX_BODY_BYTES} bytes")
    ip = client_ip(meta)
    wait = rate_limits.limiter().retry_after(ip)
    if wait:
        count_dropped("rate_limited")
        return _error(429, "source", "sends too many events; slow down", ("Retry-After", str(wait)))
    try:
        body = read(declared) if declared > 0 else b""
    except OSError:  # the client went away mid-body: nothing to acknowledge
        return _error(400, "body", "was not received completely")
    try:
        return handler(meta, body, ip)
    except EventRequestError as error:
        count_dropped("invalid")
        return _error(400, error.field, error.message)
    except OSError:
        # Not written to the spool, so not acknowledged: the client may retry.
        logger.exception("analytics: an event could not be spooled; answering 503")
        return _error(
            503,
            "server",
            "events cannot be stored right now; retry later",
            ("Retry-After", _RETRY_AFTER_SECONDS),
        )


def _with_dropped(answer: Answer, dropped: str) -> Answer:
    if not dropped:
        return answer
    return replace(answer, headers=(("X-Dropped", dropped),))


_EVENT_OK = Answer(202, b"ok")


def _event(meta: Mapping[str, Any], body: bytes, ip: str) -> Answer:
    outcome = ingest(parse_event_request(body), meta=meta, ip=ip)
    return _with_dropped(_EVENT_OK, outcome.dropped)


# The tracker reads the answer: no "cache" token (we keep no sessions to resume) and never
# "disabled", which would stop it sending for the rest of the page's life.
_UMAMI_OK = Answer(202, b'{"ok": true}', "application/json")


def _umami(meta: Mapping[str, Any], body: bytes, ip: str) -> Answer:
    sent = umami.parse_umami_request(body)
    if sent.kind == "identify":
        return _UMAMI_OK
    assert sent.website is not None
    domain = sites.domain_for_umami_website(sent.website)
    if domain is None:
        count_dropped("unknown_site")
        return _with_dropped(_UMAMI_OK, "unknown-site")
    outcome = ingest(umami.event_for_site(sent, domain=domain), meta=meta, ip=ip)
    return _with_dropped(_UMAMI_OK, outcome.dropped)


@cache
def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


# --- served as plain WSGI apps (the front door) and as Django views (the URL map) ----------


def _endpoint(
    handler: Handler, *, allow_headers: str
) -> tuple[Callable[..., Iterable[bytes]], Callable[[HttpRequest], HttpResponse]]:
    allowed = ("Access-Control-Allow-Headers", allow_headers)

    def headers_of(answer: Answer) -> tuple[tuple[str, str], ...]:
        extra = (*answer.headers, allowed) if answer.status == 204 else answer.headers
        return (*_CORS, *extra)

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        answer = _answer(environ.get("REQUEST_METHOD", ""), environ, stream.read, handler)
        headers = [("Content-Type", answer.content_type), *headers_of(answer)]
        headers.append(("Content-Length", str(len(answer.body))))
        start_response(_status_line(answer.status), headers)
        return [answer.body]

    @csrf_exempt
    def django_view(request: HttpRequest) -> HttpResponse:
        answer = _answer(request.method or "", request.META, request.read, handler)
        response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
        for name, value in headers_of(answer):
            response[name] = value
        return response

    return wsgi_app, django_view


event_wsgi, event_endpoint = _endpoint(_event, allow_headers="Content-Type")
# Umami's tracker sends its cache token as x-umami-cache (an empty one after identify()).
umami_send_wsgi, umami_send_endpoint = _endpoint(
    _umami, allow_headers="Content-Type, x-umami-cache"
)
