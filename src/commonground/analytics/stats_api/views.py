"""``POST /api/v2/query``: a Bearer key, a JSON query, the answer; and the API's OpenAPI schema.

The view only speaks HTTP: the key is checked by ``keys``, the limits by ``rate_limits``, the
query is checked and answered by ``analytics.queries``. Every refusal is JSON,
``{"error": "<field>: <message>", "field": "<field>"}``; a 500 only for a defect of ours.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from commonground.core.http.json_input import nesting_depth

from ..http_errors import json_error, store_failure
from ..models import normalise_domain
from ..queries import (
    QueryError,
    StatsRunner,
    StoreQueryError,
    StoreUnavailableError,
    parse_query,
)
from . import keys, rate_limits
from .openapi import openapi_schema
from .permissions import readable_sites

MAX_BODY_BYTES = 64 * 1024
# Filters nest at most MAX_FILTER_DEPTH and/or/not levels, each two arrays deep, in a list
# in the query object: far less than this, which is well within the parser's stack.
MAX_BODY_DEPTH = 64
JSON_TYPES = ("application/json",)


def _refusal(status: int, field: str, message: str, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json_error(field, message), status=status, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _body(request: HttpRequest) -> bytes | HttpResponse:
    """The request's JSON body, or the refusal of it."""
    if request.content_type not in JSON_TYPES:
        return _refusal(
            415, "Content-Type", f"send the query as application/json, not {request.content_type!r}"
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refusal(400, "Content-Length", "not a number")
    # Refused before reading: a client cannot make a worker hold a large body in memory.
    if length > MAX_BODY_BYTES:
        return _refusal(413, "body", f"larger than {MAX_BODY_BYTES // 1024} KiB")
    body = request.body
    # Checked before the parser, whose recursion deeper nesting would exhaust (a 500).
    if nesting_depth(body.decode("utf-8", "replace")) > MAX_BODY_DEPTH:
        return _refusal(400, "body", f"nests arrays or objects deeper than {MAX_BODY_DEPTH}")
    return body


@csrf_exempt  # the key comes in a header, never a cookie, so there is no forgery to stop
def query_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _refusal(405, "method", "the Stats API takes POST", Allow="POST")
    try:
        key = keys.authenticate(request.headers.get("Authorization"))
    except keys.ApiKeyRefusedError as refused:
        return _refusal(401, "Authorization", str(refused), WWW_Authenticate="Bearer")
    wait = rate_limits.retry_after(key.pk)
    if wait:
        return _refusal(
            429,
            "rate_limit",
            f"too many requests for this key; retry in {wait} s",
            Retry_After=str(wait),
        )
    keys.record_use(key.token)
    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    try:
        query = parse_query(body)
        # The key's sites that its owner may still read; checked on every request, so a
        # change of either holds at once. The same answer whether or not the site exists.
        allowed = readable_sites(key.token.user).filter(stats_api_keys=key)
        if not allowed.filter(domain=normalise_domain(query.site_id)).exists():
            raise QueryError("site_id", f"this API key may not read {query.site_id!r}")
        answer: dict[str, Any] = StatsRunner().run(query).as_json()
    except QueryError as error:
        return _refusal(400, error.field, error.message)
    except (StoreUnavailableError, StoreQueryError) as error:
        failure = store_failure(error, query=query.raw)
        retry = {"Retry_After": str(failure.retry_after)} if failure.retry_after else {}
        return _refusal(failure.status, failure.field, failure.message, **retry)
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


def openapi_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _refusal(405, "method", "the schema is read with GET", Allow="GET, HEAD")
    schema = openapi_schema(server_url=request.build_absolute_uri("/").rstrip("/"))
    return JsonResponse(schema, json_dumps_params={"indent": 1})
