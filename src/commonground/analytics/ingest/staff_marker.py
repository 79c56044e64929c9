"""The staff mark: how the public site's tracker knows a browser is staff's, without a cookie.

With the admin on its own origin, the public origin never sees the admin's session, so
ingest cannot tell staff from visitors. So every admin page loads, once in 12 hours, a
hidden frame of GET /_cg/staff-marker?token=... on the PUBLIC origin; the page there stores
"cg-staff" = the time until which this browser is staff's (30 days) in the public origin's
localStorage, and the tracker sends nothing while it holds (data-exclude-staff). No cookie
is set, and nothing names the person: the token is signed and dated, not personal.

Browsers keep a frame's storage apart by the top-level site when the frame is of another
site: with the admin and the public site on one registrable domain (admin.example.com,
www.example.com) the mark is seen by the public pages; across sites (the demo's
127.0.0.1 and localhost) it is not, and the ingest-side check does not see a session
either. docs/architecture.md ("Clean numbers") says so.
"""

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt

from commonground.core.http.origins import admin_origin, public_origin

from ..http_errors import json_error

MARK_DAYS = 30
# A token is put in every admin page; a copied one stops working after this.
TOKEN_MAX_AGE_SECONDS = 2 * 24 * 3600
MAX_TOKEN_LENGTH = 200
_SALT = "commonground.analytics.staff-marker"
_VALUE = "staff"


def marker_token() -> str:
    return signing.TimestampSigner(salt=_SALT).sign(_VALUE)


def token_is_valid(token: str) -> bool:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return value == _VALUE


def marker_url() -> str:
    """Where an admin page loads the mark from: the public origin (relative on one origin)."""
    path = f"{reverse('analytics_staff_marker')}?token={marker_token()}"
    public = public_origin()
    return f"{public.url()}{path}" if admin_origin() is not None and public else path


def _frame_ancestors() -> str:
    admin = admin_origin()
    return "'self'" + (f" {admin.url()}" if admin is not None else "")


@never_cache
@xframe_options_exempt
def staff_marker_view(request: HttpRequest) -> HttpResponse:
    """GET only; 400 with a message for a missing, forged or expired token."""
    if request.method not in {"GET", "HEAD"}:
        response = HttpResponse(
            json_error("method", "use GET"), status=405, content_type="application/json"
        )
        response["Allow"] = "GET, HEAD"
        return response
    if not token_is_valid(request.GET.get("token", "")):
        return HttpResponse(
            json_error("token", "is missing, forged or expired; open an admin page again"),
            status=400,
            content_type="application/json",
        )
    body = render_to_string(
        "analytics/staff_marker.html",
        {"script": static("analytics/staff_marker_page.js"), "days": MARK_DAYS},
    )
    response = HttpResponse(body)
    # A policy of its own (the site's would allow framing by itself only): this page runs
    # one script of ours and may be framed by the admin.
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; frame-ancestors {_frame_ancestors()}"
    )
    response["Referrer-Policy"] = "no-referrer"
    return response
