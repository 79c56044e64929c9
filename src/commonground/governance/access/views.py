"""The sign-in page (Wagtail's, answering 429 while the throttle holds an attempt back),
the password reset's last step (lifting the throttle), and the two-factor pages: set up (QR
code and secret, confirmed with a code), the backup codes shown once, verify after signing
in, new backup codes, and removal. Every two-factor page acts on the signed-in user's own
account only: no URL names another user's device."""

from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin.views import account

from . import selectors, throttling, two_factor
from .forms import AppCodeForm, CodeForm, ThrottledLoginForm

PENDING_SECRET = "access_pending_totp_secret"  # noqa: S105  (a session key, not a secret)
NEW_BACKUP_CODES = "access_new_backup_codes"


class SignInView(account.LoginView):
    """Wagtail's sign-in page; an attempt the throttle holds back is answered 429 with
    ``Retry-After`` (seconds), the form shown again with the message saying how long."""

    def form_invalid(self, form: ThrottledLoginForm) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)
        held = getattr(form, "throttle", None)
        if held is not None:
            response.status_code = 429
            response["Retry-After"] = str(held.retry_after_seconds)
        return response


class PasswordResetConfirmView(account.PasswordResetConfirmView):
    """The reset link's page (Wagtail's): a new password set through it lifts the sign-in
    throttle on the account, from every address."""

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        throttling.lift(
            user=form.user,
            reason="password reset",
            address=throttling.client_address(self.request),
        )
        return response


# Mounted in config/urls.py ahead of Wagtail's admin URLs, at the same paths and names.
sign_in = never_cache(SignInView.as_view())
password_reset_confirm = never_cache(PasswordResetConfirmView.as_view())


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _provisioning(request: HttpRequest, secret: str) -> dict[str, Any]:
    """What the set-up page shows: the QR code (drawn here as inline SVG: no image service
    learns the secret) and the secret as text, in groups of four."""
    uri = TOTPDevice(user=request.user, key=secret).config_url
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, title="QR code for your app")
    text = b32encode(unhexlify(secret)).decode("ascii")
    return {
        "qr_svg": mark_safe(svg),  # noqa: S308  (segno's own markup; the URI is escaped by it)
        "secret": " ".join(text[i : i + 4] for i in range(0, len(text), 4)),
        "issuer": settings.OTP_TOTP_ISSUER,
    }


def _signed_in(request: HttpRequest) -> AbstractBaseUser:
    # The admin lets only signed-in users this far (require_admin_access).
    assert isinstance(request.user, AbstractBaseUser)
    return request.user


def _code_errors(form: CodeForm) -> str:
    return " ".join(str(error) for error in form.errors.get("code", []))


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int
) -> TemplateResponse:
    return TemplateResponse(request, f"governance/access/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Set up, or (once set up) manage, the signed-in user's two-factor sign-in."""
    required = selectors.two_factor_required(request.user)
    device = selectors.authenticator(request.user)
    if device is not None:
        if request.method == "POST":
            return redirect("governance_two_factor")
        return _render(
            request,
            "manage.html",
            {
                "header_title": "Two-factor sign-in",
                "device": device,
                "backup_codes_left": selectors.backup_codes_left(request.user),
                "required": required,
                "remove_form": CodeForm(auto_id="remove_%s"),
                "renew_form": CodeForm(auto_id="renew_%s"),
            },
            200,
        )
    secret = request.session.get(PENDING_SECRET)
    if not isinstance(secret, str) or len(secret) != 40:
        secret = request.session[PENDING_SECRET] = two_factor.new_secret()
    form = AppCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device, codes = two_factor.confirm_enrolment(
                    user=_signed_in(request), secret=secret, code=form.cleaned_data["code"]
                )
            except two_factor.AlreadyEnrolledError as error:
                messages.info(request, str(error))
                return redirect("governance_two_factor")
            except two_factor.CodeRefusedError as error:
                form.add_error("code", str(error))
            else:
                del request.session[PENDING_SECRET]
                request.session.cycle_key()
                otp_login(request, device)
                request.session[NEW_BACKUP_CODES] = codes
                return redirect(
                    reverse("governance_two_factor_backup_codes") + "?" + _next_query(request)
                )
    return _render(
        request,
        "enrol.html",
        {
            "header_title": "Set up two-factor sign-in",
            "form": form,
            "required": required,
            "next": _next_url(request),
            **_provisioning(request, secret),
        },
        status,
    )


def _next_query(request: HttpRequest) -> str:
    return urlencode({"next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """GET: the backup codes just made, once (a reload shows how many are left instead).
    POST: new codes for old, proven with a current code."""
    if request.method == "POST":
        form = CodeForm(request.POST, auto_id="renew_%s")
        if form.is_valid():
            try:
                codes = two_factor.renew_backup_codes(
                    user=_signed_in(request), code=form.cleaned_data["code"]
                )
            except two_factor.CodeRefusedError as error:
                messages.error(request, str(error))
            else:
                request.session[NEW_BACKUP_CODES] = codes
                return redirect("governance_two_factor_backup_codes")
        else:
            messages.error(request, _code_errors(form))
        return redirect("governance_two_factor")
    codes = request.session.pop(NEW_BACKUP_CODES, None)
    if not codes:
        return redirect("governance_two_factor")
    return _render(
        request,
        "backup_codes.html",
        {"header_title": "Your backup codes", "codes": codes, "next": _next_url(request)},
        200,
    )


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST, auto_id="remove_%s")
    if not form.is_valid():
        messages.error(request, _code_errors(form))
        return redirect("governance_two_factor")
    try:
        two_factor.remove(user=_signed_in(request), code=form.cleaned_data["code"])
    except two_factor.CodeRefusedError as error:
        messages.error(request, str(error))
        return redirect("governance_two_factor")
    if selectors.two_factor_required(request.user):
        messages.warning(
            request,
            "Two-factor sign-in is off. IT administrators need it: set it up again to continue.",
        )
    else:
        messages.success(request, "Two-factor sign-in is off for your account.")
    return redirect("governance_two_factor")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for a user with an authenticator app."""
    user: Any = request.user
    if user.is_verified() or not selectors.has_two_factor(user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = two_factor.check_code(user=user, code=form.cleaned_data["code"])
            except two_factor.CodeRefusedError as error:
                form.add_error("code", str(error))
            else:
                request.session.cycle_key()
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = selectors.backup_codes_left(user)
                    messages.warning(
                        request,
                        f"You signed in with a backup code; {left} left. Make new ones under "
                        "Two-factor sign-in if you are running out.",
                    )
                return redirect(_next_url(request))
    return _render(
        request,
        "verify.html",
        {"form": form, "next": _next_url(request), "username": user.get_username()},
        status,
    )


urlpatterns = [
    path("two-factor/", two_factor_page, name="governance_two_factor"),
    path("two-factor/verify/", verify, name="governance_two_factor_verify"),
    path("two-factor/backup-codes/", backup_codes, name="governance_two_factor_backup_codes"),
    path("two-factor/remove/", remove, name="governance_two_factor_remove"),
]
