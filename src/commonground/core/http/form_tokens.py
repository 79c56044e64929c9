"""Public forms without a cookie: a same-origin check and a signed, timed, one-use token per
rendered form, in place of Django's CSRF cookie (which would be the site's only cookie).

Django's CSRF protection needs a ``csrftoken`` cookie, a year long, on every page with a
form; the public site promises no cookies. A cross-site POST is refused here instead by
what the browser says about where the request comes from (``Sec-Fetch-Site``, then
``Origin``, then ``Referer`` when a browser sends no ``Origin``), and a request built
without loading the form is refused for lacking a token: one signed with the secret key,
naming the form (a landing page's id, or the newsletter form) and the time it was
rendered, good for ``PUBLIC_FORM_TOKEN_MAX_AGE`` seconds and only once (each token's random
part is remembered in the shared cache until it would expire anyway). The admin keeps
Django's CSRF protection as it is.
"""

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

FIELD = "cg-form-token"
_SALT = "commonground.core.form-token"
_MAX_TOKEN_LENGTH = 400
DEFAULT_MAX_AGE = 2 * 3600
RELOAD = "Reload the page and send the form again."


class FormRefusedError(Exception):
    """A public form's POST we do not accept; the message says why, for the visitor."""


def max_age() -> int:
    return int(getattr(settings, "PUBLIC_FORM_TOKEN_MAX_AGE", DEFAULT_MAX_AGE))


def issue_token(form: str) -> str:
    """A fresh token for one render of ``form`` (e.g. ``"page:12"``)."""
    return signing.dumps({"f": form, "n": secrets.token_urlsafe(12)}, salt=_SALT)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def check_same_origin(request: HttpRequest) -> None:
    """Refuse a request the browser says comes from another site."""
    expected = _own_origin(request)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        raise FormRefusedError(
            f"This form was sent from another site ({fetch_site[:40]!r}), not from this one."
        )
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin.lower() != expected:
            raise FormRefusedError("This form was sent from another site, not from this one.")
        return
    referer = request.headers.get("Referer", "")
    if not referer:
        raise FormRefusedError(
            "Your browser said neither where this form comes from (Origin) nor which page "
            "sent it (Referer), so we cannot tell it was sent from this site."
        )
    if _origin_of(referer) != expected:
        raise FormRefusedError("This form was sent from another site, not from this one.")


def check_token(request: HttpRequest, *, form: str) -> None:
    """Refuse a POST without a valid, unexpired, unused token for ``form``."""
    token = request.POST.get(FIELD, "")
    if not token:
        raise FormRefusedError("The form's security token is missing.")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise FormRefusedError("The form's security token is not valid.")
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age())
    except signing.SignatureExpired:
        minutes = max_age() // 60
        raise FormRefusedError(
            f"This form was loaded more than {minutes} minutes ago and has expired."
        ) from None
    except signing.BadSignature:
        raise FormRefusedError("The form's security token is not valid.") from None
    if not isinstance(data, dict) or data.get("f") != form or not isinstance(data.get("n"), str):
        raise FormRefusedError("The form's security token belongs to another form.")
    # One use: the random part is kept (shared by every worker) until it would expire anyway.
    if not caches["default"].add(f"form-token:{data['n']}", 1, timeout=max_age() + 60):
        raise FormRefusedError("This form was already sent once from this page.")


def check(request: HttpRequest, *, form: str) -> None:
    check_same_origin(request)
    check_token(request, form=form)


def refusal(request: HttpRequest, *, form: str) -> HttpResponse | None:
    """The 403 page saying why when ``request`` (a POST) may not be accepted, else None."""
    try:
        check(request, form=form)
    except FormRefusedError as refused:
        return refusal_response(request, str(refused))
    return None


def refusal_response(request: HttpRequest, reason: str) -> HttpResponse:
    referer = request.headers.get("Referer", "")
    back = referer if referer and _origin_of(referer) == _own_origin(request) else "/"
    response = render(
        request,
        "core/form_refused.html",
        {"reason": reason, "reload": RELOAD, "back": back},
        status=403,
    )
    response["Cache-Control"] = "no-store"
    return response


def same_origin_posts(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` without Django's CSRF cookie check, refusing any POST from another site (the
    page then checks its form's token, if it takes one)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            try:
                check_same_origin(request)
            except FormRefusedError as refused:
                return refusal_response(request, str(refused))
        return view(request, *args, **kwargs)

    return csrf_exempt(checked)
