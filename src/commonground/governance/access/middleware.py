"""The guard in front of every view: ends timed-out sessions, and keeps a signed-in user who
owes a second factor on the verify (or, for IT, the set-up) page until they give it.

Two-factor is for the session, not the path: until the code is given, such a user is signed in
nowhere. In the admin they are sent to the verify (or set-up) page; any other view (login-only
public pages included) sees an anonymous visitor (``request.user`` is ``AnonymousUser``), so
the password alone opens nothing."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import selectors, sessions

# Pages an unverified user may still open: signing in and out, the admin's icons and
# translations that those pages load, and the two-factor pages themselves.
EXEMPT_URL_NAMES = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_sprite",
        "wagtailadmin_javascript_catalog",
        "governance_two_factor_verify",
    }
)
ENROL_URL_NAME = "governance_two_factor"
# The admin's sign-in and Wagtail's own for login-only pages.
LOGIN_URL_NAMES = frozenset({"wagtailadmin_login", "wagtailcore_login"})
VERIFY_URL_NAME = "governance_two_factor_verify"


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = sessions.expired(request.session, now)
            if reason:
                logout(request)
                messages.info(request, reason)
            else:
                sessions.touch(request.session, now)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        enrolled = selectors.has_two_factor(user)
        if not enrolled and not selectors.two_factor_required(user):
            return None  # password-only is this user's whole sign-in
        match = request.resolver_match
        url_name = match.url_name if match else None
        if url_name in LOGIN_URL_NAMES and request.method == "GET":
            # Sent to sign in (a login-only page did) while the code is still owed: ask for
            # the code rather than bounce between the page and the sign-in form.
            target = reverse(VERIFY_URL_NAME if enrolled else ENROL_URL_NAME)
            after = request.GET.get("next")
            return HttpResponseRedirect(
                f"{target}?{urlencode({'next': after})}" if after else target
            )
        if url_name in EXEMPT_URL_NAMES or (not enrolled and url_name == ENROL_URL_NAME):
            return None
        if not _is_admin(request):
            _sign_out_of_request(request)
            return None
        if enrolled:
            return _redirect(request, VERIFY_URL_NAME)
        messages.warning(
            request,
            "Set up two-factor sign-in to continue: IT administrators need it to use the admin.",
        )
        return _redirect(request, ENROL_URL_NAME)


def _sign_out_of_request(request: HttpRequest) -> None:
    """This request only: the view sees nobody signed in; the session (and the first factor
    in it) stays for the verify page."""
    anonymous = AnonymousUser()
    request.user = anonymous

    async def auser() -> AnonymousUser:
        return anonymous

    request.auser = auser


def _is_admin(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is not None and "admin" in match.namespaces:  # Django's admin, where mounted
        return True
    return request.path_info.startswith(reverse("wagtailadmin_home"))


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    url = reverse(url_name)
    if request.method == "GET" and request.path_info != reverse("wagtailadmin_home"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)
