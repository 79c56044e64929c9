"""The guard in front of the admin: ends timed-out sessions, and keeps a signed-in user who
owes a second factor on the verify (or, for IT, the set-up) page until they give it."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
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
        if not user.is_authenticated or user.is_verified() or not _is_admin(request):
            return None
        match = request.resolver_match
        url_name = match.url_name if match else None
        if url_name in EXEMPT_URL_NAMES:
            return None
        if selectors.has_two_factor(user):
            return _redirect(request, VERIFY_URL_NAME)
        if selectors.two_factor_required(user):
            if url_name == ENROL_URL_NAME:
                return None
            messages.warning(
                request,
                "Set up two-factor sign-in to continue: IT administrators need it to use "
                "the admin.",
            )
            return _redirect(request, ENROL_URL_NAME)
        return None


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
