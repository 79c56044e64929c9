"""The 400, 403 and 404 pages: Django's own, after the request's form body is known to be read
or unreadable.

Django's error views take the CSRF token (``requires_csrf_token``), which reads ``request.POST``
on a POST. A view exempt from CSRF that refused a request before reading its body (a 404 for
an unknown unsubscribe token) left a malformed multipart body unread, so the error page itself
raised ``MultiPartParserError`` and the answer became a 500. Reading the body here first marks
an unreadable one as empty, as Django does when its own middleware meets it.
"""

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import UnreadablePostError
from django.views import defaults


def _settle_body(request: HttpRequest) -> None:
    try:
        request.POST  # noqa: B018  (read once: a failure leaves an empty POST behind)
    except (MultiPartParserError, UnreadablePostError, BadRequest, SuspiciousOperation):
        request._mark_post_parse_error()  # type: ignore[attr-defined]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    _settle_body(request)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    _settle_body(request)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    _settle_body(request)
    return defaults.page_not_found(request, exception)
